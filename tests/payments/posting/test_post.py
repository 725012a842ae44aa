"""Posting a payment: the balance, the installments, the plan and the case move on."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency.cases.models import CaseStatus, CloseReason, StatusChange
from agency.kit.money import Money
from agency.payments.models import (
    Installment,
    InstallmentStatus,
    Payment,
    PaymentPlan,
    PlanKind,
    PlanStatus,
)
from agency.payments.schemas import Allocation, PaymentError
from tests.fixtures.factories import CaseFactory, ContractFactory
from tests.payments.posting.conftest import TODAY, arrangement, pay


def statuses(db: Session, plan: PaymentPlan) -> list[tuple[int, InstallmentStatus]]:
    db.expire_all()
    rows = db.execute(
        select(Installment.paid_minor, Installment.status)
        .where(Installment.plan_id == plan.id)
        .order_by(Installment.due_date)
    ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def test_a_payment_is_allocated_by_the_contract_order(db: Session) -> None:
    contract = ContractFactory(allocation_order="principal,interest,fees")
    case = CaseFactory(
        contract=contract, principal_minor=10_000, interest_minor=500, fees_minor=200
    )
    posted = pay(db, case, 10_100, reference="cheque 0042")
    assert posted.allocation == Allocation(fees_minor=0, interest_minor=100, principal_minor=10_000)
    assert posted.balance_after == Money(600, "USD")
    assert (case.principal_minor, case.interest_minor, case.fees_minor) == (0, 400, 200)
    row = db.get_one(Payment, posted.id)
    assert (row.amount_minor, row.principal_minor, row.interest_minor, row.fees_minor) == (
        10_100,
        10_000,
        100,
        0,
    )
    assert (row.effective_on, row.reference, row.installment_id) == (TODAY, "cheque 0042", None)


def test_reg_f_payments_since_count_from_the_itemization_date(db: Session) -> None:
    case = CaseFactory(itemization_date=date(2025, 5, 1))
    pay(db, case, 100, effective_on=date(2025, 4, 30))  # before: not since itemization
    pay(db, case, 250, effective_on=date(2025, 5, 1))
    assert case.payments_since_minor == 250


def test_the_last_installment_keeps_the_plan_and_the_balance_left_works_the_case(
    db: Session,
) -> None:
    case = CaseFactory(principal_minor=10_000, interest_minor=500)
    plan = arrangement(db, case, [3_000, 3_000])
    first = pay(db, case, 3_000)
    assert (first.installment_id, first.plan_id) == (plan.installments[0].id, plan.id)
    assert statuses(db, plan) == [(3_000, InstallmentStatus.PAID), (0, InstallmentStatus.DUE)]
    pay(db, case, 3_000)
    db.refresh(plan)
    db.refresh(case)
    assert (plan.status, plan.ended_at is not None) == (PlanStatus.KEPT, True)
    assert (case.status, case.ready, case.balance) == (CaseStatus.ACTIVE, True, Money(4_500, "USD"))
    assert db.scalars(select(StatusChange.reason)).all()[-1] == "plan kept: $45.00 still owed"


def test_an_overpayment_flows_to_the_next_installments(db: Session) -> None:
    case = CaseFactory(principal_minor=10_000, interest_minor=0)
    plan = arrangement(db, case, [2_000, 2_000, 2_000])
    pay(db, case, 4_500)
    assert statuses(db, plan) == [
        (2_000, InstallmentStatus.PAID),
        (2_000, InstallmentStatus.PAID),
        (500, InstallmentStatus.DUE),
    ]
    last = db.scalars(select(Installment.id).order_by(Installment.due_date.desc())).first()
    named = pay(db, case, 1_000, installment_id=last)
    assert named.installment_id == last
    assert statuses(db, plan)[2] == (1_500, InstallmentStatus.DUE)


def test_a_payment_clearing_the_balance_closes_the_case_as_paid(db: Session) -> None:
    case = CaseFactory(principal_minor=10_000, interest_minor=500)
    posted = pay(db, case, 10_500)
    assert posted.case_closed_as == "paid"
    assert (case.status, case.close_reason) == (CaseStatus.PAID, CloseReason.PAID_IN_FULL)
    with pytest.raises(PaymentError, match="case: the case is paid"):
        pay(db, case, 1)


def test_a_kept_settlement_closes_the_case_as_settled(db: Session) -> None:
    case = CaseFactory(principal_minor=10_000, interest_minor=0)
    plan = arrangement(db, case, [3_000, 3_000], kind=PlanKind.SETTLEMENT)
    assert pay(db, case, 3_000).case_closed_as is None
    posted = pay(db, case, 3_000)
    assert posted.case_closed_as == "settled"
    assert posted.balance_after == Money(4_000, "USD")
    assert (case.status, case.close_reason) == (CaseStatus.SETTLED, CloseReason.SETTLED)
    assert db.get_one(PaymentPlan, plan.id).status is PlanStatus.KEPT


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"amount_minor": 0}, "amount: must be more than zero"),
        ({"amount_minor": -5}, "amount: must be more than zero"),
        ({"amount_minor": 10_501}, "amount: $105.01 is more than the open balance of $105.00"),
        ({"currency": "EUR"}, "currency: is EUR; the case is in USD"),
        ({"received_on": TODAY + timedelta(days=1)}, "received_on: cannot be in the future"),
        ({"installment_id": 999_999}, "installment_id: is not an open installment"),
    ],
)
def test_refusals_write_nothing(db: Session, changes: dict[str, object], message: str) -> None:
    case = CaseFactory(principal_minor=10_000, interest_minor=500)
    with pytest.raises(PaymentError, match=re.escape(message)):
        pay(db, case, **{"amount_minor": 100, **changes})
    assert db.scalar(select(func.count()).select_from(Payment)) == 0
    assert case.balance == Money(10_500, "USD")


def test_a_provider_reference_is_posted_once(db: Session) -> None:
    case = CaseFactory(principal_minor=10_000, interest_minor=500)
    first = pay(db, case, 1_000, provider="sandbox", provider_reference="pi_123")
    again = pay(db, case, 1_000, provider="sandbox", provider_reference="pi_123")
    assert (again.id, again.already_posted, first.already_posted) == (first.id, True, False)
    assert again.balance_after == Money(9_500, "USD")
    assert db.scalar(select(func.count()).select_from(Payment)) == 1
    other = pay(db, case, 1_000, provider="stripe", provider_reference="pi_123")
    assert other.id != first.id
