"""Promises, plans and settlements as ``making`` proposes, refuses and cancels them: within
the client's authority they are active at once, beyond it they wait for a supervisor."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from agency.auth.models import User
from agency.cases import queue
from agency.cases.models import CaseStatus
from agency.kit import clock
from agency.kit.money import Money
from agency.payments.arrangements import making
from agency.payments.models import Frequency, PlanKind, PlanStatus
from agency.payments.schemas import DownPayment, PaymentError
from tests.fixtures.compliance import OFFICE_HOURS, Debtor
from tests.payments.arrangements.conftest import (
    contract_of,
    installments,
    plan,
    plans,
    promise,
    settlement,
    statuses,
)

JUNE_20 = date(2025, 6, 20)  # a Friday
MIDNIGHT_CHICAGO_JUNE_20 = datetime(2025, 6, 20, 5, 0, tzinfo=UTC)


def test_a_promise_is_one_installment_worked_on_its_due_date_and_replaced_by_the_next(
    db: Session, agent: User, debtor: Debtor
) -> None:
    case = debtor.case
    case.lease_agent_id = agent.id
    with clock.frozen(OFFICE_HOURS):
        made = making.propose(
            db, case_id=case.id, offer=promise(5_000, JUNE_20), by_user_id=agent.id
        )
    assert (made.kind, made.status, made.total) == (
        PlanKind.PROMISE,
        PlanStatus.ACTIVE,
        Money(5_000, "USD"),
    )
    assert made.due_dates == (JUNE_20,)
    assert installments(db, made.id) == [(JUNE_20, 5_000, "due", False)]
    assert case.status is CaseStatus.PROMISE
    assert case.next_action_at == case.workable_at == MIDNIGHT_CHICAGO_JUNE_20
    assert case.priority == queue.priority(case, promise=True) >= queue.PROMISE_DUE
    assert case.lease_agent_id is None
    with clock.frozen(OFFICE_HOURS):
        second = making.propose(
            db, case_id=case.id, offer=promise(10_500, date(2025, 6, 10)), by_user_id=agent.id
        )
    first, newer = plans(db, case)
    assert (first.status, first.end_reason) == (PlanStatus.CANCELLED, "replaced by a promise")
    assert installments(db, first.id) == [(JUNE_20, 5_000, "cancelled", False)]
    assert newer.id == second.id and newer.status is PlanStatus.ACTIVE
    assert [s for s, _ in statuses(db, case)] == ["promise"]  # one change: still a promise


def test_a_plan_within_authority_is_active_and_replaces_the_open_promise(
    db: Session, agent: User, debtor: Debtor
) -> None:
    case = debtor.case
    with clock.frozen(OFFICE_HOURS):
        making.propose(db, case_id=case.id, offer=promise(5_000, JUNE_20), by_user_id=agent.id)
        down = DownPayment(1_500, date(2025, 6, 13))
        made = making.propose(
            db, case_id=case.id, offer=plan(JUNE_20, 3, down=down), by_user_id=agent.id
        )
    old, new = plans(db, case)
    assert (old.status, old.end_reason, old.ended_by_id) == (
        PlanStatus.CANCELLED,
        "replaced by a plan",
        agent.id,
    )
    assert (new.id, new.status, new.kind) == (made.id, PlanStatus.ACTIVE, PlanKind.PLAN)
    assert (new.total_minor, new.balance_minor, new.frequency) == (
        10_500,
        10_500,
        Frequency.MONTHLY,
    )
    assert (new.reasons, new.by_consumer, new.created_by_id) == ([], False, agent.id)
    assert installments(db, new.id) == [
        (date(2025, 6, 13), 1_500, "due", True),
        (JUNE_20, 3_000, "due", False),
        (date(2025, 7, 21), 3_000, "due", False),  # 20 July is a Sunday
        (date(2025, 8, 20), 3_000, "due", False),
    ]
    assert case.status is CaseStatus.PLAN
    assert [s for s, _ in statuses(db, case)] == ["promise", "plan"]
    assert case.next_action_at == datetime(2025, 6, 13, 5, 0, tzinfo=UTC)  # the down payment


@pytest.mark.parametrize(
    ("contract_changes", "make_offer", "reason"),
    [
        ({"max_months": 2}, lambda: plan(JUNE_20, 4), "max_months"),
        ({"min_installment_minor": 4_000}, lambda: plan(JUNE_20, 3), "min_installment"),
        ({}, lambda: settlement(5_000, JUNE_20), "settlement_floor"),
        (
            {"min_down_payment_percent": Decimal("20")},
            lambda: settlement(
                8_000,
                JUNE_20,
                frequency=Frequency.MONTHLY,
                count=2,
                down_payment=DownPayment(1_000, date(2025, 6, 13)),
            ),
            "min_down_payment_percent",
        ),
    ],
)
def test_an_offer_beyond_each_limit_waits_for_approval_with_its_reason(
    db: Session,
    agent: User,
    debtor: Debtor,
    contract_changes: dict[str, object],
    make_offer: object,
    reason: str,
) -> None:
    case = debtor.case
    for name, value in contract_changes.items():
        setattr(contract_of(db, case), name, value)
    with clock.frozen(OFFICE_HOURS):
        making.propose(db, case_id=case.id, offer=promise(5_000, JUNE_20), by_user_id=agent.id)
        made = making.propose(db, case_id=case.id, offer=make_offer(), by_user_id=agent.id)  # type: ignore[operator]
    assert made.status is PlanStatus.PENDING
    kept, pending = plans(db, case)
    assert [r.split(":")[0] for r in pending.reasons] == [reason]
    assert all(status == "due" for _, _, status, _ in installments(db, pending.id))
    # Nothing changes until a supervisor approves: the promise stands, so does the case.
    assert kept.status is PlanStatus.ACTIVE and case.status is CaseStatus.PROMISE


def test_the_same_offers_within_the_limits_are_active(
    db: Session, agent: User, debtor: Debtor
) -> None:
    contract = contract_of(db, debtor.case)
    contract.max_months, contract.min_installment_minor = 3, 3_000
    with clock.frozen(OFFICE_HOURS):
        made = making.propose(
            db, case_id=debtor.case.id, offer=plan(JUNE_20, 3), by_user_id=agent.id
        )
    assert made.status is PlanStatus.ACTIVE


def test_a_client_without_settlements_refuses_one(db: Session, agent: User, debtor: Debtor) -> None:
    contract_of(db, debtor.case).settlements_allowed = False
    with clock.frozen(OFFICE_HOURS), pytest.raises(PaymentError) as refused:
        making.preview(db, case_id=debtor.case.id, offer=settlement(9_000, JUNE_20))
    assert (refused.value.field, refused.value.message) == (
        "kind",
        "this client accepts no settlements",
    )
    with clock.frozen(OFFICE_HOURS), pytest.raises(PaymentError, match="accepts no settlements"):
        making.propose(
            db, case_id=debtor.case.id, offer=settlement(9_000, JUNE_20), by_user_id=agent.id
        )
    assert plans(db, debtor.case) == []


@pytest.mark.parametrize("pending", [False, True])
def test_a_second_plan_is_refused_until_the_first_is_cancelled(
    db: Session, agent: User, debtor: Debtor, pending: bool
) -> None:
    case = debtor.case
    if pending:
        contract_of(db, case).max_months = 1
    with clock.frozen(OFFICE_HOURS):
        first = making.propose(db, case_id=case.id, offer=plan(JUNE_20, 3), by_user_id=agent.id)
        assert first.status is (PlanStatus.PENDING if pending else PlanStatus.ACTIVE)
        with pytest.raises(PaymentError, match="cancel the current plan first"):
            making.propose(db, case_id=case.id, offer=plan(JUNE_20, 2), by_user_id=agent.id)
        with pytest.raises(PaymentError, match="cancel the current plan first"):
            making.propose(db, case_id=case.id, offer=promise(100, JUNE_20), by_user_id=agent.id)
        making.cancel(db, plan_id=first.id, by_user_id=agent.id, reason="consumer asked for two")
        again = making.propose(db, case_id=case.id, offer=plan(JUNE_20, 1), by_user_id=agent.id)
    assert again.status is PlanStatus.ACTIVE
    assert [p.status for p in plans(db, case)] == [PlanStatus.CANCELLED, PlanStatus.ACTIVE]


def test_cancelling_records_who_and_why_and_puts_the_case_back_to_work(
    db: Session, agent: User, debtor: Debtor
) -> None:
    case = debtor.case
    with clock.frozen(OFFICE_HOURS):
        made = making.propose(db, case_id=case.id, offer=plan(JUNE_20, 3), by_user_id=agent.id)
        with pytest.raises(PaymentError, match=r"^reason: say why"):
            making.cancel(db, plan_id=made.id, by_user_id=agent.id, reason="  ")
        with pytest.raises(PaymentError, match="only your own offer waiting for approval"):
            making.cancel(db, plan_id=made.id, by_user_id=None, reason="no", by_consumer=True)
        making.cancel(db, plan_id=made.id, by_user_id=agent.id, reason="lost  job")
        with pytest.raises(PaymentError, match="already cancelled"):
            making.cancel(db, plan_id=made.id, by_user_id=agent.id, reason="again")
    [ended] = plans(db, case)
    assert (ended.status, ended.ended_by_id, ended.end_reason, ended.ended_at) == (
        PlanStatus.CANCELLED,
        agent.id,
        "lost job",
        OFFICE_HOURS,
    )
    assert {status for _, _, status, _ in installments(db, ended.id)} == {"cancelled"}
    assert case.status is CaseStatus.ACTIVE
    assert statuses(db, case)[-1] == ("active", "plan cancelled: lost job")
    assert case.workable_at == OFFICE_HOURS and case.ready


def test_the_consumer_may_withdraw_their_own_pending_offer(db: Session, debtor: Debtor) -> None:
    case = debtor.case
    contract_of(db, case).max_months = 1
    with clock.frozen(OFFICE_HOURS):
        made = making.propose(
            db, case_id=case.id, offer=plan(JUNE_20, 3), by_user_id=None, by_consumer=True
        )
        making.cancel(
            db, plan_id=made.id, by_user_id=None, reason="changed my mind", by_consumer=True
        )
    [ended] = plans(db, case)
    assert (ended.status, ended.by_consumer, ended.ended_by_id) == (
        PlanStatus.CANCELLED,
        True,
        None,
    )
    assert case.status is CaseStatus.NEW  # a pending offer never changed it


def test_no_arrangement_on_a_closed_case_nor_a_date_before_today(
    db: Session, agent: User, debtor: Debtor
) -> None:
    with clock.frozen(OFFICE_HOURS), pytest.raises(PaymentError, match=r"^offer\.first_due"):
        making.propose(
            db, case_id=debtor.case.id, offer=promise(100, date(2025, 6, 8)), by_user_id=agent.id
        )
    debtor.case.status = CaseStatus.CLOSED
    with (
        clock.frozen(OFFICE_HOURS),
        pytest.raises(PaymentError, match=r"^case: the case is closed"),
    ):
        making.propose(db, case_id=debtor.case.id, offer=promise(100, JUNE_20), by_user_id=agent.id)
    assert plans(db, debtor.case) == []


def test_the_same_form_token_makes_one_arrangement(
    db: Session, agent: User, debtor: Debtor
) -> None:
    with clock.frozen(OFFICE_HOURS):
        first = making.propose(
            db, case_id=debtor.case.id, offer=plan(JUNE_20), by_user_id=agent.id, form_key="k" * 32
        )
        again = making.propose(
            db, case_id=debtor.case.id, offer=plan(JUNE_20), by_user_id=agent.id, form_key="k" * 32
        )
    assert again.id == first.id and len(plans(db, debtor.case)) == 1


def test_the_active_plan_and_the_consumers_options(
    db: Session, agent: User, debtor: Debtor
) -> None:
    contract = contract_of(db, debtor.case)
    contract.max_months, contract.consumer_settlement_percent = 6, Decimal("70")
    with clock.frozen(OFFICE_HOURS):
        assert making.active_plan(db, case_id=debtor.case.id) is None
        options = making.options_for_consumer(db, case_id=debtor.case.id)
    assert [(o.kind, o.count, o.total_minor) for o in options] == [
        (PlanKind.PLAN, 2, None),
        (PlanKind.PLAN, 3, None),
        (PlanKind.PLAN, 6, None),  # 12 would end beyond 6 months
        (PlanKind.SETTLEMENT, None, 7_350),  # 70 % of $105.00
    ]
    assert {o.first_due for o in options} == {date(2025, 6, 16)}  # a week from today
    contract.settlements_allowed = False
    with clock.frozen(OFFICE_HOURS):
        kinds = [o.kind for o in making.options_for_consumer(db, case_id=debtor.case.id)]
        assert PlanKind.SETTLEMENT not in kinds
        made = making.propose(db, case_id=debtor.case.id, offer=options[1], by_user_id=None)
        active = making.active_plan(db, case_id=debtor.case.id)
    assert active is not None and active.id == made.id and len(active.due_dates) == 3


def test_the_consumer_moves_their_next_date_once_within_limits(
    db: Session, agent: User, debtor: Debtor
) -> None:
    contract_of(db, debtor.case).max_months = 4
    with clock.frozen(OFFICE_HOURS):
        made = making.propose(
            db, case_id=debtor.case.id, offer=plan(JUNE_20, 3), by_user_id=agent.id
        )

        def move(day: date, *, by_consumer: bool = True) -> None:
            making.move_next_date(
                db, plan_id=made.id, new_due=day, by_consumer=by_consumer, by_user_id=None
            )

        with pytest.raises(PaymentError, match=r"^new_due: cannot be before today"):
            move(date(2025, 6, 8))
        with pytest.raises(
            PaymentError, match="cannot be after the next payment's date, 2025-07-21"
        ):
            move(date(2025, 7, 22))
        move(date(2025, 7, 1))
        with pytest.raises(PaymentError, match="moved once already"):
            move(date(2025, 7, 2))
        move(date(2025, 7, 3), by_consumer=False)  # staff may move it again
    assert next((d, a) for d, a, _, _ in installments(db, made.id)) == (date(2025, 7, 3), 3_500)
