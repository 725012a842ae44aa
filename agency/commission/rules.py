"""The rules of ``../shared/commission-scenarios.md``: which rate a contract's fee
schedule gives a payment, how much commission that is, a reversal's entry, and a period's
statement.  Pure functions over integer minor units and exact decimals: the ledger, the
screens, the statements and ``agency commission evaluate`` all call these."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from typing import Literal

from agency.commission.kinds import PaidTo, Remittance, Stage
from agency.kit.scenarios import format_amount, format_percent

LEGAL: Literal["legal"] = "legal"
TierIndex = int | Literal["legal"]


@dataclass(frozen=True, slots=True)
class Tier:
    """One band of a fee schedule; a condition that is None holds for every payment.
    Ranges include both ends; an upper end of None has no limit."""

    rate: Decimal
    placement_age_days: tuple[int, int | None] | None = None
    placed_balance_minor: tuple[int, int | None] | None = None
    stage: Stage | None = None


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """What a contract says about our fee (one version of it)."""

    currency: str
    tiers: tuple[Tier, ...]
    remittance: Remittance = Remittance.NET
    minimum_fee_minor: int = 0
    legal_rate: Decimal | None = None


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What of a case its rate depends on."""

    placed_on: date
    placed_balance_minor: int
    legal_on: date | None = None
    stage: Stage = Stage.COLLECTION
    escalated_on: date | None = None  # an early-stage case became a collection case

    def stage_on(self, day: date) -> Stage:
        if self.stage is Stage.EARLY and self.escalated_on is not None and day >= self.escalated_on:
            return Stage.COLLECTION
        return self.stage


@dataclass(frozen=True, slots=True)
class Rated:
    """A payment's commission: the rate, the tier that gave it, and why."""

    rate: Decimal
    tier: TierIndex
    commission_minor: int
    why: str


class NoTier(ValueError):
    """No tier of the schedule covers the payment: a contract never silently charges
    nothing."""

    def __init__(self, age_days: int, placed_balance: str, stage: Stage) -> None:
        super().__init__(
            f"no tier covers it (placement age {age_days} days, placed balance "
            f"{placed_balance}, stage {stage.value})"
        )
        self.age_days = age_days


def commission_of(amount_minor: int, rate: Decimal, minimum_fee_minor: int) -> int:
    """amount * rate / 100, half-up to the minor unit (25.000 % of 12.34 is 3.09); then
    raised to the minimum fee, but never above the payment itself."""
    return max(_at_rate(amount_minor, rate), min(minimum_fee_minor, amount_minor))


def _at_rate(amount_minor: int, rate: Decimal) -> int:
    exact = Decimal(amount_minor) * rate / 100
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _within(value: int, bounds: tuple[int, int | None] | None) -> bool:
    if bounds is None:
        return True
    low, high = bounds
    return value >= low and (high is None or value <= high)


def _band(
    bounds: tuple[int, int | None], shown: str, write: Callable[[int], str], unit: str
) -> str:
    """``placement age 91–180 days``; ``placed balance 500.01 or more``."""
    low, high = bounds
    if high is None:
        return f"{shown} {write(low)}{unit} or more"
    return f"{shown} {write(low)}–{write(high)}{unit}"


def rate_payment(schedule: FeeSchedule, case: CaseFacts, on: date, amount_minor: int) -> Rated:
    """The rate, tier and commission of a payment of ``amount_minor`` on ``on``: the
    legal rate from the day the case went to legal (when the contract has one), else the
    first tier whose conditions all hold; NoTier when none does."""
    age = (on - case.placed_on).days
    minimum = schedule.minimum_fee_minor
    if case.legal_on is not None and on >= case.legal_on and schedule.legal_rate is not None:
        rate = schedule.legal_rate
        why = f"{format_percent(rate)} %: the legal rate, legal since {case.legal_on.isoformat()}"
        return _rated(rate, LEGAL, amount_minor, minimum, f"{why}; payment on day {age}", schedule)
    stage = case.stage_on(on)
    for index, tier in enumerate(schedule.tiers):
        if (
            _within(age, tier.placement_age_days)
            and _within(case.placed_balance_minor, tier.placed_balance_minor)
            and (tier.stage is None or tier.stage is stage)
        ):
            why = f"{format_percent(tier.rate)} %: tier {index + 1}"
            conditions = _conditions(tier, schedule.currency)
            why += f", {conditions}" if conditions else " (every payment)"
            return _rated(
                tier.rate, index, amount_minor, minimum, f"{why}; payment on day {age}", schedule
            )
    raise NoTier(age, format_amount(case.placed_balance_minor, schedule.currency), stage)


def _conditions(tier: Tier, currency: str) -> str:
    parts = []
    if tier.placement_age_days is not None:
        parts.append(_band(tier.placement_age_days, "placement age", str, " days"))
    if tier.placed_balance_minor is not None:
        money = partial(format_amount, currency=currency)
        parts.append(_band(tier.placed_balance_minor, "placed balance", money, ""))
    if tier.stage is not None:
        parts.append(f"stage {tier.stage.value}")
    return ", ".join(parts)


def _rated(
    rate: Decimal,
    tier: TierIndex,
    amount_minor: int,
    minimum_fee_minor: int,
    why: str,
    schedule: FeeSchedule,
) -> Rated:
    commission = commission_of(amount_minor, rate, minimum_fee_minor)
    if commission > _at_rate(amount_minor, rate):
        why += f"; raised to the minimum fee of {format_amount(commission, schedule.currency)}"
    return Rated(rate=rate, tier=tier, commission_minor=commission, why=why)


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the commission ledger: a payment's, or a reversal's (negated)."""

    id: str
    on: date
    paid_to: PaidTo
    amount_minor: int
    rate: Decimal
    tier: TierIndex
    commission_minor: int
    reverses: str | None = None


def reversal_entry(payment: Entry, *, id: str, on: date) -> Entry:
    """The reversal of ``payment``: its amount and commission negated, its rate, tier and
    ``paid_to`` carried, whatever the rate would be today."""
    return Entry(
        id=id,
        on=on,
        paid_to=payment.paid_to,
        amount_minor=-payment.amount_minor,
        rate=payment.rate,
        tier=payment.tier,
        commission_minor=-payment.commission_minor,
        reverses=payment.id,
    )


@dataclass(frozen=True, slots=True)
class Statement:
    """A period's totals.  Always remit - invoice = collected_agency - commission."""

    start: date
    end: date
    remittance: Remittance
    collected_agency_minor: int
    collected_client_minor: int
    commission_minor: int
    remit_minor: int
    invoice_minor: int


def statement(
    entries: Iterable[Entry], *, start: date, end: date, remittance: Remittance
) -> Statement:
    """The statement of every entry dated from ``start`` to ``end``, both included: net,
    we keep the commission (a negative remit is owed to us); gross, we remit all we
    collected and invoice the commission."""
    agency = client = commission = 0
    for entry in entries:
        if not start <= entry.on <= end:
            continue
        if entry.paid_to is PaidTo.AGENCY:
            agency += entry.amount_minor
        else:
            client += entry.amount_minor
        commission += entry.commission_minor
    if remittance is Remittance.NET:
        remit, invoice = agency - commission, 0
    else:
        remit, invoice = agency, commission
    return Statement(start, end, remittance, agency, client, commission, remit, invoice)
