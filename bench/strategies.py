"""The strategy runner's gate on PostgreSQL: the batch gate (``compliance.service.
gate_many``) against the single ``gate()`` for the same asks, in one run.

    python bench/strategies.py [--part gate|runner] [--consumers N] [--history H] [--batch B]
                               [--seconds S] [--quick] [--database-url URL]

``--part runner``: the runner's tick end to end over a COPY-built book of a million cases
(``bench/strategy_book.py``) against the single path and a bare COPY
(``bench/strategy_runner.py`` says how).

``--part gate`` (the default): setup (not timed) is a fresh database with N consumers (US states,
each a consented mobile, an e-mail and one case), each with H ledger entries of earlier
texts and e-mails written through the gate.  Measured: for S seconds, one ask at a time
through ``gate()``, one transaction each (what a runner calling the single gate would
do); then the same kind of asks in batches of B through ``gate_many``, one transaction a
batch — each consumer once a batch, its chain locked, its facts, policies and ledger
read once for the batch, the entries inserted in one flush.  Prints decisions/s for
both, the ratio (target ≥ 10 for the whole runner), then one line of JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
STATES = [("IL", "60601", "312"), ("CA", "94103", "415"), ("NY", "10001", "212"),
          ("TX", "75201", "214"), ("MA", "02108", "617")]  # fmt: skip
START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)  # a Monday, 13:00 in Chicago


def fresh_database(url: str) -> None:
    """An empty database at ``url``, migrated, and the app's settings pointed at it."""
    import psycopg
    from alembic import command

    base = psycopg.conninfo.conninfo_to_dict(url.replace("+psycopg", ""))
    with psycopg.connect(**dict(base, dbname="postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{base["dbname"]}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{base["dbname"]}"')
    os.environ.update(
        AGENCY_DATABASE_URL=url,
        AGENCY_BROKER_URL="memory://",
        AGENCY_LOG_LEVEL="WARNING",
        AGENCY_SECRET_KEY="bench-secret-key-0123456789abcdef0123456789",  # noqa: S106
        AGENCY_PII_KEY="bench-pii-key-0123456789abcdef0123456789",
    )
    from agency.db import alembic_config

    command.upgrade(alembic_config(), "head")


def setup(url: str, consumers: int, history: int) -> list[tuple[int, int, int, int]]:
    fresh_database(url)
    from agency.cases import service as cases_service
    from agency.cases.models import Case, Channel, Consumer, ContactPoint
    from agency.clients.models import Client, Contract
    from agency.compliance import service
    from agency.compliance.models import FactKind, Source
    from agency.db import session_scope
    from agency.kit import clock
    from agency.kit.timezones import candidate_zones, zones_for_phone_digits

    rng = random.Random(7)
    people: list[tuple[int, int, int, int]] = []  # consumer, mobile, email, case
    with session_scope() as db:
        client = Client(code="BENCH", name="Bench", legal_name="Bench LLC", industry="Telecom",
                        country="US", currency="USD", is_active=True)  # fmt: skip
        db.add(client)
        db.flush()
        contract = Contract(client_id=client.id, reference="K-1", currency="USD",
                            contingency_rate=Decimal("25"), settlement_floor=Decimal("60"),
                            effective_from=date(2020, 1, 1))  # fmt: skip
        db.add(contract)
        db.flush()
        for n in range(consumers):
            region, postal, area = rng.choice(STATES)
            phone_zones = zones_for_phone_digits(f"1{area}5550100")
            zones = candidate_zones(
                country="US", region=region, postal_code=postal, phone_zones=phone_zones
            )
            consumer = Consumer(first_name=f"F{n}", last_name=f"L{n}", country="US",
                                region=region, postal_code=postal,
                                timezones=list(zones))  # fmt: skip
            mobile = ContactPoint(
                channel=Channel.PHONE, kind="mobile", value=f"+1{area}55501{n % 100:02d}"
            )
            email = ContactPoint(channel=Channel.EMAIL, kind="personal", value=f"p{n}@example.com")
            consumer.contact_points = [mobile, email]
            case = Case(client_id=client.id, contract_id=contract.id, consumer=consumer,
                        client_reference=f"R{n:07d}", **cases_service.as_placed(consumer),
                        currency="USD", principal_minor=10_000, placed_minor=10_000)  # fmt: skip
            db.add_all([consumer, case])
            db.flush()
            service.set_at_placement(db, flags={mobile.id: service.Flags(consent=True)})
            people.append((consumer.id, mobile.id, email.id, case.id))
    # Each validation notice went out 40 days before: the validation period is over.
    notice_at = START - timedelta(days=40)
    # In chunks: each fact locks its consumer's chain until commit (lock table's size).
    for start in range(0, len(people), 2_000):
        with session_scope() as db, clock.frozen(notice_at):
            for consumer_id, _, _, case_id in people[start : start + 2_000]:
                service.record_fact(db, consumer_id=consumer_id, kind=FactKind.VALIDATION_SENT,
                                    actor_id=None, source=Source.SYSTEM, case_id=case_id,
                                    effective_at=notice_at)  # fmt: skip
    for k in range(history):
        with session_scope() as db, clock.frozen(START - timedelta(days=20 - k)):
            for consumer_id, mobile_id, email_id, case_id in people:
                channel = "sms" if k % 2 else "email"
                service.gate(db, consumer_id=consumer_id, channel=channel,  # type: ignore[arg-type]
                             contact_point_id=mobile_id if channel == "sms" else email_id,
                             case_ids=[case_id], actor_id=None, source=Source.STRATEGY,
                             automated=True)  # fmt: skip
    return people


def measure(people: list[tuple[int, int, int, int]], batch: int, seconds: float) -> dict[str, Any]:
    from agency.compliance import service
    from agency.compliance.models import Source
    from agency.db import session_scope
    from agency.kit import clock

    def ask(person: tuple[int, int, int, int], n: int) -> Any:
        consumer_id, mobile_id, email_id, case_id = person
        channel = "sms" if n % 2 else "email"
        return service.GateAsk(consumer_id=consumer_id, channel=channel,  # type: ignore[arg-type]
                               contact_point_id=mobile_id if channel == "sms" else email_id,
                               case_ids=[case_id], actor_id=None, source=Source.STRATEGY,
                               automated=True)  # fmt: skip

    single = 0
    started = time.perf_counter()
    with clock.frozen(START):
        while time.perf_counter() - started < seconds:
            a = ask(people[single % len(people)], single)
            with session_scope() as db:
                service.gate(db, consumer_id=a.consumer_id, channel=a.channel,
                             contact_point_id=a.contact_point_id, case_ids=a.case_ids,
                             actor_id=None, source=Source.STRATEGY, automated=True)  # fmt: skip
            single += 1
    single_s = time.perf_counter() - started
    many, allowed = 0, 0
    started = time.perf_counter()
    with clock.frozen(START + timedelta(minutes=1)):
        while time.perf_counter() - started < seconds:
            offset = (many // batch * batch) % len(people)
            asks = [ask(people[(offset + i) % len(people)], i) for i in range(batch)]
            with session_scope() as db:
                results = service.gate_many(db, asks)
            allowed += sum(r.allowed for r in results)
            many += len(asks)
    many_s = time.perf_counter() - started
    return {
        "single_decisions": single,
        "single_per_s": round(single / single_s),
        "batch_decisions": many,
        "batch_per_s": round(many / many_s),
        "batch_allowed_share": round(allowed / max(many, 1), 3),
        "ratio": round((many / many_s) / (single / single_s), 2),
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=["gate", "runner"], default="gate")
    parser.add_argument("--consumers", type=int, default=5_000, help="gate: consumers")
    parser.add_argument("--history", type=int, default=5, help="gate: earlier contacts each")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--cases", type=int, default=1_000_000, help="runner: the book")
    parser.add_argument("--due", type=int, default=200_000, help="runner: steps due now")
    parser.add_argument("--spare", type=int, default=5_000, help="runner: for the single path")
    parser.add_argument("--runners", type=int, default=2, help="runner: worker processes")
    quick = "gate: 2,000 consumers, 5 s each; runner: 50,000 cases, 10,000 due"
    parser.add_argument("--quick", action="store_true", help=quick)
    parser.add_argument(
        "--database-url", default="postgresql+psycopg://postgres@127.0.0.1/agency_bench_strategies"
    )
    args = parser.parse_args(argv)
    if args.part == "runner":
        if args.quick:
            args.cases, args.due, args.spare, args.seconds = 50_000, 10_000, 2_000, 5
        run_runner(args)
        return
    if args.quick:
        args.consumers, args.seconds = 2_000, 5
    setup_started = time.perf_counter()
    people = setup(args.database_url, args.consumers, args.history)
    figures = {"bench": "strategies", "part": args.part, "consumers": args.consumers,
               "history": args.history, "batch": args.batch,
               "setup_s": round(time.perf_counter() - setup_started, 1),
               **measure(people, args.batch, args.seconds)}  # fmt: skip
    print(f"single gate():        {figures['single_per_s']:>8} decisions/s")
    print(f"gate_many (batch {args.batch}): {figures['batch_per_s']:>8} decisions/s")
    print(f"ratio:                {figures['ratio']:>8}")
    print(json.dumps(figures))


def run_runner(args: argparse.Namespace) -> None:
    from bench import strategy_book
    from bench import strategy_runner as part

    book = strategy_book.build(args.database_url, args.cases, args.due, args.spare)
    single = part.single_path(book["spare"], args.seconds)
    before = part.max_ids(args.database_url)
    tick = part.tick(args.runners)
    floor = part.copy_floor(args.database_url, before)
    figures = {"bench": "strategies", "part": "runner", "cases": args.cases, "due": args.due,
               "runners": args.runners, "setup_s": book["setup_s"], **single, **tick,
               **floor}  # fmt: skip
    figures["ratio_to_single"] = round(tick["tick_per_s"] / max(single["single_per_s"], 1), 2)
    figures["share_of_copy"] = round(floor["copy_s"] / max(tick["tick_s"], 1e-9), 3)
    print(
        f"(a) runner tick:   {tick['tick_per_s']:>8} steps/s ({tick['tick_steps']} steps, "
        f"{args.runners} processes)"
    )
    print(f"(b) single gate(): {single['single_per_s']:>8} steps/s")
    print(f"(c) bare COPY:     {floor['copy_s']:>8} s for the same {floor['copy_rows']} rows")
    print(f"(a)/(b) {figures['ratio_to_single']}, (c)/(a) time {figures['share_of_copy']}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
