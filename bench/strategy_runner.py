"""``bench/strategies.py --part runner``: the strategy runner's tick end to end against
the same steps through the single ``gate()`` path, and a bare COPY of the rows the tick
wrote, in one run (see bench/README.md).

Setup (not timed): the COPY-built book of ``bench/strategy_book.py`` (a million cases,
200,000 due now, texts and e-mails, four US states and Ontario, a tenth of the due with
50 earlier contacts).

Measured, on a frozen clock (a Monday, 13:00 in Chicago):
(b) for S seconds, the single path on the spare cases: for each, the text composed and
    ``outbox.queue`` (``gate()``, the ledger entry, the outbox row), one transaction
    each — what a runner calling the single gate would do;
(a) the minute's tick as ``run_strategies`` does it: ``runner.prepare`` (nothing to enrol:
    the book is enrolled), then ``runner.run_due`` in R processes at once — select due
    (SKIP LOCKED batches of 500), conditions, compose, the batch gate, ledger, outbox
    rows, send records, one transaction a batch — until nothing is due;
(c) the rows (a) wrote — ledger entries, their search rows, outbox messages and events,
    send records, strategy events, the enrolments it moved on — COPY'd out and COPY'd
    back into empty copies of their tables: the floor for writing them.
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


def single_path(spare: list[tuple[int, int, int]], seconds: float) -> dict[str, Any]:
    """(b): one step at a time through ``outbox.queue`` (the single gate), on the spare
    cases (case, consumer, mobile)."""
    from agency.cases.models import Case, Consumer
    from agency.compliance import service as compliance
    from agency.db import session_scope
    from agency.kit import clock
    from agency.outreach import outbox
    from agency.outreach.strategies import messages, reading
    from bench.strategy_book import START

    done = 0
    started = time.perf_counter()
    with clock.frozen(START):
        for case_id, _, mobile_id in spare:
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


def _run_due(_: int) -> dict[str, int]:
    from agency.kit import clock
    from agency.outreach.strategies import runner
    from bench.strategy_book import START

    with clock.frozen(START + timedelta(minutes=1)):
        return runner.run_due()


def tick(runners: int) -> dict[str, Any]:
    """(a): the runner's tick as the minute's job does it: ``prepare`` in one process,
    then ``run_due`` in ``runners`` processes at once, every due case done."""
    import multiprocessing
    from collections import Counter

    from sqlalchemy import func, select

    from agency.db import get_engine, session_scope
    from agency.kit import clock
    from agency.outreach.models import OutboxMessage
    from agency.outreach.strategies import runner
    from agency.outreach.strategies.models import StrategySend
    from bench.strategy_book import START

    get_engine().dispose()  # no connection crosses the fork
    started = time.perf_counter()
    with clock.frozen(START + timedelta(minutes=1)):
        counts = Counter(runner.prepare())
    get_engine().dispose()
    with multiprocessing.get_context("fork").Pool(runners) as pool:
        for part in pool.map(_run_due, range(runners)):
            counts.update(part)
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
    rss = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
              resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)  # fmt: skip
    return {
        "tick_counts": dict(counts),
        "tick_steps": steps,
        "tick_s": round(elapsed, 2),
        "tick_per_s": round(steps / elapsed),
        "send_records": sends,
        "messages_unique": keys == messages,
        "cases_sent_twice": twice,
        "peak_rss_mb": round(rss / 1024),
    }


def copy_floor(url: str, before: dict[str, int]) -> dict[str, Any]:
    """(c): the rows written since ``before`` (the tables' max ids) COPY'd back in."""
    import psycopg

    from bench.strategy_book import START

    total = 0.0
    rows = 0
    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        for table, (column, source) in TABLES.items():
            buffer = io.BytesIO()
            # The enrolments are updated, not inserted, by the tick: those it moved on.
            where = (
                f"WHERE updated_at >= '{START.isoformat()}'"
                if table == "strategy_enrolments"
                else f"WHERE {column} > {before[source]}"
            )
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
