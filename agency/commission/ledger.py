"""The commission ledger's one writer: an entry for each payment, rated by the fee
schedule version in force on the payment's day, and for each reversal, its payment's
entry negated.  Called by payments in the posting's own transaction, so a payment and
its commission are written together or not at all.  Flushes, never commits."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from agency.commission import repository as repo
from agency.commission.clearing import DEFAULT_CLEARING_DAYS, payment_clears_on
from agency.commission.kinds import PaidTo
from agency.commission.models import CommissionEntry, FeeScheduleVersion
from agency.commission.rules import (
    LEGAL,
    CaseFacts,
    FeeSchedule,
    NoTier,
    commission_of,
    rate_payment,
)
from agency.commission.scenario import tier_of
from agency.commission.schemas import CommissionError, PaymentFacts, Rating
from agency.commission.trust import ledger as trust
from agency.kit.json_input import JsonInputError
from agency.kit.scenarios import format_percent

WHY_MAX = 300


def from_version(version: FeeScheduleVersion) -> FeeSchedule:
    """A stored version as the rules take it (its tiers in the scenario format)."""
    try:
        tiers = tuple(
            tier_of(raw, f"tiers[{n}]", version.currency) for n, raw in enumerate(version.tiers)
        )
    except JsonInputError as exc:  # only a version written around the editor
        raise CommissionError(exc.path, exc.reason) from None
    return FeeSchedule(
        currency=version.currency,
        tiers=tiers,
        remittance=version.remittance,
        minimum_fee_minor=version.minimum_fee_minor,
        legal_rate=version.legal_rate,
    )


def rate(db: Session, facts: PaymentFacts) -> Rating:
    """The payment's rate and commission by the version in force on its day (the
    contract's flat rate while it has none); CommissionError when no tier covers it."""
    version = repo.schedule_in_force(db, facts.contract_id, facts.on)
    age = (facts.on - facts.placed_on).days
    method = facts.method if facts.paid_to is PaidTo.AGENCY else "direct"  # nothing to clear
    if version is None:
        why = f"{format_percent(facts.flat_rate)} %: the contract's flat rate (no fee schedule)"
        card, ach = DEFAULT_CLEARING_DAYS["card"], DEFAULT_CLEARING_DAYS["ach"]
        return Rating(
            facts=facts,
            rate=facts.flat_rate,
            tier="0",
            commission_minor=commission_of(facts.amount_minor, facts.flat_rate, 0),
            why=f"{why}; payment on day {age}",
            schedule_id=None,
            clears_on=payment_clears_on(facts.on, method, card, ach),
        )
    if version.currency != facts.currency:
        raise CommissionError(
            "currency",
            f"the fee schedule is in {version.currency}; the payment is in {facts.currency}",
        )
    case = CaseFacts(
        placed_on=facts.placed_on,
        placed_balance_minor=facts.placed_balance_minor,
        legal_on=facts.legal_on,
    )
    try:
        rated = rate_payment(from_version(version), case, facts.on, facts.amount_minor)
    except NoTier as exc:
        raise CommissionError(
            "commission", f"the client's fee schedule (version {version.version}): {exc}"
        ) from None
    return Rating(
        facts=facts,
        rate=rated.rate,
        tier=LEGAL if rated.tier == LEGAL else str(rated.tier),
        commission_minor=rated.commission_minor,
        why=rated.why,
        schedule_id=version.id,
        clears_on=payment_clears_on(
            facts.on, method, version.clearing_card_days, version.clearing_ach_days
        ),
    )


def record_payment(db: Session, rating: Rating, *, payment_id: int) -> CommissionEntry:
    """The entry of payment ``payment_id``, as ``rating`` (``rate``) rated it."""
    facts = rating.facts
    entry = CommissionEntry(
        client_id=facts.client_id,
        contract_id=facts.contract_id,
        case_id=facts.case_id,
        payment_id=payment_id,
        schedule_id=rating.schedule_id,
        on=facts.on,
        clears_on=rating.clears_on,
        paid_to=facts.paid_to,
        amount_minor=facts.amount_minor,
        currency=facts.currency,
        rate=rating.rate,
        tier=rating.tier,
        commission_minor=rating.commission_minor,
        why=rating.why[:WHY_MAX],
    )
    db.add(entry)  # flushed with the payment's own changes
    trust.payment_moved(db, entry, region=facts.region)
    return entry


def record_reversal(db: Session, *, payment_id: int, reversal_id: int, on: date) -> CommissionEntry:
    """The reversal's entry: its payment's negated, whatever the rate would be today.
    Every payment has an entry (those posted before the ledger began were given theirs
    by migration 0023); one without is refused rather than reversed without commission."""
    paid = repo.payment_entry(db, payment_id)
    if paid is None:
        raise CommissionError("payment", "has no commission entry to reverse")
    entry = CommissionEntry(
        client_id=paid.client_id,
        contract_id=paid.contract_id,
        case_id=paid.case_id,
        payment_id=payment_id,
        reversal_id=reversal_id,
        schedule_id=paid.schedule_id,
        on=on,
        # Money not yet remitted is taken back with its payment; money remitted already
        # comes off the next remittance.
        clears_on=max(on, paid.clears_on),
        paid_to=paid.paid_to,
        amount_minor=-paid.amount_minor,
        currency=paid.currency,
        rate=paid.rate,
        tier=paid.tier,
        commission_minor=-paid.commission_minor,
        why=f"reverses the payment's entry: {paid.why}"[:WHY_MAX],
    )
    db.add(entry)  # flushed with the reversal's own changes
    trust.payment_moved(db, entry, region=None)
    return entry
