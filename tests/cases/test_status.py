"""The case status machine: legal moves, refusals with their reasons, the record kept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.cases import status
from agency.cases.errors import CaseError
from agency.cases.models import Case, CaseStatus, CloseReason, StatusChange
from agency.kit import clock
from tests.fixtures.factories import ClientFactory, UserFactory, case_for

S = CaseStatus
NOON = datetime(2026, 6, 8, 17, 0, tzinfo=UTC)


def changes(db: Session, case: Case) -> list[tuple[S | None, S, str]]:
    rows = db.scalars(
        select(StatusChange).where(StatusChange.case_id == case.id).order_by(StatusChange.id)
    )
    return [(r.from_status, r.to_status, r.reason) for r in rows]


def test_a_case_walks_the_working_ladder_and_every_step_is_recorded(db: Session) -> None:
    case = case_for(ClientFactory())
    agent = UserFactory()
    with clock.frozen(NOON):
        for target in (S.ACTIVE, S.CONTACTED, S.PROMISE, S.PLAN):
            status.change(db, case=case, to=target, reason=f"to {target}", by_user_id=agent.id)
    db.flush()
    assert case.status is S.PLAN
    assert changes(db, case) == [
        (S.NEW, S.ACTIVE, "to active"),
        (S.ACTIVE, S.CONTACTED, "to contacted"),
        (S.CONTACTED, S.PROMISE, "to promise"),
        (S.PROMISE, S.PLAN, "to plan"),
    ]
    row = db.scalars(select(StatusChange)).first()
    assert row is not None and (row.by_user_id, row.at) == (agent.id, NOON)


@pytest.mark.parametrize(
    ("current", "target", "message"),
    [
        (S.NEW, S.NEW, "status: the case is already new"),
        (S.PAID, S.ACTIVE, "status: the case is paid; it cannot change any more"),
        (S.CLOSED, S.ACTIVE, "status: the case is closed; it cannot change any more"),
        (S.DISPUTED, S.PROMISE, "status: a disputed case cannot become promise (it can become"),
        (S.HOLD, S.CONTACTED, "status: a hold case cannot become contacted (it can become"),
        (S.PLAN, S.CONTACTED, "status: a plan case cannot become contacted (it can become"),
    ],
)
def test_illegal_transitions_are_refused_with_a_clear_message(
    db: Session, current: S, target: S, message: str
) -> None:
    case = case_for(ClientFactory(), status=current)
    db.flush()
    with pytest.raises(CaseError) as refused:
        status.change(db, case=case, to=target, reason="try", by_user_id=None)
    assert str(refused.value).startswith(message)
    assert case.status is current
    assert changes(db, case) == []


def test_every_status_can_be_reached_and_every_final_one_is_final() -> None:
    reachable = {S.NEW} | {t for targets in status.TRANSITIONS.values() for t in targets}
    assert reachable == set(S)
    for final in (S.PAID, S.SETTLED, S.RECALLED, S.CLOSED):
        assert status.allowed_next(final) == []


def test_closing_needs_a_reason_and_ends_the_lease(db: Session) -> None:
    agent = UserFactory()
    case = case_for(
        ClientFactory(), status=S.ACTIVE, lease_agent_id=agent.id, lease_expires_at=NOON
    )
    db.flush()
    with pytest.raises(CaseError, match="close reason: say why"):
        status.change(db, case=case, to=S.CLOSED, reason="gone", by_user_id=None)
    with clock.frozen(NOON):
        status.change(
            db,
            case=case,
            to=S.CLOSED,
            reason="death certificate received",
            by_user_id=agent.id,
            close_reason=CloseReason.DECEASED,
        )
    assert (case.status, case.close_reason, case.closed_at) == (
        S.CLOSED,
        CloseReason.DECEASED,
        NOON,
    )
    assert case.lease_agent_id is None and case.lease_expires_at is None


def test_paid_implies_its_close_reason(db: Session) -> None:
    case = case_for(ClientFactory(), status=S.PROMISE)
    db.flush()
    status.change(db, case=case, to=S.PAID, reason="paid in full", by_user_id=None)
    assert case.close_reason is CloseReason.PAID_IN_FULL


def test_a_reason_is_required(db: Session) -> None:
    case = case_for(ClientFactory())
    db.flush()
    with pytest.raises(CaseError, match="reason: say why"):
        status.change(db, case=case, to=S.ACTIVE, reason="  ", by_user_id=None)


@pytest.mark.parametrize(
    ("current", "target", "moved"),
    [
        (S.NEW, S.CONTACTED, True),
        (S.ACTIVE, S.CONTACTED, True),
        (S.PROMISE, S.CONTACTED, False),  # a conversation does not undo a promise
        (S.CONTACTED, S.ACTIVE, False),  # nor does an unanswered call undo a contact
        (S.DISPUTED, S.CONTACTED, False),  # holds are left to their own resolution
        (S.HOLD, S.ACTIVE, False),
    ],
)
def test_advance_only_moves_up_the_working_ladder(
    db: Session, current: S, target: S, moved: bool
) -> None:
    case = case_for(ClientFactory(), status=current)
    db.flush()
    result = status.advance(db, case=case, to=target, reason="call outcome", by_user_id=None)
    assert (result is not None) is moved
    assert case.status is (target if moved else current)
