"""Every payment posted writes its commission entry in the posting's transaction, rated
by the fee schedule version in force on its day; every reversal writes the payment's
entry negated; a payment no tier covers is refused with nothing written."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from agency.cases.models import Case
from agency.commission import service
from agency.commission.kinds import PaidTo, Remittance
from agency.commission.models import CommissionEntry, FeeScheduleVersion
from agency.payments.models import Payment, PaymentMethod, ReversalKind
from agency.payments.schemas import PaymentError
from tests.fixtures.factories import CaseFactory, ContractFactory
from tests.payments.posting.conftest import pay, reverse

PLACED = datetime(2025, 1, 5, 15, 0, tzinfo=UTC)  # the payments of TODAY are on day 156
TIERS = [
    {"rate": "20.000", "placement_age_days": [0, 90]},
    {"rate": "25.000", "placement_age_days": [91, 180]},
    {"rate": "33.000", "placement_age_days": [181, None]},
]


def schedule(db: Session, case: Case, *, version: int = 1, **changes: Any) -> FeeScheduleVersion:
    values: dict[str, Any] = {
        "contract_id": case.contract_id,
        "version": version,
        "effective_from": date(2025, 1, 1),
        "currency": case.currency,
        "tiers": TIERS,
        "minimum_fee_minor": 0,
        "remittance": Remittance.NET,
        "reason": "signed addendum 3",
    }
    row = FeeScheduleVersion(**{**values, **changes})
    db.add(row)
    db.flush()
    return row


def entries(db: Session, case: Case) -> list[tuple[Any, ...]]:
    rows = db.scalars(
        select(CommissionEntry)
        .where(CommissionEntry.case_id == case.id)
        .order_by(CommissionEntry.id)
    )
    return [
        (e.reversal_id is not None, e.paid_to, e.amount_minor, e.rate, e.tier, e.commission_minor)
        for e in rows
    ]


def test_a_payment_without_a_schedule_earns_the_contracts_flat_rate(db: Session) -> None:
    case = CaseFactory(contract=ContractFactory(contingency_rate=Decimal("25")), placed_at=PLACED)
    posted = pay(db, case, 1_234)
    assert entries(db, case) == [(False, PaidTo.AGENCY, 1_234, Decimal("25"), "0", 309)]
    shown = service.entries_by_payment(db, [posted.id])[posted.id]
    assert (
        shown[0].why == "25.000 %: the contract's flat rate (no fee schedule); payment on day 156"
    )


def test_the_tier_of_the_version_in_force_on_the_payments_day(db: Session) -> None:
    case = CaseFactory(placed_at=PLACED, principal_minor=100_000)
    schedule(db, case)
    later = [{"rate": "10.000"}]
    schedule(db, case, version=2, effective_from=date(2025, 7, 1), tiers=later)
    posted = pay(db, case, 10_000)  # 2025-06-10: version 1's second tier
    pay(db, case, 10_000, method=PaymentMethod.DIRECT, provider="client", to_client=True)
    assert entries(db, case) == [
        (False, PaidTo.AGENCY, 10_000, Decimal("25"), "1", 2_500),
        (False, PaidTo.CLIENT, 10_000, Decimal("25"), "1", 2_500),
    ]
    why = service.entries_by_payment(db, [posted.id])[posted.id][0].why
    assert why == "25.000 %: tier 2, placement age 91–180 days; payment on day 156"


def test_a_reversal_negates_its_payments_entry_whatever_the_rate_is_now(db: Session) -> None:
    case = CaseFactory(placed_at=PLACED)
    schedule(db, case)
    posted = pay(db, case, 4_000)
    schedule(db, case, version=2, effective_from=date(2025, 6, 1), tiers=[{"rate": "50.000"}])
    reverse(db, posted.id, ReversalKind.NSF)
    assert entries(db, case) == [
        (False, PaidTo.AGENCY, 4_000, Decimal("25"), "1", 1_000),
        (True, PaidTo.AGENCY, -4_000, Decimal("25"), "1", -1_000),
    ]
    total = db.scalar(
        select(func.sum(CommissionEntry.commission_minor)).where(CommissionEntry.case_id == case.id)
    )
    assert total == 0


def test_a_payment_no_tier_covers_is_refused_and_nothing_is_written(db: Session) -> None:
    case = CaseFactory(placed_at=PLACED)
    schedule(db, case, tiers=[TIERS[0]])  # nothing after day 90
    with pytest.raises(PaymentError) as refused:
        pay(db, case, 1_000)
    assert refused.value.field == "commission"
    assert "no tier covers it (placement age 156 days" in refused.value.message
    assert db.scalar(select(func.count()).select_from(Payment)) == 0
    assert entries(db, case) == []
    assert case.balance.minor == 10_500


def test_the_ledger_refuses_to_change_on_postgresql(db: Session) -> None:
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    case = CaseFactory(placed_at=PLACED)
    pay(db, case, 1_000)
    entry = db.scalars(select(CommissionEntry).where(CommissionEntry.case_id == case.id)).one()
    entry.commission_minor = 0
    with pytest.raises(DBAPIError, match="append-only"):
        db.flush()
