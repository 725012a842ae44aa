"""A real Celery worker (its own process, PostgreSQL and Redis) killed with SIGKILL in
the middle of the runner's tick: every case is either done and recorded or untouched,
and the next tick carries on — each case's text queued exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from agency.cases.models import Channel
from agency.clients.models import Contract
from agency.db import session_scope
from agency.kit import clock
from agency.outreach import demo_templates
from agency.outreach.models import OutboxMessage
from agency.outreach.strategies import assignment, runner, versions
from agency.outreach.strategies.models import StrategyEvent, StrategySend
from tests.fixtures import factories
from tests.outreach.strategies import world as w

CASES = 2_000
pytestmark = pytest.mark.skipif(
    not os.environ.get("AGENCY_TEST_BROKER_URL"),
    reason="needs AGENCY_TEST_BROKER_URL (Redis); CI sets it",
)


def book(engine: Engine) -> None:
    """``CASES`` Chicago consumers with a consented mobile, one contract whose client
    sends the validation notice, and a strategy of one text for them all."""
    with session_scope() as db:
        factories.bind(db)
        demo_templates.save_all(db)
        contract = factories.ContractFactory(client_sends_validation_notice=True)
        for n in range(CASES):
            consumer = factories.ConsumerFactory(timezones=["America/Chicago"])
            factories.ContactPointFactory(
                consumer=consumer, channel=Channel.PHONE, value=f"+1312{n:07d}", consent=True
            )
            factories.CaseFactory(contract=contract, consumer=consumer)
        strategy = versions.create(
            db,
            name="One text",
            country="US",
            currency="USD",
            notice_by_client=True,
            by_user_id=None,
        )
        versions.publish(
            db,
            strategy=strategy,
            steps=[w.step("text", "sms", at="00:00")],
            reason="test",
            by_user_id=None,
        )
        assignment.save_rule(
            db,
            contract=db.get_one(Contract, contract.id),
            strategy_id=strategy.id,
            segment=assignment.Segment(),
            by_user_id=None,
        )


def done() -> int:
    """The steps done or deferred so far (committed)."""
    with session_scope() as db:
        kinds = StrategyEvent.kind.in_(("queued", "deferred", "skipped"))
        return db.scalar(select(func.count()).select_from(StrategyEvent).where(kinds)) or 0


def test_a_worker_killed_mid_tick_leaves_no_step_half_done(bound_engine: Engine) -> None:
    if bound_engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED and a second process are PostgreSQL's")
    book(bound_engine)
    env = os.environ | {
        "AGENCY_DATABASE_URL": bound_engine.url.render_as_string(hide_password=False),
        "AGENCY_BROKER_URL": os.environ["AGENCY_TEST_BROKER_URL"],
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "agency.worker:celery_app",
            "worker",
            # Two processes: the tick's own and the one it hands due batches to.
            "--pool=prefork",
            "--concurrency=2",
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-gossip",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: killed with its children
    )
    from agency.worker import make_celery

    sender = make_celery()
    sender.conf.broker_url = env["AGENCY_BROKER_URL"]
    try:
        sender.send_task("agency.outreach.tasks.run_strategies")
        deadline = time.monotonic() + 60
        while done() == 0 and time.monotonic() < deadline:
            time.sleep(0.05)  # the first batch committed: the tick is under way
        assert done() > 0, "the worker never ran the tick"
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        sender.control.purge()  # a job the killed worker held goes back to the queue
    assert 0 < done() < CASES  # killed part of the way
    with session_scope() as db:
        queued = db.scalar(
            select(func.count()).select_from(StrategySend).where(StrategySend.outcome == "queued")
        )
        messages = db.scalar(select(func.count()).select_from(OutboxMessage))
        assert queued == messages  # every queued step has its message, and no more
    later = _next_weekday_noon_in_chicago()
    with clock.frozen(later):
        runner.tick()
    with session_scope() as db:
        per_case = db.execute(
            select(OutboxMessage.case_id, func.count()).group_by(OutboxMessage.case_id)
        ).all()
        assert len(per_case) == CASES and {n for _, n in per_case} == {1}
        keys = db.scalar(select(func.count(func.distinct(OutboxMessage.message_key))))
        assert keys == CASES


def _next_weekday_noon_in_chicago() -> datetime:
    """A moment past any deferral the killed tick gave: two days on, a weekday's noon."""
    day = datetime.now(UTC).date() + timedelta(days=2)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 18, 0, tzinfo=UTC)
