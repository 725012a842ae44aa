"""A lock held too long is a clear 503, and SIGTERM stops the server within its grace
time even while a request is waiting for one."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx2 as httpx
import pytest
from sqlalchemy import Engine, text

from agency.auth.models import Role
from agency.db import session_scope
from tests.faults.conftest import Server, browser_for, form_token
from tests.fixtures.compliance import make_person
from tests.fixtures.factories import UserFactory, bind


@contextmanager
def case_locked(engine: Engine, case_id: int) -> Iterator[None]:
    """Another transaction holds the case (PostgreSQL: its row; SQLite: the write lock)."""
    with (
        engine.connect() as connection,
        connection.execution_options(sqlite_immediate=True).begin() as transaction,
    ):
        if engine.dialect.name == "postgresql":
            connection.execute(
                text("SELECT id FROM cases WHERE id = :id FOR UPDATE"), {"id": case_id}
            )
        try:
            yield
        finally:
            transaction.rollback()


def _supervisor_and_case() -> tuple[object, int]:
    with session_scope() as db:
        bind(db)
        supervisor = UserFactory(role=Role.SUPERVISOR)
        case_id = make_person().case.id
        return supervisor, case_id


def test_a_lock_held_too_long_is_a_503_with_retry_after(serve, bound_engine: Engine) -> None:  # type: ignore[no-untyped-def]
    server: Server = serve(database_lock_timeout_seconds="1")
    supervisor, case_id = _supervisor_and_case()
    browser = browser_for(server, supervisor)  # type: ignore[arg-type]
    token = form_token(browser, f"/cases/{case_id}")
    with case_locked(bound_engine, case_id):
        response = browser.post(
            f"/cases/{case_id}/notes", data={"csrf_token": token, "body": "Waiting"}
        )
        assert browser.get("/healthz").status_code == 200  # the server itself is fine
    assert response.status_code == 503
    assert response.headers["retry-after"] == "2"
    assert "Nothing was saved; try again in a moment." in response.text
    again = browser.post(f"/cases/{case_id}/notes", data={"csrf_token": token, "body": "Now"})
    assert again.status_code == 200
    server.stop()


def test_sigterm_stops_the_server_within_its_grace_time(  # type: ignore[no-untyped-def]
    serve, bound_engine: Engine
) -> None:
    """A request waits for a lock far longer than the grace time: after the grace time
    its statement is cancelled (it rolls back) and the process exits."""
    if bound_engine.dialect.name != "postgresql":
        pytest.skip("SQLite's busy wait cannot be interrupted; its lock timeout is the bound")
    server: Server = serve(database_lock_timeout_seconds="60")
    supervisor, case_id = _supervisor_and_case()
    browser = browser_for(server, supervisor)  # type: ignore[arg-type]
    token = form_token(browser, f"/cases/{case_id}")
    answered: list[int | str] = []

    def post() -> None:
        try:
            answered.append(
                browser.post(
                    f"/cases/{case_id}/notes", data={"csrf_token": token, "body": "Stuck"}
                ).status_code
            )
        except httpx.TransportError as exc:
            answered.append(type(exc).__name__)

    with case_locked(bound_engine, case_id), bound_engine.connect() as watcher:
        waiting = threading.Thread(target=post)
        waiting.start()
        while not watcher.scalar(text("SELECT count(*) FROM pg_locks WHERE NOT granted")):
            threading.Event().wait(0.05)
        server.stop()  # within GRACE_SECONDS + a little, or the test fails
        waiting.join(timeout=10)
    assert answered, "the waiting request was neither answered nor cut off"
    with session_scope() as db:
        assert db.scalar(text("SELECT count(*) FROM case_notes")) == 0  # rolled back
