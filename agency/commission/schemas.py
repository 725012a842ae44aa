"""What the commission domain takes from and gives to the domains above it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from agency.commission.kinds import PaidTo
from agency.kit.money import Money
from agency.kit.refusals import FieldRefused


class CommissionError(FieldRefused):
    """Commission cannot be computed: ``field`` names what, ``message`` says why."""


@dataclass(frozen=True, slots=True)
class PaymentFacts:
    """A payment as commission needs it: who, when, how much, paid to whom, and the case
    facts its rate depends on.  ``flat_rate`` is the contract's contingency rate, used
    while the contract has no fee schedule in force."""

    case_id: int
    client_id: int
    contract_id: int
    on: date
    amount_minor: int
    currency: str
    paid_to: PaidTo
    placed_on: date
    placed_balance_minor: int
    flat_rate: Decimal
    method: str  # the payment's method (agency.payments.kinds.PaymentMethod's value)
    legal_on: date | None = None
    region: str | None = None  # the consumer's state: the trust deposit's deadline


@dataclass(frozen=True, slots=True)
class Rating:
    """A payment rated before it is written (so that a payment that cannot be rated is
    refused with nothing written): the facts, and what the schedule gave them."""

    facts: PaymentFacts
    rate: Decimal
    tier: str  # "0", "1", …, or "legal"
    commission_minor: int
    why: str
    schedule_id: int | None  # None: the contract's flat rate
    clears_on: date  # when its money may be remitted (cleared funds)


@dataclass(frozen=True, slots=True)
class EntryShown:
    """One commission entry, for a screen: the payment's or its reversal's."""

    id: int
    payment_id: int
    reversal_id: int | None
    on: date
    rate: Decimal
    tier: str
    amount: Money
    commission: Money
    why: str
