"""Promises and plans as the payments service records and reads them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.kit import clock
from agency.kit.money import Money
from agency.payments import service
from agency.payments.models import Installment, InstallmentStatus, PlanKind, PlanStatus
from agency.payments.schemas import PlanSummary
from tests.fixtures.factories import CaseFactory, UserFactory

NOW = datetime(2025, 6, 10, 15, 0, tzinfo=UTC)


def promise(
    db: Session, case_id: int, amount_minor: int, due: date, *, at: datetime, by: int | None
) -> PlanSummary:
    with clock.frozen(at):
        return service.record_promise(
            db, case_id=case_id, currency="USD", amount_minor=amount_minor, due=due, by_user_id=by
        )


def test_a_new_promise_cancels_the_open_one_and_its_installment_due(db: Session) -> None:
    case, agent = CaseFactory(), UserFactory()
    first = promise(db, case.id, 5_000, date(2025, 6, 20), at=NOW, by=agent.id)
    second = promise(db, case.id, 7_500, date(2025, 6, 25), at=NOW + timedelta(hours=1), by=None)
    assert (second.kind, second.status, second.total) == (
        PlanKind.PROMISE,
        PlanStatus.ACTIVE,
        Money(7_500, "USD"),
    )
    installments = db.execute(
        select(Installment.plan_id, Installment.status).order_by(Installment.id)
    ).all()
    assert [tuple(row) for row in installments] == [
        (first.id, InstallmentStatus.CANCELLED),
        (second.id, InstallmentStatus.DUE),
    ]
    plans = service.plans_of_case(db, case_id=case.id, limit=None)
    assert [(p.id, p.status, p.due_dates) for p in plans] == [  # newest first
        (second.id, PlanStatus.ACTIVE, (date(2025, 6, 25),)),
        (first.id, PlanStatus.CANCELLED, (date(2025, 6, 20),)),
    ]
    assert [p.created_by_id for p in plans] == [None, agent.id]
    assert [p.id for p in service.plans_of_case(db, case_id=case.id, limit=1)] == [second.id]
    other = CaseFactory()
    assert service.plans_of_case(db, case_id=other.id, limit=None) == []
