"""Two supervisors deciding one offer at once, on PostgreSQL (SQLite has one writer):
the case and the offer are locked, so one decision wins and the other is told who
decided."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine

from agency.auth.models import Role
from agency.db import session_scope
from agency.kit import clock
from agency.payments.arrangements import approval, making
from agency.payments.models import PaymentPlan, PlanStatus
from agency.payments.schemas import PaymentError
from tests.fixtures import factories
from tests.fixtures.compliance import OFFICE_HOURS, make_debtor
from tests.fixtures.factories import UserFactory
from tests.payments.arrangements.conftest import contract_of, plan


@pytest.fixture(autouse=True)
def postgresql_only(bound_engine: Engine) -> None:
    if bound_engine.dialect.name != "postgresql":
        pytest.skip("row locks between two sessions are PostgreSQL's; SQLite has one writer")


def at_once(*work: Callable[[], Any]) -> list[Any]:
    start = threading.Barrier(len(work))
    results: list[Any] = [None] * len(work)

    def run(index: int) -> None:
        start.wait()
        try:
            results[index] = work[index]()
        except Exception as exc:  # the refusal is the result looked at
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def seed() -> tuple[int, int, int]:
    with session_scope() as db, clock.frozen(OFFICE_HOURS):
        factories.bind(db)
        first = UserFactory(role=Role.SUPERVISOR, full_name="Sam First")
        second = UserFactory(role=Role.SUPERVISOR, full_name="Kim Second")
        debtor = make_debtor(first_name="Dana", last_name="Lind", reference="AC-9")
        contract_of(db, debtor.case).max_months = 1
        made = making.propose(
            db, case_id=debtor.case.id, offer=plan(date(2025, 6, 20), 3), by_user_id=None
        )
        assert made.status is PlanStatus.PENDING
        return made.id, first.id, second.id


def decide(plan_id: int, approve: bool, by: int) -> str:
    # The clock is frozen by the test, around both threads: the frozen clock is the
    # process's, and two threads freezing and thawing it in turn would leave it frozen.
    with session_scope() as db:
        return approval.decide(
            db, plan_id=plan_id, approve=approve, by_user_id=by, reason="not for this client"
        ).status.value


def test_two_supervisors_at_once_one_decision_counts() -> None:
    plan_id, first, second = seed()
    with clock.frozen(OFFICE_HOURS):
        results = at_once(
            lambda: decide(plan_id, True, first), lambda: decide(plan_id, False, second)
        )
    won = [r for r in results if isinstance(r, str)]
    lost = [r for r in results if isinstance(r, PaymentError)]
    assert len(won) == 1 and len(lost) == 1, results
    winner = "Sam First (approved)" if won == ["active"] else "Kim Second (refused)"
    assert lost[0].message == f"already decided by {winner}"
    with session_scope() as db:
        assert db.get_one(PaymentPlan, plan_id).status.value == won[0]
