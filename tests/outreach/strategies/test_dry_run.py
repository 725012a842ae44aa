"""The dry run: a case's next 30 days replayed with the gate rehearsed (nothing written),
each allowed message counting for the next — and equal to what the runner then does,
tick by tick on a frozen clock at the moments the dry run named."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine

from agency.cases.models import Consumer
from agency.compliance.models import LedgerEntry
from agency.db import session_scope
from agency.kit import clock
from agency.outreach.strategies import dry_run, reading, runner, segment_run
from agency.outreach.strategies.stepping import Plans
from tests.outreach.strategies import world as w

STEPS = [
    w.NOTICE,
    w.step("text", "sms", at="00:00"),
    w.step("mail", "email", days=2, at="10:00"),
    w.step("call", "call_task", days=3, reason="talk about a plan"),
]


def massachusetts() -> w.World:
    """A Massachusetts case on three texts a day apart (two are allowed in 7 days)."""
    texts = [w.NOTICE] + [
        w.step(f"text-{n}", "sms", days=1 if n else 0, at="10:00") for n in range(3)
    ]
    world = w.build(texts)
    with session_scope() as db:
        db.execute(update(Consumer).values(region="MA", timezones=["America/New_York"]))
    return world


def replay(world: w.World, version_id: int | None = None) -> list[dry_run.Line]:
    with session_scope() as db:
        plan = Plans(db)[version_id or world.version_id]
        batch = reading.read_cases(db, [world.case_id])
        return dry_run.for_case(
            db, case=batch.cases[world.case_id], batch=batch, steps=plan.steps, start=clock.now()
        )


def test_the_dry_run_writes_nothing_and_the_runner_then_does_what_it_said(
    bound_engine: Engine,
) -> None:
    world = w.build(STEPS)
    with session_scope() as db:
        entries = db.scalar(select(func.count()).select_from(LedgerEntry))
    with clock.frozen(w.TUESDAY_3):
        lines = replay(world)
    assert [(line.step_key, line.outcome) for line in lines] == [
        ("notice", "skipped"),
        ("text", "deferred"),
        ("text", "send"),
        ("mail", "send"),
        ("call", "task"),
        ("call", "ended"),
    ]
    assert lines[1].rules and lines[2].at == w.TUESDAY_3.replace(hour=14)  # 08:00 in Chicago
    with session_scope() as db:
        assert db.scalar(select(func.count()).select_from(LedgerEntry)) == entries
        assert w.messages(db, world) == []
    for at in sorted({line.at for line in lines}):
        with clock.frozen(at):
            runner.tick()
    runner_kind = {"send": "queued"}
    with session_scope() as db:
        done = [
            (e.step_key, e.kind, e.at)
            for e in reversed(w.enrolling_events(db, world))
            if e.kind != "enrolled"
        ]
    said = [(line.step_key, runner_kind.get(line.outcome, line.outcome), line.at) for line in lines]
    assert done == said


def test_a_massachusetts_case_sees_the_rule_that_blocks_its_third_text(
    bound_engine: Engine,
) -> None:
    world = massachusetts()
    with clock.frozen(w.TUESDAY_10):
        lines = replay(world)
    outcomes = [(line.step_key, line.outcome) for line in lines]
    assert outcomes[:4] == [
        ("notice", "skipped"),
        ("text-0", "send"),
        ("text-1", "send"),
        ("text-2", "deferred"),
    ]
    assert lines[3].rules == ("US-MA-CALLS",)
    assert "Massachusetts call limit (US-MA-CALLS)" in lines[3].words
    # The window of 7 local days from the first text: the third goes then.
    assert outcomes[4] == ("text-2", "send")
    assert lines[4].at - lines[1].at >= timedelta(days=6)


def test_a_segment_run_sums_the_sends_the_rules_and_the_busiest_minute(
    bound_engine: Engine,
) -> None:
    world = massachusetts()
    with clock.frozen(w.TUESDAY_10), session_scope() as db:
        steps = Plans(db)[world.version_id].steps
        run = segment_run.for_segment(
            db, strategy_id=world.strategy_id, steps=steps, start=clock.now()
        )
    assert run.cases == 1
    assert sum(day["sms"] for day in run.sends.values()) == 3
    assert run.blocked == {"US-MA-CALLS": 1}
    assert run.skipped == {"skipped: the validation notice was already sent": 1}
    (peak,) = run.peaks.values()
    assert peak.per_number == 1 / peak.numbers and peak.capacity > 0
