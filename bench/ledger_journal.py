"""What the ledger's tamper evidence costs a ledger write: the journal line after each
commit, against the same write without it, in one run.

    python bench/ledger_journal.py [--writes 2000] [--quick] [--database-url URL]

On a fresh database (PostgreSQL by default; a ``sqlite:///`` URL works too): 200
consumers.  Then rounds of ``--writes`` ledger writes each, the variants interleaved
(their order shuffled per round, so a noisy neighbour hurts all alike).  One write is
one transaction, as a request or a job makes it: ``service.record_inbound`` (chain lock,
chain head, the keyed seal, INSERT with its search-row trigger) and the commit:

- **baseline**: the write with the journal switched off (``journal.write`` a no-op);
- **ours**: the write as shipped: after the commit, one signed line appended to the
  journal file in the checkpoint directory;
- **ours + fsync**, for the record: the same, the line synced to disk before the write
  returns (not shipped: see bench/README.md).

Also, without a database: the keyed seal (HMAC-SHA256) against the plain SHA-256 the
ledger used before, and one journal line written on its own.  Prints a table, then one
line of JSON.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ENV = {
    "AGENCY_BROKER_URL": "memory://",
    "AGENCY_LOG_LEVEL": "WARNING",
    "AGENCY_SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789",
    "AGENCY_PII_KEY": "bench-pii-key-0123456789abcdef0123456789",
    "AGENCY_LEDGER_KEY": "bench1:bench-ledger-key-0123456789abcdef0123456789",
}
CONSUMERS = 200


def fresh_database(url: str) -> None:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        return
    import psycopg

    base = psycopg.conninfo.conninfo_to_dict(url.replace("+psycopg", ""))
    with psycopg.connect(**dict(base, dbname="postgres"), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{base["dbname"]}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{base["dbname"]}"')


def setup() -> list[int]:
    from alembic import command

    from agency.cases.models import Consumer
    from agency.db import alembic_config, session_scope

    command.upgrade(alembic_config(), "head")
    with session_scope() as db:
        consumers = [
            Consumer(first_name="Bench", last_name=f"C{i}", country="US", timezones=[])
            for i in range(CONSUMERS)
        ]
        db.add_all(consumers)
        db.flush()
        return [c.id for c in consumers]


def one_write(consumer_id: int) -> None:
    from agency.compliance import service
    from agency.db import session_scope

    with session_scope() as db:
        service.record_inbound(
            db,
            consumer_id=consumer_id,
            channel="call",
            contact_point_id=None,
            case_ids=[],
            outcome="conversation",
            actor_id=None,
        )


def synced_write(real: Callable[..., None]) -> Callable[..., None]:
    """``journal.write``, then the day's journal file synced to disk."""
    from agency.compliance import journal

    def write(lines: Sequence[Any], keys: Any = None) -> None:
        real(lines, keys)
        if lines:
            fd = os.open(journal.directory() / f"{lines[0].at:%Y-%m-%d}.jsonl", os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    return write


def bench_writes(
    consumers: list[int], writes: int, rounds: int
) -> tuple[dict[str, float], dict[str, float]]:
    """Writes per second and the median write in µs, per variant."""
    from agency.compliance import journal

    real = journal.write
    variants: dict[str, Callable[..., None]] = {
        "baseline": lambda lines, keys=None: None,
        "ours": real,
        "fsync": synced_write(real),
    }
    rng = random.Random(5)
    spent = dict.fromkeys(variants, 0.0)
    done = dict.fromkeys(variants, 0)
    each: dict[str, list[float]] = {name: [] for name in variants}
    for name in variants:  # warm up each path once
        journal.write = variants[name]  # type: ignore[assignment]
        one_write(consumers[0])
    for _ in range(rounds):
        order = list(variants)
        rng.shuffle(order)
        for name in order:
            journal.write = variants[name]  # type: ignore[assignment]
            for _ in range(writes // rounds):
                start = time.perf_counter()
                one_write(rng.choice(consumers))
                took = time.perf_counter() - start
                spent[name] += took
                each[name].append(took)
            done[name] += writes // rounds
    journal.write = real  # type: ignore[assignment]
    rates = {name: done[name] / spent[name] for name in variants}
    medians = {name: statistics.median(each[name]) * 1e6 for name in variants}
    return rates, medians


def bench_seal(count: int) -> dict[str, float]:
    from sqlalchemy import select

    from agency.compliance.chain import content, seal
    from agency.compliance.journal import Line, write
    from agency.compliance.keys import ledger_keys
    from agency.compliance.models import LedgerEntry
    from agency.db import session_scope

    with session_scope() as db:
        entry = db.scalars(select(LedgerEntry).limit(1)).one()
        db.expunge(entry)
    keys = ledger_keys()
    start = time.perf_counter()
    for _ in range(count):
        seal(entry, keys)
    hmac_us = (time.perf_counter() - start) / count * 1e6
    start = time.perf_counter()
    for _ in range(count):
        hashlib.sha256(content(entry)).hexdigest()
    sha_us = (time.perf_counter() - start) / count * 1e6
    line = Line(at=datetime.now(UTC), chain=entry.consumer_id, seq=entry.seq, hash=entry.hash)
    lines = count // 10
    start = time.perf_counter()
    for _ in range(lines):
        write([line], keys)
    line_us = (time.perf_counter() - start) / lines * 1e6
    return {"seal_hmac_us": hmac_us, "seal_sha256_us": sha_us, "line_write_us": line_us}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writes", type=int, default=6000, help="writes per variant")
    parser.add_argument("--quick", action="store_true", help="600 writes per variant")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "AGENCY_BENCH_DATABASE_URL",
            "postgresql+psycopg://postgres@127.0.0.1/agency_bench_ledger",
        ),
        help="a database to recreate",
    )
    args = parser.parse_args(argv)
    writes = 600 if args.quick else args.writes
    store = tempfile.mkdtemp(prefix="agency-bench-checkpoints-")
    os.environ.update(
        ENV, AGENCY_DATABASE_URL=args.database_url, AGENCY_LEDGER_CHECKPOINT_DIR=store
    )
    fresh_database(args.database_url)
    consumers = setup()
    rates, medians = bench_writes(consumers, writes, rounds=6 if args.quick else 20)
    seal = bench_seal(20_000 if args.quick else 100_000)
    journal_us = medians["ours"] - medians["baseline"]
    fsync_us = medians["fsync"] - medians["baseline"]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    backend = "SQLite" if args.database_url.startswith("sqlite") else "PostgreSQL"
    print(f"ledger writes on {backend}, one transaction each, {writes:,} per variant")
    for label, name in (("baseline (no journal)", "baseline"), ("ours (journal line)", "ours")):
        print(f"  {label + ' /s:':<27}{rates[name]:>10,.1f}  p50 {medians[name]:,.0f} µs")
    print(f"  ratio ours/baseline:       {rates['ours'] / rates['baseline']:>10.3f}")
    print(f"  journal cost (p50 diff):   {journal_us:>10.1f} µs a write")
    print(f"  (ours + fsync /s:          {rates['fsync']:>10,.1f}  p50 {medians['fsync']:,.0f} µs,")
    print(f"                             {fsync_us:>10.1f} µs a write over the baseline)")
    print("without a database")
    print(f"  keyed seal (HMAC-SHA256):  {seal['seal_hmac_us']:>10.1f} µs")
    print(f"  plain SHA-256 (before):    {seal['seal_sha256_us']:>10.1f} µs")
    print(f"  one journal line alone:    {seal['line_write_us']:>10.1f} µs")
    print(f"  peak RSS:                  {peak:>10.0f} MB")
    figures = {
        "bench": "ledger_journal",
        "backend": backend.lower(),
        "writes": writes,
        "baseline_writes_s": round(rates["baseline"], 1),
        "ours_writes_s": round(rates["ours"], 1),
        "ratio": round(rates["ours"] / rates["baseline"], 3),
        "baseline_p50_us": round(medians["baseline"]),
        "ours_p50_us": round(medians["ours"]),
        "journal_us_per_write": round(journal_us, 1),
        "fsync_writes_s": round(rates["fsync"], 1),
        "fsync_us_per_write": round(fsync_us, 1),
        **{name: round(value, 2) for name, value in seal.items()},
        "peak_rss_mb": round(peak),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
