"""A statement's totals from its lines, grouped (``queries.groups``): what was paid to
us and to the client, what is remitted now and our commission on it, the remittance
due to the client (net) and the invoice due from it (gross, and every direct payment's
commission), with the balance carried from the statement before.

The invariant (docs/commission.md): the money remitted now equals our commission on it
under net schedules plus the remittance before the carried balance; and every
commission on it under gross schedules, with all commission on direct payments, is
invoiced.  ``totals_of`` is written from the groups alone, so the nightly check can
compute it again from the ledger and compare."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agency.commission.kinds import PaidTo, Remittance
from agency.commission.statements.queries import Group


@dataclass(frozen=True, slots=True)
class Totals:
    lines: int
    to_us_minor: int
    uncleared_minor: int
    released_minor: int
    released_commission_minor: int
    direct_minor: int
    direct_commission_minor: int
    remit_minor: int
    invoice_minor: int
    carried_in_minor: int
    remittance_due_minor: int
    carried_out_minor: int


def totals_of(groups: Sequence[Group], carried_in_minor: int) -> Totals:
    to_us = [g for g in groups if g.paid_to is PaidTo.AGENCY]
    direct = [g for g in groups if g.paid_to is PaidTo.CLIENT]
    remitted = [g for g in to_us if g.remitted]
    net_commission = sum(g.commission_minor for g in remitted if g.remittance is Remittance.NET)
    gross_commission = sum(g.commission_minor for g in remitted if g.remittance is Remittance.GROSS)
    released = sum(g.amount_minor for g in remitted)
    direct_commission = sum(g.commission_minor for g in direct)
    remit = released - net_commission
    balance = remit + carried_in_minor
    return Totals(
        lines=sum(g.lines for g in groups),
        to_us_minor=sum(g.amount_minor for g in to_us if not g.released),
        uncleared_minor=sum(g.amount_minor for g in to_us if not g.released and not g.remitted),
        released_minor=released,
        released_commission_minor=net_commission + gross_commission,
        direct_minor=sum(g.amount_minor for g in direct),
        direct_commission_minor=direct_commission,
        remit_minor=remit,
        invoice_minor=gross_commission + direct_commission,
        carried_in_minor=carried_in_minor,
        remittance_due_minor=max(balance, 0),
        carried_out_minor=min(balance, 0),
    )
