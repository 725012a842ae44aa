"""Jobs leave only after commit, periodic jobs fire on schedule, and with a real broker
(``AGENCY_TEST_BROKER_URL``) a real worker runs them."""

from __future__ import annotations

import os
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from sqlalchemy import Engine, func, select

import agency.worker
from agency.auth.models import UserSession
from agency.config import get_settings
from agency.db import session_scope
from agency.kit import clock
from agency.worker import EmbeddedBeat, celery_app, drain, enqueue, make_celery
from tests.fixtures.factories import UserFactory, bind

ran: list[int] = []


@celery_app.task(name="tests.record")
def record(value: int) -> None:
    ran.append(value)


@pytest.fixture(autouse=True)
def _clear() -> None:
    ran.clear()


def test_jobs_run_after_commit(bound_engine: Engine) -> None:
    with session_scope() as db:
        enqueue(db, "tests.record", 1)
        assert ran == []  # not before the commit
    drain()
    assert ran == [1]


def test_jobs_are_dropped_on_rollback(bound_engine: Engine) -> None:
    with pytest.raises(RuntimeError), session_scope() as db:
        enqueue(db, "tests.record", 2)
        raise RuntimeError("the request failed")
    with session_scope():
        pass
    drain()
    assert ran == []


def test_a_failed_savepoint_keeps_the_outer_transactions_jobs(bound_engine: Engine) -> None:
    with session_scope() as db:
        enqueue(db, "tests.record", 3)
        nested = db.begin_nested()
        nested.rollback()
    drain()
    assert ran == [3]


def test_a_released_savepoint_does_not_send_the_jobs_early(bound_engine: Engine) -> None:
    with pytest.raises(RuntimeError), session_scope() as db:
        enqueue(db, "tests.record", 4)
        with db.begin_nested():
            enqueue(db, "tests.record", 5)
        drain()
        assert ran == []  # the savepoint's release is not the commit
        raise RuntimeError("the request failed after its savepoint")
    drain()
    assert ran == []


def test_a_job_queued_in_a_savepoint_that_rolls_back_is_dropped(bound_engine: Engine) -> None:
    with session_scope() as db:
        enqueue(db, "tests.record", 6)
        try:
            with db.begin_nested():
                enqueue(db, "tests.record", 7)
                with db.begin_nested():
                    enqueue(db, "tests.record", 8)
                raise RuntimeError("a row set aside")
        except RuntimeError:
            pass
        with db.begin_nested():
            enqueue(db, "tests.record", 9)
    drain()
    assert ran == [6, 9]


def test_embedded_beat_runs_the_purge_when_due(bound_engine: Engine) -> None:
    with session_scope() as db:
        bind(db)
        user = UserFactory()
        past = clock.now() - timedelta(days=2)
        db.add(
            UserSession(
                token_hash="e" * 64,
                user_id=user.id,
                created_at=past,
                last_seen_at=past,
                expires_at=past + timedelta(hours=12),
            )
        )
    beat = EmbeddedBeat()
    assert beat.run_due() == []  # nothing is due right after start
    beat.last_run = dict.fromkeys(beat.last_run, datetime.now(UTC) - timedelta(days=2))
    assert beat.run_due() == [
        "purge-expired-sessions",
        "resume-stalled-placements",
        "expire-stored-files",
        "wake-cases",
        "send-due-messages",
        "run-strategies",
        "reconcile-stuck-messages",
        "make-letter-batches",
        "check-installments",
        "verify-ledger",
        "check-statements",
        "reconcile-trust",
        "refresh-reports",
        "sweep-webhooks",
        "send-scheduled-reports",
        "rebuild-reports",
        "purge-expired-records",
    ]
    drain()
    with session_scope() as db:
        assert db.scalar(select(func.count()).select_from(UserSession)) == 0


@pytest.mark.skipif(
    not os.environ.get("AGENCY_TEST_BROKER_URL"),
    reason="needs AGENCY_TEST_BROKER_URL (Redis); CI sets it",
)
def test_a_real_worker_runs_jobs_sent_through_the_broker(
    bound_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "broker_url", os.environ["AGENCY_TEST_BROKER_URL"])
    app = make_celery()
    done = threading.Event()
    received: list[int] = []

    name = f"tests.signal.{uuid.uuid4().hex}"  # once per backend run: names must not repeat

    @app.task(name=name)
    def signal(value: int) -> None:
        received.append(value)
        done.set()

    monkeypatch.setattr(agency.worker, "celery_app", app)
    assert not app.conf.task_always_eager
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        with session_scope() as db:
            enqueue(db, name, 42)
        assert done.wait(timeout=20), "the worker never ran the job"
    assert received == [42]
