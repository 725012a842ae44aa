"""The payments service as other domains call it: a case's active arrangement, and the
arrangements broken since a time (the events the contact strategies act on)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from agency.auth.models import User
from agency.kit import clock
from agency.kit.money import Money
from agency.payments import service
from agency.payments.arrangements import broken, making
from agency.payments.models import PlanKind, PlanStatus
from tests.fixtures.compliance import OFFICE_HOURS, Debtor
from tests.payments.arrangements.conftest import promise


def test_the_active_promise_and_then_its_breaking(db: Session, agent: User, debtor: Debtor) -> None:
    assert service.active_plan(db, case_id=debtor.case.id) is None
    with clock.frozen(OFFICE_HOURS):
        made = making.propose(
            db, case_id=debtor.case.id, offer=promise(7_500, date(2025, 6, 10)), by_user_id=agent.id
        )
    active = service.active_plan(db, case_id=debtor.case.id)
    assert active is not None
    assert (active.id, active.kind, active.total, active.due_dates, active.created_by_id) == (
        made.id,
        PlanKind.PROMISE,
        Money(7_500, "USD"),
        (date(2025, 6, 10),),
        agent.id,
    )
    later = OFFICE_HOURS + timedelta(days=10)
    assert service.plans_broken_since(db, OFFICE_HOURS) == []
    with clock.frozen(later):
        broken.check_installments(db)
    [event] = service.plans_broken_since(db, OFFICE_HOURS)
    assert (event.id, event.status) == (made.id, PlanStatus.BROKEN)
    assert service.active_plan(db, case_id=debtor.case.id) is None
