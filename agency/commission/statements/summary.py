"""A statement's header and totals in words, for its files and screens."""

from __future__ import annotations

from dataclasses import dataclass

from agency.commission.models import CommissionPeriod, Statement
from agency.kit.scenarios import format_amount


@dataclass(frozen=True, slots=True)
class Summary:
    reference: str
    client_name: str
    currency: str
    starts_on: str
    ends_on: str
    issue: int
    replaces: str | None  # the reference of the statement this one replaces
    totals: tuple[tuple[str, str], ...]  # (what, amount) in the order printed


def summary_of(
    statement: Statement, period: CommissionPeriod, client_name: str, replaces: str | None
) -> Summary:
    cur = statement.currency

    def money(minor: int) -> str:
        return f"{format_amount(minor, cur)} {cur}"

    totals = (
        ("Paid to us", money(statement.to_us_minor)),
        ("of which not cleared yet (remitted later)", money(statement.uncleared_minor)),
        ("Cleared and remitted now", money(statement.released_minor)),
        ("Our commission on it", money(statement.released_commission_minor)),
        ("Paid to the client directly", money(statement.direct_minor)),
        ("Our commission on direct payments (invoiced)", money(statement.direct_commission_minor)),
        ("Remittance for the period", money(statement.remit_minor)),
        ("Balance carried from the previous statement", money(statement.carried_in_minor)),
        ("Remittance due to the client", money(statement.remittance_due_minor)),
        ("Balance carried to the next statement", money(statement.carried_out_minor)),
        ("Invoice due from the client", money(statement.invoice_minor)),
    )
    return Summary(
        reference=statement.reference,
        client_name=client_name,
        currency=cur,
        starts_on=period.starts_on.isoformat(),
        ends_on=period.ends_on.isoformat(),
        issue=statement.issue,
        replaces=replaces,
        totals=totals,
    )
