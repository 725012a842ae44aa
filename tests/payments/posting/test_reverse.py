"""Reversals: a record of their own, the allocation undone, a closed case reopened."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.cases.models import Case, CaseStatus, StatusChange
from agency.kit.money import Money
from agency.payments.models import (
    Installment,
    InstallmentStatus,
    Payment,
    PaymentPlan,
    PlanKind,
    PlanStatus,
    Reversal,
    ReversalKind,
)
from agency.payments.posting.balance import itemized
from agency.payments.schemas import PaymentError
from tests.fixtures.factories import CaseFactory
from tests.payments.posting.conftest import arrangement, pay, reverse


def test_a_reversal_reopens_a_settled_case_and_its_plan(db: Session) -> None:
    case = CaseFactory(
        principal_minor=10_000, interest_minor=500, itemization_date=date(2025, 1, 1)
    )
    plan = arrangement(db, case, [3_000, 3_000], kind=PlanKind.SETTLEMENT)
    pay(db, case, 3_000)
    last = pay(db, case, 3_000)
    assert case.status is CaseStatus.SETTLED
    summary = reverse(db, last.id)
    assert (summary.reopened, summary.amount, summary.balance_after) == (
        True,
        Money(3_000, "USD"),
        Money(7_500, "USD"),
    )
    db.expire_all()
    case = db.get_one(Case, case.id)
    assert (case.status, case.closed_at, case.close_reason, case.ready) == (
        CaseStatus.ACTIVE,
        None,
        None,
        True,
    )
    assert (case.interest_minor, case.payments_since_minor) == (0, 3_000)
    assert db.scalars(select(StatusChange.reason).order_by(StatusChange.id)).all()[-1] == (
        "payment of $30.00 reversed: NSF"
    )
    assert db.get_one(PaymentPlan, plan.id).status is PlanStatus.ACTIVE
    rows = db.execute(
        select(Installment.paid_minor, Installment.status).order_by(Installment.due_date)
    ).all()
    # The second installment (due 2025-07-01, after today) is due again.
    assert [tuple(r) for r in rows] == [(3_000, InstallmentStatus.PAID), (0, InstallmentStatus.DUE)]
    payment = db.get_one(Payment, last.id)  # never edited
    assert (payment.amount_minor, payment.interest_minor) == (3_000, 0)
    items = itemized(db, case_id=case.id)
    assert (items.payments, items.reversed, items.paid, items.open) == (
        Money(6_000, "USD"),
        Money(3_000, "USD"),
        Money(3_000, "USD"),
        Money(7_500, "USD"),
    )
    assert [(b.name, b.placed.minor, b.paid.minor) for b in items.buckets] == [
        ("principal", 10_000, 2_500),
        ("interest", 500, 500),
        ("fees", 0, 0),
    ]


def test_the_bounced_installment_is_missed_again(db: Session) -> None:
    case = CaseFactory(principal_minor=10_000, interest_minor=0)
    arrangement(db, case, [2_000, 2_000])
    first = pay(db, case, 2_000)
    reverse(db, first.id)
    installment = db.scalars(select(Installment).order_by(Installment.due_date)).first()
    assert installment is not None
    assert (installment.paid_minor, installment.status) == (0, InstallmentStatus.MISSED)


def test_a_reversed_payment_cannot_be_reversed_again(db: Session) -> None:
    case = CaseFactory()
    posted = pay(db, case, 1_000)
    reverse(db, posted.id)
    with pytest.raises(PaymentError, match="payment: already reversed on 2025-06-10"):
        reverse(db, posted.id, ReversalKind.CORRECTION)
    assert len(db.scalars(select(Reversal)).all()) == 1
    assert case.balance == Money(10_500, "USD")


def test_a_case_whose_reference_was_placed_again_stays_closed_with_a_note(db: Session) -> None:
    case = CaseFactory(client_reference="A1", principal_minor=1_000, interest_minor=0)
    posted = pay(db, case, 1_000)
    assert case.status is CaseStatus.PAID
    newer = CaseFactory(contract=case.contract, client_reference="A1")
    summary = reverse(db, posted.id)
    assert summary.reopened is False
    assert summary.notes == (
        f"the client has since placed another open account A1 (case {newer.id}); "
        "this case stays paid",
    )
    db.expire_all()
    kept = db.get_one(Case, case.id)
    assert (kept.status, kept.balance) == (CaseStatus.PAID, Money(1_000, "USD"))
    reversal = db.scalars(select(Reversal)).one()
    assert reversal.reason.startswith("cheque bounced (the client has since placed")
