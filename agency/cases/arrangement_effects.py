"""What a promise, plan or settlement does to its case (payments, above cases, calls
these; cases owns the table): the case's status, its place in the queue, and the lock
and the consumer's "today" an arrangement is made under.

- Made (``arrangement_made``): a promise makes the case ``promise``, a plan or a
  settlement ``plan`` (through the status machine, so the change is on the timeline),
  and the case comes back to the queue on the first due date, ahead of the rest, as a
  promise always did.  ``plan`` is not a queue status: a case on a plan is offered
  again only when the plan ends (a working status with the wake time already set).
- Ended (``arrangement_ended``): a broken or cancelled arrangement puts the case back
  to ``active`` with the reason, in the queue now.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from agency.cases import queue, status
from agency.cases.actions import local_today, start_of_local_day
from agency.cases.models import Case, CaseStatus, Consumer
from agency.compliance import service as compliance
from agency.kit import clock

# The statuses an arrangement stands for; ending one steps the case back to active.
ARRANGED = frozenset({CaseStatus.PROMISE, CaseStatus.PLAN})


def case_locked(db: Session, case_id: int) -> Case | None:
    """The case an arrangement changes, with its consumer, its row locked until the
    transaction ends (PostgreSQL): two offers, or an offer and a decision, wait for
    each other.  No viewer scoping: callers have checked who asks."""
    query = select(Case).options(joinedload(Case.consumer)).where(Case.id == case_id)
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Case)
    return db.scalar(query)


def consumer_today(db: Session, case: Case) -> date:
    """The consumer's own today (the earliest date in any zone they may be in)."""
    return local_today(_zones(db, case))


def _zones(db: Session, case: Case) -> tuple[str, ...]:
    return compliance.consumer_zones(db, consumer=db.get_one(Consumer, case.consumer_id))


def arrangement_made(
    db: Session, *, case: Case, promise: bool, first_due: date, reason: str, by_user_id: int | None
) -> None:
    """An arrangement became active: the case is a promise or on a plan, and comes back
    to the queue at the start of the consumer's day of ``first_due``."""
    target = CaseStatus.PROMISE if promise else CaseStatus.PLAN
    if case.status is not target:
        status.change(db, case=case, to=target, reason=reason, by_user_id=by_user_id)
    when = start_of_local_day(first_due, _zones(db, case))
    case.next_action_at = when
    queue.make_workable(case, at=when)
    case.priority = queue.priority(case, promise=True)
    if by_user_id is not None and case.lease_agent_id == by_user_id:
        case.lease_agent_id = case.lease_expires_at = None


def arrangement_ended(db: Session, *, case: Case, reason: str, by_user_id: int | None) -> None:
    """An arrangement broke or was cancelled: a case still standing for it goes back to
    ``active`` with ``reason`` and is offered by the queue now."""
    if case.status not in ARRANGED:
        return
    status.change(db, case=case, to=CaseStatus.ACTIVE, reason=reason, by_user_id=by_user_id)
    now = clock.now()
    case.next_action_at = now
    queue.make_workable(case, at=now)
    case.priority = queue.priority(case)
