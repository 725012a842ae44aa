"""The case page of a consumer with a long history, against the same page with none.

    python bench/case_page.py [--entries 200] [--requests 300] [--quick] [--database-url URL]

On a fresh PostgreSQL database: one agent, and two consumers with one case each, both
in the agent's book.  The first case gets a history of ``--entries`` timeline items,
made through the real services with a frozen clock walking over the 60 days before now:
calls, texts and e-mails through the compliance gate (allowed ones with their outcome,
blocked ones as the gate wrote them), notes, status changes, a few promises and
callbacks.  The second has none.  Then ``GET /cases/{id}`` of each, alternately, through
the whole app (FastAPI's TestClient: routing, session, CSRF cookie, queries, template),
signed in over ``POST /login``:

- **ours**: the page of the case with the long history;
- **baseline**: the same page of the case with an empty timeline — what the page costs
  before its history.

Prints p50 / p95 / p99 for both and the ratio of their rates, then one line of JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import psycopg

PASSWORD = "bench-agent-password"  # noqa: S105 (a throwaway bench database)
ENV = {
    "AGENCY_BROKER_URL": "memory://",
    "AGENCY_LOG_LEVEL": "WARNING",
    "AGENCY_SECURE_COOKIES": "false",
    "AGENCY_SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789",
    "AGENCY_PII_KEY": "bench-pii-key-0123456789abcdef0123456789",
}


def fresh_database(url: str) -> None:
    base = psycopg.conninfo.conninfo_to_dict(url.replace("+psycopg", ""))
    with psycopg.connect(**dict(base, dbname="postgres"), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{base["dbname"]}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{base["dbname"]}"')


def setup(entries: int, seed: int = 3) -> tuple[int, int, int]:
    """(the busy case, the quiet case, timeline items made) on the migrated database."""
    from alembic import command
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from agency.auth import service as auth_service
    from agency.auth.models import Role
    from agency.auth.schemas import UserForm
    from agency.cases import actions, status
    from agency.cases import service as cases_service
    from agency.cases.models import (
        Callback,
        Case,
        CaseNote,
        CaseStatus,
        Channel,
        Consumer,
        ContactPoint,
        StatusChange,
    )
    from agency.clients.models import Client, Contract
    from agency.compliance import service
    from agency.compliance.models import FactKind, LedgerCase, Source
    from agency.db import alembic_config, session_scope
    from agency.kit import clock
    from agency.kit.phones import parse_phone
    from agency.kit.timezones import candidate_zones
    from agency.payments.models import PaymentPlan

    command.upgrade(alembic_config(), "head")
    rng = random.Random(seed)
    with session_scope() as db:
        client = Client(
            code="PAGE",
            name="Page Bench",
            legal_name="Page Bench LLC",
            industry="Card",
            country="US",
            currency="USD",
            is_active=True,
        )
        db.add(client)
        db.flush()
        contract = Contract(
            client_id=client.id,
            reference="PB-1",
            currency="USD",
            contingency_rate=Decimal(25),
            settlement_floor=Decimal(60),
            effective_from=date(2020, 1, 1),
        )
        db.add(contract)
        agent = auth_service.create_user(
            db,
            data=UserForm(
                email="agent@bench.example.com",
                full_name="Page Agent",
                role=Role.AGENT,
                is_active=True,
                password=PASSWORD,
            ),
        )
        db.flush()
        case_ids = []
        for n, (first, last) in enumerate([("Busy", "Consumer"), ("Quiet", "Consumer")]):
            phone = f"+1312555010{n}"
            parsed = parse_phone(phone, "US")
            consumer = Consumer(
                first_name=first,
                last_name=last,
                country="US",
                region="IL",
                postal_code="60601",
                language="en",
                timezones=list(
                    candidate_zones(
                        country="US",
                        region="IL",
                        postal_code="60601",
                        phone_zones=parsed.timezones if parsed else (),
                    )
                ),
            )
            consumer.contact_points = [
                ContactPoint(
                    channel=Channel.PHONE,
                    kind="mobile",
                    value=phone,
                    line_type="mobile",
                    source_client_id=client.id,
                ),
                ContactPoint(
                    channel=Channel.EMAIL,
                    kind="personal",
                    value=f"{first.lower()}@example.com",
                    source_client_id=client.id,
                ),
                ContactPoint(
                    channel=Channel.ADDRESS,
                    kind="home",
                    value="1 Main St, Chicago IL 60601",
                    source_client_id=client.id,
                ),
            ]
            case = Case(
                client_id=client.id,
                contract_id=contract.id,
                consumer=consumer,
                client_reference=f"P{n:06d}",
                **cases_service.as_placed(consumer),
                currency="USD",
                principal_minor=250_000,
                interest_minor=12_000,
                placed_minor=262_000,
                status=CaseStatus.ACTIVE,
                assigned_agent_id=agent.id,
                original_creditor="Page Bench LLC",
                product="card",
            )
            db.add_all([consumer, case])
            db.flush()
            mobile_id = consumer.contact_points[0].id
            service.set_at_placement(db, flags={mobile_id: service.Flags(consent=True)})
            case_ids.append(case.id)
        busy_id, quiet_id = case_ids
        agent_id = agent.id

    def items(db: Session) -> int:
        return sum(
            db.scalar(select(func.count()).select_from(model).where(model.case_id == busy_id)) or 0
            for model in (LedgerCase, CaseNote, StatusChange, PaymentPlan, Callback)
        )

    at = datetime.now(UTC).replace(microsecond=0) - timedelta(days=60)
    step = timedelta(days=60) / (entries + 1)
    made = 0
    with session_scope() as db:
        case = db.get_one(Case, busy_id)
        points = {
            p.channel: p.id
            for p in db.scalars(
                select(ContactPoint).where(ContactPoint.consumer_id == case.consumer_id)
            )
        }
        with clock.frozen(at):
            service.record_fact(
                db,
                consumer_id=case.consumer_id,
                kind=FactKind.VALIDATION_SENT,
                case_id=case.id,
                actor_id=None,
                source=Source.SYSTEM,
            )
        made = items(db)
        n = 0
        while made < entries:
            n += 1
            at += step + timedelta(minutes=rng.randint(0, 600))
            left = entries - made
            roll = rng.random()
            with clock.frozen(at):
                if left >= 3 and roll < 0.5:
                    channel = rng.choices(["call", "sms", "email"], [6, 2, 2])[0]
                    result = service.gate(
                        db,
                        consumer_id=case.consumer_id,
                        channel=channel,  # type: ignore[arg-type]
                        contact_point_id=points[
                            Channel.EMAIL if channel == "email" else Channel.PHONE
                        ],
                        case_ids=[case.id],
                        actor_id=agent_id if channel == "call" else None,
                        source=Source.AGENT if channel == "call" else Source.STRATEGY,
                    )
                    if result.allowed:
                        outcome = (
                            rng.choice(["no_answer", "voicemail", "conversation"])
                            if channel == "call"
                            else "delivered"
                        )
                        service.record_outcome(
                            db,
                            attempt_id=result.entry.id,
                            outcome=outcome,  # type: ignore[arg-type]
                            actor_id=result.entry.actor_id,
                            source=result.entry.source,
                        )
                elif left >= 3 and roll < 0.6 and case.status in actions._WORKING:
                    if rng.random() < 0.5:
                        actions.record_promise(
                            db,
                            case=case,
                            actor_id=agent_id,
                            amount_minor=rng.randint(5_000, 50_000),
                            due=(at + timedelta(days=rng.randint(2, 20))).date(),
                        )
                    else:
                        actions.record_callback(
                            db,
                            case=case,
                            actor_id=agent_id,
                            due_at=at + timedelta(days=rng.randint(1, 5)),
                        )
                elif (
                    left >= 2
                    and roll < 0.75
                    and (
                        targets := [
                            s for s in status.decisions(case.status) if s in actions._WORKING
                        ]
                    )
                ):
                    target = rng.choice(targets)
                    actions.change_status(
                        db,
                        case=case,
                        actor_id=agent_id,
                        to=target,
                        reason=f"bench: step {n}",
                    )
                else:
                    actions.add_note(
                        db,
                        case=case,
                        actor_id=agent_id,
                        body=f"Spoke about the balance ({n}); "
                        + rng.choice(["will call back", "asked for a letter", "no answer"]),
                    )
            db.flush()
            made = items(db)
    return busy_id, quiet_id, made


def percentile_ms(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def measure(busy: int, quiet: int, requests: int) -> dict[str, list[float]]:
    """Latencies of GET /cases/{id} for both cases, alternately, signed in as the agent."""
    from fastapi.testclient import TestClient

    from agency.main import create_app

    token = re.compile(r'name="csrf_token" value="([^"]+)"')
    timings: dict[str, list[float]] = {"ours": [], "baseline": []}
    with TestClient(create_app(), base_url="http://testserver", follow_redirects=False) as web:
        found = token.search(web.get("/login").text)
        assert found is not None
        answer = web.post(
            "/login",
            data={
                "email": "agent@bench.example.com",
                "password": PASSWORD,
                "csrf_token": found.group(1),
            },
        )
        assert answer.status_code == 303, answer.status_code
        pages = {"ours": f"/cases/{busy}", "baseline": f"/cases/{quiet}"}
        for name, url in pages.items():  # warm: templates compiled, statements cached
            for _ in range(5):
                page = web.get(url)
                assert page.status_code == 200, (name, page.status_code)
        for n in range(requests):
            order = ["ours", "baseline"] if n % 2 == 0 else ["baseline", "ours"]
            for name in order:
                started = time.perf_counter()
                page = web.get(pages[name])
                timings[name].append(time.perf_counter() - started)
                assert page.status_code == 200
    return timings


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=200, help="timeline items of the case")
    parser.add_argument("--requests", type=int, default=300, help="page loads of each case")
    parser.add_argument("--quick", action="store_true", help="50 page loads each")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "AGENCY_BENCH_CASE_PAGE_DATABASE_URL",
            "postgresql+psycopg://postgres@127.0.0.1/agency_bench_case_page",
        ),
        help="a PostgreSQL database to recreate",
    )
    args = parser.parse_args(argv)
    requests = 50 if args.quick else args.requests
    os.environ.update(ENV, AGENCY_DATABASE_URL=args.database_url)
    fresh_database(args.database_url)
    started = time.perf_counter()
    busy, quiet, made = setup(args.entries)
    built = time.perf_counter() - started
    timings = measure(busy, quiet, requests)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def rate(values: Sequence[float]) -> float:
        return len(values) / sum(values)

    ratio = rate(timings["ours"]) / rate(timings["baseline"])
    print(f"case page: {made} timeline items (built in {built:.1f} s) vs an empty timeline")
    print(f"{'GET /cases/{id}':<34}{'pages/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for name, label in (("ours", f"{made} timeline items"), ("baseline", "empty timeline")):
        values = timings[name]
        print(
            f"{label:<34}{rate(values):>9.1f}{percentile_ms(values, 0.5):>9.1f}"
            f"{percentile_ms(values, 0.95):>9.1f}{percentile_ms(values, 0.99):>9.1f}"
        )
    p95 = percentile_ms(timings["ours"], 0.95)
    print(f"ratio (pages/s, ours / baseline): {ratio:.3f}; peak RSS {peak_mb:.0f} MB")
    print(f"target p95 < 100 ms with {made} items: {'met' if p95 < 100 else 'NOT met'}")
    print(
        json.dumps(
            {
                "bench": "case_page",
                "timeline_items": made,
                "requests": requests,
                "ours_p50_ms": round(percentile_ms(timings["ours"], 0.5), 2),
                "ours_p95_ms": round(percentile_ms(timings["ours"], 0.95), 2),
                "ours_p99_ms": round(percentile_ms(timings["ours"], 0.99), 2),
                "baseline_p50_ms": round(percentile_ms(timings["baseline"], 0.5), 2),
                "baseline_p95_ms": round(percentile_ms(timings["baseline"], 0.95), 2),
                "ratio": round(ratio, 3),
                "build_s": round(built, 1),
                "peak_rss_mb": round(peak_mb, 1),
                "target_met": p95 < 100,
            }
        )
    )


if __name__ == "__main__":
    main()
