"""``bench/strategies.py --part runner``: the strategy runner's tick end to end against
the same steps through the single ``gate()`` path, and a bare COPY of the rows the tick
wrote, in one run (see bench/README.md).

Setup (not timed): ``setup`` of ``bench/strategies.py`` (N consumers in US states, a
consented mobile each, earlier texts and e-mails through the gate), the demo templates,
a one-step US strategy (a text of the first-notice template; the client sends the
validation notice) given to the contract by a rule, and every case but the last
``--single-cases`` enrolled with its step due.

Measured, on a frozen clock (a Monday, 13:00 in Chicago):
(b) for S seconds, the single path on the cases left out: for each, the text composed
    and ``outbox.queue`` (``gate()``, the ledger entry, the outbox row), one transaction
    each — what a runner calling the single gate would do;
(a) ``runner.tick()``: select due (SKIP LOCKED batches), conditions, compose, the batch
    gate, ledger, outbox rows, send records, one transaction a batch;
(c) the rows (a) wrote — ledger entries, their search rows, outbox messages and events,
    send records, strategy events — COPY'd out and COPY'd back into empty copies of their
    tables: the floor for writing them.
"""

from __future__ import annotations

import io
import resource
import time
from datetime import timedelta
from typing import Any

# Each table the tick writes: the column that says a row is new, and the table whose
# largest id before the tick it is compared with.
TABLES = {
    "ledger_entries": ("id", "ledger_entries"),
    "ledger_cases": ("entry_id", "ledger_entries"),
    "ledger_rule_hits": ("entry_id", "ledger_entries"),
    "outbox_messages": ("id", "outbox_messages"),
    "outbox_events": ("message_id", "outbox_messages"),
    "strategy_sends": ("id", "strategy_sends"),
    "strategy_events": ("id", "strategy_events"),
    "strategy_enrolments": ("id", "strategy_enrolments"),
}


def prepare(people: list[tuple[int, int, int, int]], single_cases: int) -> None:
    """The strategy, its rule, and every case enrolled but the last ``single_cases``."""
    from sqlalchemy import select, update

    from agency.cases.models import Case
    from agency.clients.models import Contract
    from agency.db import session_scope
    from agency.kit import clock
    from agency.outreach import demo_templates
    from agency.outreach.strategies import assignment, enrolment, versions
    from agency.outreach.strategies.models import EnrolmentState, StrategyEnrolment
    from bench.strategies import START

    step = {
        "key": "text",
        "trigger": {"anchor": "placement", "days": 0, "at": "00:00"},
        "channel": "sms",
        "template": "first-notice",
        "then": {"kind": "next"},
    }
    with session_scope() as db:
        demo_templates.save_all(db)
        db.execute(update(Contract).values(client_sends_validation_notice=True))
        db.execute(update(Case).values(placed_at=START - timedelta(days=30)))
        contract = db.scalars(select(Contract)).one()
        strategy = versions.create(
            db, name="Bench", country="US", currency="USD", notice_by_client=True, by_user_id=None
        )
        versions.publish(db, strategy=strategy, steps=[step], reason="bench", by_user_id=None)
        assignment.save_rule(
            db,
            contract=contract,
            strategy_id=strategy.id,
            segment=assignment.Segment(),
            by_user_id=None,
        )
    with clock.frozen(START - timedelta(hours=1)):
        while True:
            with session_scope() as db:
                if enrolment.enrol_new(db, limit=2_000) == 0:
                    break
    left_out = [case_id for _, _, _, case_id in people[-single_cases:]]
    with session_scope() as db:  # ended: the tick neither enrols nor runs them
        db.execute(
            update(StrategyEnrolment)
            .where(StrategyEnrolment.case_id.in_(left_out))
            .values(state=EnrolmentState.ENDED, due_at=None)
        )


