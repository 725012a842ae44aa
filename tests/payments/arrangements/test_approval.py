"""The supervisors' decisions on offers beyond the client's authority: approving makes
the offer the case's arrangement, refusing ends it with the reason; a decision re-checks
the case, and of two decisions only the first counts."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from agency.auth.models import Role, User
from agency.cases.models import CaseStatus
from agency.kit import clock
from agency.payments.arrangements import approval, making
from agency.payments.models import PaymentPlan, PlanStatus
from agency.payments.schemas import PaymentError, PlanSummary
from tests.fixtures.compliance import OFFICE_HOURS, Debtor
from tests.fixtures.factories import UserFactory
from tests.payments.arrangements.conftest import (
    contract_of,
    installments,
    plan,
    plans,
    promise,
    statuses,
)

JUNE_20 = date(2025, 6, 20)


@pytest.fixture
def boss(db: Session) -> User:
    user: User = UserFactory(role=Role.SUPERVISOR, full_name="Sam Supervisor")
    return user


def pending_plan(db: Session, debtor: Debtor, agent: User) -> PlanSummary:
    contract_of(db, debtor.case).max_months = 1
    with clock.frozen(OFFICE_HOURS):
        making.propose(
            db, case_id=debtor.case.id, offer=promise(2_000, JUNE_20), by_user_id=agent.id
        )
        made = making.propose(
            db, case_id=debtor.case.id, offer=plan(JUNE_20, 3), by_user_id=agent.id
        )
    assert made.status is PlanStatus.PENDING
    return made


def test_approving_makes_the_offer_the_cases_plan(
    db: Session, agent: User, boss: User, debtor: Debtor
) -> None:
    made = pending_plan(db, debtor, agent)
    with clock.frozen(OFFICE_HOURS):
        decided = approval.decide(db, plan_id=made.id, approve=True, by_user_id=boss.id, reason="")
    assert decided.status is PlanStatus.ACTIVE
    promised, approved = plans(db, debtor.case)
    assert (approved.decided_by_id, approved.decided_at, approved.decision_reason) == (
        boss.id,
        OFFICE_HOURS,
        None,
    )
    assert (promised.status, promised.end_reason) == (PlanStatus.CANCELLED, "replaced by a plan")
    assert debtor.case.status is CaseStatus.PLAN
    assert statuses(db, debtor.case)[-1][0] == "plan"


def test_refusing_needs_a_reason_and_ends_the_offer(
    db: Session, agent: User, boss: User, debtor: Debtor
) -> None:
    made = pending_plan(db, debtor, agent)
    with clock.frozen(OFFICE_HOURS):
        with pytest.raises(PaymentError, match=r"^reason: say why the offer is refused"):
            approval.decide(db, plan_id=made.id, approve=False, by_user_id=boss.id, reason=" ")
        approval.decide(
            db,
            plan_id=made.id,
            approve=False,
            by_user_id=boss.id,
            reason="too long for this client",
        )
    promised, refused = plans(db, debtor.case)
    assert (refused.status, refused.end_reason, refused.decided_by_id) == (
        PlanStatus.REFUSED,
        "too long for this client",
        boss.id,
    )
    assert {s for _, _, s, _ in installments(db, refused.id)} == {"cancelled"}
    assert promised.status is PlanStatus.ACTIVE and debtor.case.status is CaseStatus.PROMISE


def test_a_second_decision_is_told_who_decided(
    db: Session, agent: User, boss: User, debtor: Debtor
) -> None:
    made = pending_plan(db, debtor, agent)
    other = UserFactory(role=Role.SUPERVISOR)
    with clock.frozen(OFFICE_HOURS):
        approval.decide(db, plan_id=made.id, approve=True, by_user_id=boss.id, reason=None)
        with pytest.raises(PaymentError, match=r"already decided by Sam Supervisor \(approved\)"):
            approval.decide(db, plan_id=made.id, approve=False, by_user_id=other.id, reason="no")


@pytest.mark.parametrize("change", ["balance", "closed", "late"])
def test_a_decision_rechecks_the_case(
    db: Session, agent: User, boss: User, debtor: Debtor, change: str
) -> None:
    made = pending_plan(db, debtor, agent)
    when = OFFICE_HOURS
    if change == "balance":
        debtor.case.fees_minor += 1_000
        message = r"balance changed since the offer \(\$105\.00 then, \$115\.00 now\)"
    elif change == "closed":
        debtor.case.status = CaseStatus.CLOSED
        message = "the case is closed: it cannot be approved"
    else:
        when = OFFICE_HOURS.replace(month=7)
        message = "its first payment date has passed"
    with clock.frozen(when), pytest.raises(PaymentError, match=message):
        approval.decide(db, plan_id=made.id, approve=True, by_user_id=boss.id, reason=None)
    assert db.get_one(PaymentPlan, made.id).status is PlanStatus.PENDING
