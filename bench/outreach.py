"""Texts through the outbox: queued messages sent by the real job code through the real
Twilio SDK, whose HTTP client is an in-process fake that answers like Twilio
(``tests/fixtures/twilio.py``), against bare INSERTs of the same outbox row, in one run.

    python bench/outreach.py [--texts N] [--workers W] [--pool P] [--quick] [--database-url URL]

Setup (not timed as sends): N texts queued through the gate (``outbox.queue``, the
ledger entry and the outbox row in one transaction), three per consumer at most (the
agency's default cap of texts a week).  Measured: W worker processes (2 cores: 2) each
run the sending job the sweep queues (``deliver_batch``, ``--batch`` messages a job)
over its share of the queued messages — the gate asked again for the batch, ``sending``
committed, the SDK's requests, ``sent`` committed — and, in the same run, W processes
inserting the same number of bare outbox rows, one transaction each; then ``--single``
more texts one message a job (what an agent's click queues).  ``--pool P``: the texts
come from a pool of P numbers, paced by us (``outreach.pacing``), instead of the Messaging
Service; the clock runs (frozen at office hours, moved by the real time elapsed), so a
pool must hold at least as many numbers as the sends/s reached or pacing holds texts
back (reported as "pending").  Last, ``--paced`` texts from a 10-number pool, the job
run every 0.1 s, show the pace: about 10 segments a second.  Prints sends/s, the
ratio, a job's p50/p99, peak RSS, the one-message figures, then one line of JSON.  Targets
(issue 15): >= 500 sends/s on 2 cores, ratio >= 0.2, RSS < 400 MB.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import sys
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.fixtures.twilio: the in-process Twilio
START = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)  # a Monday, 10:00 in Chicago


def _environment(url: str) -> None:
    os.environ.update(
        AGENCY_DATABASE_URL=url,
        AGENCY_BROKER_URL="memory://",
        AGENCY_LOG_LEVEL="WARNING",
        AGENCY_SECRET_KEY="bench-secret-key-0123456789abcdef0123456789",  # noqa: S106
        AGENCY_PII_KEY="bench-pii-key-0123456789abcdef0123456789",
        AGENCY_PUBLIC_URL="https://collect.example.com",
        AGENCY_TWILIO_ACCOUNT_SID="AC" + "1" * 32,
        AGENCY_TWILIO_AUTH_TOKEN="0123456789abcdef0123456789abcdef",  # noqa: S106
        AGENCY_TWILIO_MESSAGING_SERVICE_SID="MG" + "2" * 32,
        AGENCY_LEDGER_CHECKPOINT_DIR=str(ROOT / "var" / "bench-outreach-checkpoints"),
    )


def setup(url: str, texts: int) -> list[int]:
    """A fresh database with ``texts`` texts queued; returns the messages' ids."""
    import psycopg
    from alembic import command
    from sqlalchemy import select

    base = psycopg.conninfo.conninfo_to_dict(url.replace("+psycopg", ""))
    with psycopg.connect(**dict(base, dbname="postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{base["dbname"]}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{base["dbname"]}"')
    _environment(url)
    from agency.cases import service as cases_service
    from agency.cases.models import Case, Channel, Consumer, ContactPoint
    from agency.clients.models import Client, Contract
    from agency.compliance import service as compliance
    from agency.compliance.templates import get as builtin_template
    from agency.db import alembic_config, get_engine, session_scope
    from agency.kit import clock
    from agency.outreach import outbox
    from agency.outreach.models import MessageChannel

    command.upgrade(alembic_config(), "head")
    consumers = (texts + 2) // 3
    people: list[tuple[int, int, int, str]] = []  # consumer, mobile, case, number
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
        client_id = client.id
        for n in range(consumers):
            consumer = Consumer(
                first_name=f"F{n}",
                last_name=f"L{n}",
                country="US",
                region="IL",
                postal_code="60601",
                timezones=["America/Chicago"],
            )
            number = f"+1312{n // 10000 % 1000:03d}{n % 10000:04d}"
            mobile = ContactPoint(channel=Channel.PHONE, kind="mobile", value=number)
            consumer.contact_points = [mobile]
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
            if n % 1000 == 999:
                db.flush()
        db.flush()
        rows = db.execute(select(Case.consumer_id, Case.id)).all()
        points = {p.consumer_id: (p.id, p.value) for p in db.scalars(select(ContactPoint))}
        consent = compliance.Flags(consent=True)
        compliance.set_at_placement(db, flags={point: consent for point, _ in points.values()})
        people = [
            (consumer_id, points[consumer_id][0], case_id, points[consumer_id][1])
            for consumer_id, case_id in rows
        ]
    # Each fact locks its consumer's ledger chain: a transaction per 500 of them.
    with clock.frozen(START - timedelta(days=30)):
        for start in range(0, len(people), 500):
            with session_scope() as db:
                for consumer_id, _point, case_id, _number in people[start : start + 500]:
                    compliance.record_fact(
                        db,
                        consumer_id=consumer_id,
                        kind=compliance.FactKind.VALIDATION_SENT,
                        actor_id=None,
                        source=compliance.Source.SYSTEM,
                        case_id=case_id,
                    )
    template = builtin_template("payment-reminder-sms")
    assert template is not None
    outbox.enqueue = lambda *args: None  # type: ignore[assignment]  # measured below, not now
    ids: list[int] = []
    body = "Bench Recovery, a debt collector: about your account R{ref}. Reply STOP to opt out."
    with clock.frozen(START):
        for _round in range(3):
            for start in range(0, len(people), 500):
                with session_scope() as db:
                    for consumer_id, point_id, case_id, number in people[start : start + 500]:
                        if len(ids) >= texts:
                            break
                        clock.advance(timedelta(milliseconds=1))
                        message = outbox.queue(
                            db,
                            case_id=case_id,
                            consumer_id=consumer_id,
                            client_id=client_id,
                            contact_point_id=point_id,
                            to_address=number,
                            draft=outbox.Draft(
                                channel=MessageChannel.SMS,
                                body=body.format(ref=case_id),
                                gate_template=template,
                            ),
                            provider="twilio",
                            by_user_id=None,
                            source=compliance.Source.STRATEGY,
                        )
                        ids.append(message.id)
            if len(ids) >= texts:
                break
    with get_engine().connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    get_engine().dispose()
    return ids


def _twilio(pool: int) -> Any:
    """This process's Twilio: the real SDK over the in-process fake, from the Messaging
    Service (``pool`` 0) or from a pool of ``pool`` numbers, paced by us."""
    from agency.config import get_settings
    from agency.outreach import providers
    from agency.outreach.channels.twilio_sms import TwilioSms
    from tests.fixtures.twilio import ACCOUNT_SID, AUTH_TOKEN, MESSAGING_SERVICE_SID, FakeTwilio

    settings = get_settings()
    service = "" if pool else MESSAGING_SERVICE_SID
    settings.twilio_messaging_service_sid = service
    settings.twilio_from_numbers = ",".join(f"+1872555{n:04d}" for n in range(pool))
    fake = FakeTwilio()
    providers.install(
        "twilio",
        TwilioSms(
            account_sid=ACCOUNT_SID,
            auth_token=AUTH_TOKEN,
            messaging_service_sid=service,
            http_client=fake,
        ),
    )
    return fake


def _running_clock(began: float) -> None:
    """The frozen clock moved to the bench's start plus the real time elapsed: the gate
    sees office hours in Chicago, pacing sees time pass (workers forked together agree
    to within milliseconds)."""
    from agency.kit import clock

    clock.advance(START + timedelta(minutes=5, seconds=time.perf_counter() - began) - clock.now())


def _send_share(url: str, ids: list[int], batch: int, pool: int, out: Any) -> None:
    """One worker process: the sending job over ``ids``, ``batch`` messages a job (the
    sweep's batches; 1: the job an agent's click queues), each job timed."""
    _environment(url)
    from agency.kit import clock
    from agency.outreach import sending

    fake = _twilio(pool)
    latencies = []
    outcomes: dict[str, int] = {}
    started = time.perf_counter()
    with clock.frozen(START + timedelta(minutes=5)):
        for start in range(0, len(ids), batch):
            _running_clock(started)
            began = time.perf_counter()
            done = sending.deliver_batch(ids[start : start + batch])
            latencies.append(time.perf_counter() - began)
            for said, count in done.items():
                outcomes[said] = outcomes.get(said, 0) + count
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out.put(
        {"latencies": latencies, "outcomes": outcomes, "rss_mb": rss, "posted": len(fake.messages)}
    )


def _paced(url: str, ids: list[int], pool: int, out: Any) -> None:
    """One worker: ``ids`` (one segment each) from a pool of ``pool`` numbers, the sending
    job every 0.1 s over them (a text not yet due is left: the sweep's view), until all
    have left; when each left, in real seconds."""
    _environment(url)
    from agency.kit import clock
    from agency.outreach import sending

    fake = _twilio(pool)
    started = time.perf_counter()
    left: list[float] = []
    with clock.frozen(START + timedelta(minutes=5)):
        while len(left) < len(ids) and time.perf_counter() - started < 60:
            _running_clock(started)
            sent = sending.deliver_batch(ids).get("sent", 0)
            left.extend([time.perf_counter() - started] * sent)
            time.sleep(0.1)
    out.put({"left": left, "posted": len(fake.messages)})


def _insert_share(url: str, count: int, row: dict[str, Any], offset: int, out: Any) -> None:
    """One process: ``count`` bare INSERTs of the outbox row, one transaction each."""
    from sqlalchemy import create_engine, insert

    from agency.outreach.models import OutboxMessage

    engine = create_engine(url)
    began = time.perf_counter()
    for n in range(count):
        with engine.begin() as connection:
            connection.execute(
                insert(OutboxMessage.__table__).values(**row, message_key=f"bare-{offset + n}")
            )
    out.put(time.perf_counter() - began)
    engine.dispose()


def _processes(target: Any, shares: list[tuple[Any, ...]]) -> tuple[float, list[Any]]:
    context = multiprocessing.get_context("fork")
    out = context.Queue()
    workers = [context.Process(target=target, args=(*share, out)) for share in shares]
    began = time.perf_counter()
    for worker in workers:
        worker.start()
    results = [out.get() for _ in workers]
    for worker in workers:
        worker.join()
    return time.perf_counter() - began, results


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--texts", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=100, help="messages a sending job takes")
    parser.add_argument(
        "--single", type=int, default=1000, help="then this many more, one message a job"
    )
    parser.add_argument(
        "--pool",
        type=int,
        default=0,
        help="texts from a pool of this many numbers, paced by us (0: the Messaging Service)",
    )
    parser.add_argument(
        "--paced", type=int, default=100, help="then this many texts from a 10-number pool"
    )
    parser.add_argument("--quick", action="store_true", help="2,000 texts (CI)")
    parser.add_argument(
        "--database-url", default="postgresql+psycopg://postgres@127.0.0.1/agency_bench_outreach"
    )
    args = parser.parse_args(argv)
    texts = 2_000 if args.quick else args.texts
    single = 400 if args.quick else args.single
    began = time.perf_counter()
    every = setup(args.database_url, texts + single + args.paced)
    ids, ones, paced = every[:texts], every[texts : texts + single], every[texts + single :]
    queued_s = time.perf_counter() - began
    shares = [
        (args.database_url, ids[w :: args.workers], args.batch, args.pool)
        for w in range(args.workers)
    ]
    send_s, results = _processes(_send_share, shares)
    one_shares = [
        (args.database_url, ones[w :: args.workers], 1, args.pool) for w in range(args.workers)
    ]
    one_s, one_results = _processes(_send_share, one_shares)
    one_latencies = sorted(x for r in one_results for x in r["latencies"])
    _, [paced_result] = _processes(_paced, [(args.database_url, paced, 10)])
    # Each of the 10 numbers sends its first text at once; after that, the pace.
    paced_left = sorted(paced_result["left"])
    paced_rate = (len(paced_left) - 10) / (paced_left[-1] - paced_left[9]) if paced else 0.0

    from sqlalchemy import create_engine, select

    from agency.outreach.models import OutboxMessage

    engine = create_engine(args.database_url)
    with engine.connect() as connection:
        sample = (
            connection.execute(select(OutboxMessage.__table__).order_by(OutboxMessage.id).limit(1))
            .mappings()
            .one()
        )
    engine.dispose()
    row = {k: v for k, v in sample.items() if k not in ("id", "message_key", "provider_id")}
    per = len(ids) // args.workers
    insert_s, _ = _processes(
        _insert_share, [(args.database_url, per, row, w * per) for w in range(args.workers)]
    )
    latencies = sorted(x for r in results for x in r["latencies"])
    outcomes: dict[str, int] = {}
    for r in results:
        for key, value in r["outcomes"].items():
            outcomes[key] = outcomes.get(key, 0) + value
    sends = outcomes.get("sent", 0)
    figures = {
        "bench": "outreach",
        "texts": len(ids),
        "workers": args.workers,
        "batch": args.batch,
        "pool": args.pool or "messaging service",
        "queue_s": round(queued_s, 1),
        "sends": sends,
        "outcomes": outcomes,
        "posted_to_twilio": sum(r["posted"] for r in results),
        "sends_per_s": round(sends / send_s, 1),
        "bare_inserts_per_s": round(per * args.workers / insert_s, 1),
        "batch_p50_ms": round(latencies[len(latencies) // 2] * 1000, 2),
        "batch_p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 2),
        "peak_rss_mb": round(max(r["rss_mb"] for r in results), 1),
        "single_sends_per_s": round(
            sum(r["outcomes"].get("sent", 0) for r in one_results) / one_s, 1
        ),
        "single_p50_ms": round(one_latencies[len(one_latencies) // 2] * 1000, 2),
        "single_p99_ms": round(one_latencies[int(len(one_latencies) * 0.99)] * 1000, 2),
    }
    figures["ratio"] = round(figures["sends_per_s"] / figures["bare_inserts_per_s"], 3)
    figures["paced_texts"] = len(paced_left)
    figures["paced_10_numbers_segments_per_s"] = round(paced_rate, 2)
    print(f"texts queued through the gate:   {len(ids):>10,} ({queued_s:.0f} s of setup)")
    print(f"sent by {args.workers} workers /s:           {figures['sends_per_s']:>10,.1f}")
    print(f"bare outbox INSERTs /s:          {figures['bare_inserts_per_s']:>10,.1f}")
    print(f"ratio (target >= 0.2):           {figures['ratio']:>10.3f}")
    job = f"{figures['batch_p50_ms']:>6} / {figures['batch_p99_ms']}"
    print(f"a job of {args.batch}: p50 / p99 ms:       {job}")
    print(f"one message a job /s:            {figures['single_sends_per_s']:>10,.1f}")
    one = f"{figures['single_p50_ms']:>6} / {figures['single_p99_ms']}"
    print(f"one message a job p50 / p99 ms:  {one}")
    print(f"peak RSS per worker (< 400 MB):  {figures['peak_rss_mb']:>10} MB")
    print(f"a 10-number pool, segments/s:    {paced_rate:>10.2f} ({len(paced_left)} texts)")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