def single_path(
    people: list[tuple[int, int, int, int]], single_cases: int, seconds: float
) -> dict[str, Any]:
    """(b): one step at a time through ``outbox.queue`` (the single gate)."""
    from agency.cases.models import Case, Consumer
    from agency.compliance import service as compliance
    from agency.db import session_scope
    from agency.kit import clock
    from agency.outreach import outbox
    from agency.outreach.strategies import messages, reading
    from bench.strategies import START

    done = 0
    started = time.perf_counter()
    with clock.frozen(START):
        for _, mobile_id, _, case_id in people[-single_cases:]:
            if time.perf_counter() - started >= seconds:
                break
            with session_scope() as db:
                case = reading.read_cases(db, [case_id]).cases[case_id]
                point = next(p for p in case.consumer.contact_points if p.id == mobile_id)
                found = messages.Templates(db).newest("first-notice", "sms", "en")
                assert found is not None and isinstance(case, Case)
                assert isinstance(case.consumer, Consumer)
                item = messages.addressed(case, point, found, outbox.new_key())
                outbox.queue(
                    db,
                    case_id=item.case_id,
                    consumer_id=item.consumer_id,
                    client_id=item.client_id,
                    contact_point_id=item.contact_point_id,
                    to_address=item.to_address,
                    draft=item.draft,
                    provider=item.provider,
                    by_user_id=None,
                    source=compliance.Source.STRATEGY,
                    send_now=False,
                )
            done += 1
    elapsed = time.perf_counter() - started
    return {"single_steps": done, "single_per_s": round(done / elapsed)}


def tick() -> dict[str, Any]:
    """(a): the runner's tick, every enrolled case due."""
    from sqlalchemy import func, select

    from agency.db import session_scope
    from agency.kit import clock
    from agency.outreach.models import OutboxMessage
    from agency.outreach.strategies import runner
    from agency.outreach.strategies.models import StrategySend
    from bench.strategies import START

    with clock.frozen(START + timedelta(minutes=1)):
        started = time.perf_counter()
        counts = runner.tick()
        elapsed = time.perf_counter() - started
    with session_scope() as db:
        keys = db.scalar(select(func.count(func.distinct(OutboxMessage.message_key))))
        messages = db.scalar(select(func.count()).select_from(OutboxMessage))
        sends = db.scalar(select(func.count()).select_from(StrategySend))
        twice = db.scalar(
            select(func.count()).select_from(
                select(StrategySend.case_id)
                .group_by(StrategySend.case_id)
                .having(func.count() > 1)
                .subquery()
            )
        )
    steps = sum(counts.get(k, 0) for k in ("queued", "deferred", "blocked", "skipped"))
    return {
        "tick_counts": counts,
        "tick_steps": steps,
        "tick_s": round(elapsed, 2),
        "tick_per_s": round(steps / elapsed),
        "send_records": sends,
        "messages_unique": keys == messages,
        "cases_sent_twice": twice,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def copy_floor(url: str, before: dict[str, int]) -> dict[str, Any]:
    """(c): the rows written since ``before`` (the tables' max ids) COPY'd back in."""
    import psycopg

    total = 0.0
    rows = 0
    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        for table, (column, source) in TABLES.items():
            buffer = io.BytesIO()
            # The enrolments are updated, not inserted, by the tick: all of them.
            where = "" if table == "strategy_enrolments" else f"WHERE {column} > {before[source]}"
            with conn.cursor().copy(f"COPY (SELECT * FROM {table} {where}) TO STDOUT") as out:
                for chunk in out:
                    buffer.write(chunk)
            rows += buffer.getvalue().count(b"\n")
            conn.execute(f"CREATE TEMP TABLE copy_{table} (LIKE {table} INCLUDING ALL)")
            started = time.perf_counter()
            with conn.cursor().copy(f"COPY copy_{table} FROM STDIN") as into:
                into.write(buffer.getvalue())
            total += time.perf_counter() - started
        conn.rollback()
    return {"copy_rows": rows, "copy_s": round(total, 2)}


def max_ids(url: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        return {
            source: conn.execute(f"SELECT coalesce(max(id), 0) FROM {source}").fetchone()[0]  # type: ignore[index]
            for source in {source for _, source in TABLES.values()}
        }
