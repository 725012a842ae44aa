"""The daily job that finds broken arrangements (``broken.check_installments``), on a
frozen clock: an installment unpaid past the contract's grace days is missed, enough
misses break the arrangement and send the case back to the queue with the reason."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.auth.models import User
from agency.cases.models import CaseStatus
from agency.kit import clock
from agency.payments import service
from agency.payments.arrangements import broken, making
from agency.payments.models import Installment, InstallmentStatus, PaymentPlan, PlanStatus
from tests.fixtures.compliance import OFFICE_HOURS, Debtor
from tests.payments.arrangements.conftest import (
    contract_of,
    installments,
    plan,
    promise,
    statuses,
)

JUNE_20 = date(2025, 6, 20)  # the plan: 20 June, 21 July, 20 August, $35.00 each


def at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), UTC).replace(hour=16)


def make_plan(db: Session, debtor: Debtor, agent: User) -> PaymentPlan:
    with clock.frozen(OFFICE_HOURS):
        made = making.propose(
            db, case_id=debtor.case.id, offer=plan(JUNE_20, 3), by_user_id=agent.id
        )
    return db.get_one(PaymentPlan, made.id)


def rows(db: Session, plan_id: int) -> list[Installment]:
    return list(
        db.scalars(
            select(Installment).where(Installment.plan_id == plan_id).order_by(Installment.due_date)
        )
    )


def check(db: Session, day: date) -> broken.Counts:
    with clock.frozen(at(day)):
        counts = broken.check_installments(db, batch=1)
    db.expire_all()
    return counts


def test_one_miss_breaks_a_plan_by_default_and_the_case_goes_back_to_work(
    db: Session, agent: User, debtor: Debtor
) -> None:
    made = make_plan(db, debtor, agent)
    assert check(db, date(2025, 6, 25)) == broken.Counts()  # the fifth day of grace
    assert made.status is PlanStatus.ACTIVE
    assert check(db, date(2025, 6, 26)) == broken.Counts(missed=1, broken=1)
    assert (made.status, made.end_reason, made.ended_at) == (
        PlanStatus.BROKEN,
        "1 installment missed",
        at(date(2025, 6, 26)),
    )
    assert [s for _, _, s, _ in installments(db, made.id)] == ["missed", "cancelled", "cancelled"]
    case = debtor.case
    assert case.status is CaseStatus.ACTIVE
    assert statuses(db, case)[-1] == ("active", "plan broken: 1 installment missed")
    assert case.ready and case.workable_at == case.next_action_at == at(date(2025, 6, 26))
    # Idempotent: run again, nothing more to do; the event is there for the strategies.
    assert check(db, date(2025, 6, 27)) == broken.Counts()
    [event] = service.plans_broken_since(db, at(date(2025, 6, 26)))
    assert (event.id, event.status) == (made.id, PlanStatus.BROKEN)
    assert service.plans_broken_since(db, at(date(2025, 6, 27))) == []


def test_a_paid_installment_is_never_missed(db: Session, agent: User, debtor: Debtor) -> None:
    made = make_plan(db, debtor, agent)
    first = rows(db, made.id)[0]
    first.paid_minor, first.status = first.amount_minor, InstallmentStatus.PAID
    db.flush()
    assert check(db, date(2025, 7, 1)) == broken.Counts()
    assert made.status is PlanStatus.ACTIVE


def test_with_missed_to_break_two_the_second_miss_breaks(
    db: Session, agent: User, debtor: Debtor
) -> None:
    contract_of(db, debtor.case).missed_to_break = 2
    contract_of(db, debtor.case).grace_days = 0
    made = make_plan(db, debtor, agent)
    assert check(db, date(2025, 6, 21)) == broken.Counts(missed=1)
    assert made.status is PlanStatus.ACTIVE and debtor.case.status is CaseStatus.PLAN
    assert check(db, date(2025, 7, 21)) == broken.Counts()  # due today: not yet missed
    assert check(db, date(2025, 7, 22)) == broken.Counts(missed=1, broken=1)
    assert (made.status, made.end_reason) == (PlanStatus.BROKEN, "2 installments missed")


def test_roll_missed_to_end_moves_a_first_miss_and_breaks_on_a_second_in_a_row(
    db: Session, agent: User, debtor: Debtor
) -> None:
    contract_of(db, debtor.case).roll_missed_to_end = True
    made = make_plan(db, debtor, agent)
    assert check(db, date(2025, 6, 26)) == broken.Counts(missed=1, rolled=1)
    assert made.status is PlanStatus.ACTIVE
    assert installments(db, made.id) == [
        (JUNE_20, 3_500, "missed", False),
        (date(2025, 7, 21), 3_500, "due", False),
        (date(2025, 8, 20), 3_500, "due", False),
        (date(2025, 9, 20), 3_500, "due", False),  # one month after the last
    ]
    assert check(db, date(2025, 7, 27)) == broken.Counts(missed=1, broken=1)
    assert (made.status, made.end_reason) == (PlanStatus.BROKEN, "2 installments missed in a row")
    assert debtor.case.status is CaseStatus.ACTIVE


def test_roll_missed_to_end_after_a_paid_installment_rolls_again(
    db: Session, agent: User, debtor: Debtor
) -> None:
    contract_of(db, debtor.case).roll_missed_to_end = True
    made = make_plan(db, debtor, agent)
    check(db, date(2025, 6, 26))
    second = rows(db, made.id)[1]
    second.paid_minor, second.status = 3_500, InstallmentStatus.PAID
    db.flush()
    assert check(db, date(2025, 8, 26)) == broken.Counts(missed=1, rolled=1)
    assert made.status is PlanStatus.ACTIVE
    assert [d for d, _, s, _ in installments(db, made.id) if s == "due"] == [
        date(2025, 9, 20),
        date(2025, 10, 20),
    ]


def test_a_missed_promise_breaks_it_even_when_misses_roll(
    db: Session, agent: User, debtor: Debtor
) -> None:
    contract_of(db, debtor.case).roll_missed_to_end = True
    with clock.frozen(OFFICE_HOURS):
        made = making.propose(
            db,
            case_id=debtor.case.id,
            offer=promise(5_000, JUNE_20),
            by_user_id=agent.id,
        )
    assert check(db, date(2025, 6, 26)) == broken.Counts(missed=1, broken=1)
    assert db.get_one(PaymentPlan, made.id).status is PlanStatus.BROKEN
    assert statuses(db, debtor.case)[-1] == ("active", "promise broken: 1 installment missed")
