"""The compliance rule engine against a trivial gate, in one run, on one core.

    python bench/compliance.py [--facts N] [--seconds S] [--quick]

Part 1 (pure, no database): decisions per second of ``engine.evaluate`` on N synthetic
fact sets — realistic 50-event histories (calls, texts, e-mails, letters over the 90 days
before the attempt, 1-3 debts, some consents) over a mix of consumers: US states (IL,
CA, MA, WA, NY/NYC, a ZIP/area-code conflict spanning two zones), Australia (NSW, WA),
Canada (ON, QC) and the UK — and, in the same run, two baselines:

- **facts**: building the ``Facts`` for each question (``dataclasses.replace`` with a
  copied history): what a caller pays before it even asks;
- **time-only**: a trivial gate that derives the zones (cached, as ours) and checks only
  the 08:00-21:00 rule in each zone — the least any correct gate must do.  The ratio
  ours/time-only says what the other ~20 rules, the history and the next-allowed search
  cost on top of that.

Part 2 (``bench_gate``): gate round trips on PostgreSQL against a bare INSERT of the same
ledger row (its search rows included: the table's trigger writes them), and, for the
record, the row alone with triggers off.  Prints a table, then one line of JSON.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import random
import resource
import time as clock
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from agency.compliance.engine import evaluate
from agency.compliance.facts import (
    Attempt,
    AttemptChannel,
    CaseFacts,
    Consent,
    ConsumerFacts,
    ContactPointFacts,
    Facts,
    HistoryEvent,
    InconvenientTime,
    Outcome,
)
from agency.compliance.rules.base import zone_info
from agency.compliance.zones import candidate_zones

# (label, country, region, postal code, home phone, mobile phone, weight)
CONSUMERS = [
    ("US-IL", "US", "IL", "60601", "+13125550100", "+13125550101", 3),
    ("US-CA", "US", "CA", "94103", "+14155550100", "+14155550101", 2),
    ("US-MA", "US", "MA", "02108", "+16175550100", "+16175550101", 1),
    ("US-WA", "US", "WA", "98101", "+12065550100", "+12065550101", 1),
    ("US-NYC", "US", "NY", "11201", "+17185550100", "+19175550101", 1),
    ("US-2zones", "US", "IL", "60601", "+12135550100", "+13125550101", 2),
    ("AU-NSW", "AU", "NSW", "2000", "+61298765432", "+61412345678", 1),
    ("AU-WA", "AU", "WA", "6000", "+61892345678", "+61412345679", 1),
    ("CA-ON", "CA", "ON", "M5H 2N2", "+14165550100", "+14165550101", 1),
    ("CA-QC", "CA", "QC", "H2X 1Y4", "+15145550100", "+15145550101", 1),
    ("UK", "GB", None, "SW1A 1AA", "+442079460000", "+447700900123", 1),
]
CHANNEL_MIX: list[tuple[AttemptChannel, Outcome, float]] = [
    ("call", "not_connected", 0.10),
    ("call", "no_answer", 0.20),
    ("call", "voicemail", 0.15),
    ("call", "conversation", 0.05),
    ("sms", "delivered", 0.20),
    ("email", "delivered", 0.15),
    ("email", "failed", 0.03),
    ("letter", "delivered", 0.12),
]


def make_facts(rng: random.Random, count: int, events: int = 50) -> list[tuple[str, Facts]]:
    weighted = [c for c in CONSUMERS for _ in range(c[6])]
    base = datetime(2026, 3, 2, 12, tzinfo=UTC)  # spans the US DST change in March
    found = []
    for _ in range(count):
        label, country, region, postal, home, mobile, _w = rng.choice(weighted)
        points = (
            ContactPointFacts(id="h", channel="phone", value=home, kind="home"),
            ContactPointFacts(id="m", channel="phone", value=mobile, kind="mobile", consent=True),
            ContactPointFacts(id="e", channel="email", value="a@example.com", kind="personal"),
            ContactPointFacts(id="a", channel="address", value="1 Main St", kind="home"),
        )
        inconvenient = (
            (InconvenientTime(start=time(12), end=time(13)),) if rng.random() < 0.2 else ()
        )
        consumer = ConsumerFacts(
            country=country,
            region=region,
            postal_code=postal,
            contact_points=points,
            inconvenient_times=inconvenient,
        )
        case_ids = tuple(f"C{i}" for i in range(rng.randint(1, 3)))
        at = base + timedelta(days=rng.randint(0, 60), minutes=rng.randint(0, 24 * 60 - 1))
        cases = tuple(CaseFacts(id=c, validation_sent_at=at - timedelta(days=50)) for c in case_ids)
        history = []
        for _ in range(events):
            channel, outcome, _p = rng.choices(CHANNEL_MIX, weights=[m[2] for m in CHANNEL_MIX])[0]
            point = {"call": rng.choice("hm"), "sms": "m", "email": "e", "letter": "a"}[channel]
            history.append(
                HistoryEvent(
                    at=at - timedelta(minutes=rng.randint(1, 90 * 24 * 60)),
                    channel=channel,
                    direction="inbound" if rng.random() < 0.05 else "outbound",
                    contact_point=point,
                    case_ids=tuple(rng.sample(case_ids, rng.randint(1, len(case_ids)))),
                    outcome=outcome,
                )
            )
        consents = (
            (Consent(at=at - timedelta(days=2), case_ids=(case_ids[0],)),)
            if rng.random() < 0.1
            else ()
        )
        channel = rng.choice(["call", "call", "call", "sms", "email", "letter"])
        point = {"call": rng.choice("hm"), "sms": "m", "email": "e", "letter": "a"}[channel]
        template = {"sms": "payment-reminder-sms", "email": "payment-reminder-email"}.get(channel)
        attempt = Attempt(
            at=at, channel=channel, contact_point=point, case_ids=case_ids, template=template
        )
        facts = Facts(
            consumer=consumer,
            cases=cases,
            attempt=attempt,
            now=at,
            history=tuple(history),
            consents=consents,
        )
        found.append((label, facts))
    return found


def time_only(facts: Facts) -> bool:
    """The trivial gate: 08:00 <= local < 21:00 in every candidate zone."""
    at = facts.attempt.at
    for zone in candidate_zones(facts.consumer):
        hour = at.astimezone(zone_info(zone)).hour
        if not 8 <= hour < 21:
            return False
    return True


def copy_facts(facts: Facts) -> Facts:
    return dataclasses.replace(facts, history=(*facts.history,))


def rate(fn: Callable[[Facts], object], facts: Sequence[Facts], seconds: float) -> float:
    """Calls per second of ``fn`` over ``facts``, repeated for at least ``seconds``."""
    for item in facts[:200]:  # warm caches (zones, holidays) as a running gate would be
        fn(item)
    gc.collect()
    done = 0
    started = clock.perf_counter()
    elapsed = 0.0
    while elapsed < seconds:
        for item in facts:
            fn(item)
        done += len(facts)
        elapsed = clock.perf_counter() - started
    return done / elapsed


def bench_pure(count: int, seconds: float, seed: int = 11) -> dict[str, object]:
    rng = random.Random(seed)
    labelled = make_facts(rng, count)
    facts = [f for _l, f in labelled]
    decisions = [evaluate(f) for f in facts]
    blocked = sum(not d.allowed for d in decisions)
    waiting = sum(d.next_allowed_at is not None for d in decisions)
    ours = rate(evaluate, facts, seconds)
    trivial = rate(time_only, facts, seconds)
    copying = rate(copy_facts, facts, seconds)
    per_label: dict[str, float] = {}
    for label, *_rest in CONSUMERS:
        subset = [f for lab, f in labelled if lab == label]
        if subset:
            per_label[label] = rate(evaluate, subset, max(seconds / 10, 0.2))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'measure':<34}{'per second':>14}{'µs each':>10}")
    for name, value in (
        ("ours: evaluate (all rules)", ours),
        ("baseline: time-of-day only", trivial),
        ("baseline: copy the facts", copying),
    ):
        print(f"{name:<34}{value:>14,.0f}{1e6 / value:>10.1f}")
    for label, value in per_label.items():
        print(f"{'  ours, ' + label:<34}{value:>14,.0f}{1e6 / value:>10.1f}")
    print(
        f"{count} fact sets, 50 events each; {blocked} blocked, {waiting} with a "
        f"next_allowed_at; ratio ours/time-only {ours / trivial:.3f}; peak RSS {peak_mb:.0f} MB"
    )
    return {
        "facts": count,
        "events_per_history": 50,
        "decisions_per_s": round(ours),
        "baseline_time_only_per_s": round(trivial),
        "baseline_copy_facts_per_s": round(copying),
        "ratio": round(ours / trivial, 3),
        "blocked_share": round(blocked / count, 3),
        "peak_rss_mb": round(peak_mb),
    }


def bench_gate(url: str, consumers: int, history: int, seconds: float) -> dict[str, object]:
    """Part 2: gate round trips (lock, facts, decision, ledger write, commit) per second on
    PostgreSQL, against a bare INSERT (+ commit) of the same ledger row, in one run."""
    import os

    import psycopg
    from alembic import command
    from sqlalchemy import func, insert, select

    # Part 1 leaves a large heap (its fact sets, the engine's caches); freeze it so the
    # cyclic collector does not rescan it during every ORM allocation burst here.
    gc.collect()
    gc.freeze()
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
    import agency.config
    import agency.db

    agency.config.get_settings.cache_clear()
    agency.db.get_engine.cache_clear()
    agency.db.get_sessionmaker.cache_clear()
    from agency.cases import service as cases_service
    from agency.cases.models import Case, Channel, Consumer, ContactPoint
    from agency.clients.models import Client, Contract
    from agency.compliance import service
    from agency.compliance.models import LedgerEntry, Source
    from agency.db import alembic_config, get_engine, session_scope
    from agency.kit import clock as agency_clock
    from agency.kit.timezones import candidate_zones as zones
    from agency.kit.timezones import zones_for_phone_digits

    command.upgrade(alembic_config(), "head")
    rng = random.Random(5)
    states = [
        ("IL", "60601", "312"),
        ("CA", "94103", "415"),
        ("NY", "10001", "212"),
        ("TX", "75201", "214"),
        ("FL", "33101", "305"),
        ("MA", "02108", "617"),
    ]
    people: list[tuple[int, int, int, int]] = []  # consumer, mobile, email, case
    with session_scope() as db:
        client = Client(
            code="BENCH",
            name="Bench",
            legal_name="Bench LLC",
            industry="Lending",
            country="US",
            currency="USD",
            is_active=True,
        )
        db.add(client)
        db.flush()
        contract = Contract(
            client_id=client.id,
            reference="K-1",
            currency="USD",
            contingency_rate=Decimal("25"),
            settlement_floor=Decimal("60"),
            effective_from=date(2020, 1, 1),
        )
        db.add(contract)
        db.flush()
        for n in range(consumers):
            region, postal, area = rng.choice(states)
            consumer = Consumer(
                first_name=f"F{n}",
                last_name=f"L{n}",
                country="US",
                region=region,
                postal_code=postal,
                # Derived once at intake, as referral intake stores them.
                timezones=list(
                    zones(
                        country="US",
                        region=region,
                        postal_code=postal,
                        phone_zones=zones_for_phone_digits(f"1{area}5550100"),
                    )
                ),
            )
            mobile = ContactPoint(
                channel=Channel.PHONE,
                kind="mobile",
                value=f"+1{area}55501{n % 100:02d}",
            )
            email = ContactPoint(channel=Channel.EMAIL, kind="personal", value=f"p{n}@example.com")
            consumer.contact_points = [mobile, email]
            case = Case(
                client_id=client.id,
                contract_id=contract.id,
                consumer=consumer,
                client_reference=f"R{n:07d}",
                **cases_service.as_placed(consumer),
                currency="USD",
                principal_minor=10_000,
                placed_minor=10_000,
            )
            db.add_all([consumer, case])
            db.flush()
            service.set_at_placement(db, flags={mobile.id: service.Flags(consent=True)})
            people.append((consumer.id, mobile.id, email.id, case.id))
    start = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)  # a Monday, 13:00 in Chicago

    def round_trip(person: tuple[int, int, int, int], channel: str) -> None:
        consumer_id, mobile_id, email_id, case_id = person
        with session_scope() as db:
            result = service.gate(
                db,
                consumer_id=consumer_id,
                channel=channel,  # type: ignore[arg-type]
                contact_point_id=email_id if channel == "email" else mobile_id,
                case_ids=[case_id],
                actor_id=None,
                source=Source.STRATEGY,
            )
            if result.allowed:
                service.record_outcome(
                    db,
                    attempt_id=result.entry.id,
                    outcome="no_answer" if channel == "call" else "delivered",
                    actor_id=None,
                    source=Source.STRATEGY,
                )

    # History: `history` decisions per consumer over the 3 weeks before the measured day.
    with agency_clock.frozen(start - timedelta(days=21)):
        for _ in range(history):
            for person in people:
                agency_clock.advance(timedelta(seconds=21 * 86_400 / (history * len(people) + 1)))
                round_trip(person, rng.choice(["call", "call", "sms", "email"]))
    engine = get_engine()
    with engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()

    def timed(fn: Callable[[], None]) -> tuple[float, list[float]]:
        latencies: list[float] = []
        began = clock.perf_counter()
        while clock.perf_counter() - began < seconds:
            t0 = clock.perf_counter()
            fn()
            latencies.append(clock.perf_counter() - t0)
        return len(latencies) / (clock.perf_counter() - began), latencies

    with agency_clock.frozen(start):

        def ours() -> None:
            agency_clock.advance(timedelta(milliseconds=50))
            with session_scope() as db:
                consumer_id, mobile_id, _email, case_id = rng.choice(people)
                service.gate(
                    db,
                    consumer_id=consumer_id,
                    channel="call",
                    contact_point_id=mobile_id,
                    case_ids=[case_id],
                    actor_id=None,
                    source=Source.STRATEGY,
                )

        ours_rate, ours_lat = timed(ours)
    with engine.connect() as connection:
        sample = (
            connection.execute(
                select(LedgerEntry.__table__).order_by(LedgerEntry.id.desc()).limit(1)
            )
            .mappings()
            .one()
        )
    row = {k: v for k, v in sample.items() if k != "id"}

    def bare() -> None:
        with engine.begin() as connection:
            connection.execute(insert(LedgerEntry.__table__).values(**row))

    bare_rate, bare_lat = timed(bare)

    def row_alone() -> None:  # for the record: the row without its search rows
        with engine.begin() as connection:
            connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
            connection.execute(insert(LedgerEntry.__table__).values(**row))

    alone_rate, _ = timed(row_alone)
    entries = 0
    with engine.connect() as connection:
        entries = connection.execute(select(func.count()).select_from(LedgerEntry)).scalar_one()
    engine.dispose()

    def pct(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return {
        "gate_round_trips_s": round(ours_rate, 1),
        "bare_insert_s": round(bare_rate, 1),
        "gate_ratio": round(ours_rate / bare_rate, 3),
        "gate_p50_ms": round(pct(ours_lat, 0.5), 2),
        "gate_p99_ms": round(pct(ours_lat, 0.99), 2),
        "insert_p50_ms": round(pct(bare_lat, 0.5), 2),
        "row_alone_insert_s": round(alone_rate, 1),
        "consumers": consumers,
        "ledger_entries": entries,
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--facts", type=int, default=5000, help="distinct fact sets")
    parser.add_argument("--seconds", type=float, default=5.0, help="time per measurement")
    parser.add_argument("--quick", action="store_true", help="small and short (CI)")
    parser.add_argument("--consumers", type=int, default=2000, help="part 2: consumers")
    parser.add_argument("--history", type=int, default=5, help="part 2: decisions each")
    parser.add_argument(
        "--database-url",
        default="postgresql+psycopg://postgres@127.0.0.1/agency_bench_gate",
        help="part 2: a PostgreSQL database to recreate",
    )
    args = parser.parse_args(argv)
    count, seconds = (500, 1.0) if args.quick else (args.facts, args.seconds)
    figures = bench_pure(count, seconds)
    consumers, history = (100, 4) if args.quick else (args.consumers, args.history)
    gate = bench_gate(args.database_url, consumers, history, 3.0 if args.quick else 20.0)
    print()
    print("part 2: gate round trips on PostgreSQL (one transaction each)")
    print(f"  ledger entries before:      {gate['ledger_entries']:>10,}")
    print(f"  bare INSERT + commit /s:    {gate['bare_insert_s']:>10,.1f}")
    print(f"  gate round trips /s:        {gate['gate_round_trips_s']:>10,.1f}")
    print(f"  ratio (target >= 0.3):      {gate['gate_ratio']:>10.3f}")
    print(f"  (row alone, no search rows: {gate['row_alone_insert_s']:>10,.1f} /s)")
    print(f"  gate p50 / p99 ms:          {gate['gate_p50_ms']:>6} / {gate['gate_p99_ms']}")
    figures.update(gate)
    print(json.dumps({"bench": "compliance", **figures}))


if __name__ == "__main__":
    main()
