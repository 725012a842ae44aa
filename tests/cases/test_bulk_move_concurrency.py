"""Two supervisors at once, on PostgreSQL (SQLite has one writer): two moves onto one
agent check capacity in turn, and one batch undone twice at once is undone once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from agency.auth.models import Role
from agency.auth.permissions import Viewer
from agency.cases import bulk_move
from agency.cases.models import AgentProfile, AssignmentChange, Case, MoveBatch
from agency.cases.repository import assignment as assignment_repo
from agency.cases.schemas import CaseFilters
from agency.db import session_scope
from agency.kit.forms import FormError
from tests.fixtures import factories
from tests.fixtures.factories import ClientFactory, UserFactory, case_for


@pytest.fixture(autouse=True)
def postgresql_only(bound_engine: Engine) -> None:
    if bound_engine.dialect.name != "postgresql":
        pytest.skip("row locks between two sessions are PostgreSQL's; SQLite has one writer")


def at_once(*work: Callable[[], Any]) -> list[Any]:
    """Run each of ``work`` in its own thread, started together; their results or errors."""
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


def seed() -> tuple[Viewer, int, int, int]:
    with session_scope() as db:
        factories.bind(db)
        boss = UserFactory(role=Role.SUPERVISOR)
        ana = UserFactory(role=Role.AGENT)
        acme, bolt = ClientFactory(), ClientFactory()
        db.add(AgentProfile(user_id=ana.id, capacity=3))
        for client in (acme, bolt):
            for _ in range(2):
                case_for(client)
        db.flush()
        viewer = Viewer(boss.id, Role.SUPERVISOR, None, boss.full_name)
        return viewer, ana.id, acme.id, bolt.id


def move(viewer: Viewer, agent_id: int, client_id: int) -> int:
    with session_scope() as db:
        filters = CaseFilters(client_id=client_id)
        batch = bulk_move.move(
            db,
            viewer=viewer,
            filters=filters,
            expected=bulk_move.fingerprint(assignment_repo.filtered_case_ids(db, viewer, filters)),
            words=[f"client {client_id}"],
            to_agent_id=agent_id,
            to_team_id=None,
            confirmed=False,
            by_user_id=viewer.user_id,
            reason="cover",
        )
        return batch.cases


def test_two_moves_onto_one_agent_check_its_capacity_in_turn(bound_engine: Engine) -> None:
    viewer, ana, acme, bolt = seed()
    results = at_once(lambda: move(viewer, ana, acme), lambda: move(viewer, ana, bolt))
    assert sorted(map(type, results), key=str) == sorted(
        [int, bulk_move.NeedsConfirmation], key=str
    )
    refused = next(r for r in results if isinstance(r, FormError))
    assert "can hold 3 open cases and holds 2: this move gives them 4" in refused.warnings[0]
    with session_scope() as db:
        assert db.scalar(select(func.count()).where(Case.assigned_agent_id == ana)) == 2
        assert db.scalar(select(func.count()).select_from(MoveBatch)) == 1


def test_one_move_undone_twice_at_once_is_undone_once(bound_engine: Engine) -> None:
    viewer, ana, acme, _bolt = seed()
    assert move(viewer, ana, acme) == 2
    with session_scope() as db:
        batch_id = db.scalars(select(MoveBatch.id)).one()

    def undo() -> bulk_move.Undone:
        with session_scope() as db:
            batch = assignment_repo.move_batch(db, batch_id)
            assert batch is not None
            return bulk_move.undo(db, batch=batch, by_user_id=viewer.user_id)

    results = at_once(undo, undo)
    assert sorted((r.already, r.undone) for r in results) == [(False, 2), (True, 0)]
    with session_scope() as db:
        assert db.scalar(select(func.count()).select_from(AssignmentChange)) == 4
        assert db.scalar(select(func.count()).where(Case.assigned_agent_id == ana)) == 0
