"""Payments posted and reversed through the service against bare INSERTs of the same
payment rows, in one run.

    python bench/payments.py [--part posting] [--cases N] [--payments P] [--workers W]
                             [--quick] [--database-url URL] [--broker-url URL]

``--part posting`` (the default, and for now the only part; the consumer page's is to
come): setup (not timed) is a fresh PostgreSQL database with N cases of one client, half
of them on an active plan of two installments.  Measured: W processes post P payments
(two per case, on disjoint cases) through ``post_payment``, one transaction each — the
case locked, checked, allocated by the contract's order, the installment credited, the
plan kept and the case paid or back to active when it should — then reverse 2 % of them
through ``reverse_payment`` (the allocation given back, a paid case reopened); and, in
the same run, W processes inserting the same number of bare payment rows, one
transaction each.  Prints payments/s, the ratio, peak RSS per worker, then one line of
JSON.  Targets (issue 16): ratio >= 0.25, RSS < 400 MB.

Jobs go to a real broker (``--broker-url``, Redis; its database is emptied before and
after), as in deployment: each posting sends its receipt job there on commit, and a
Celery worker, not the posting process, renders and sends the receipt.  With the
in-process default (``memory://``) the receipt would run on the poster's job thread and
the figure would be the receipt's, not the posting's.
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
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RECEIVED = date(2026, 6, 1)
PLACED_MINOR = (10_000, 500, 200)  # principal, interest, fees: 107.00 a case


def _environment(url: str, broker_url: str) -> None:
    os.environ.update(
        AGENCY_DATABASE_URL=url,
        AGENCY_BROKER_URL=broker_url,
        AGENCY_LOG_LEVEL="WARNING",
        AGENCY_SECRET_KEY="bench-secret-key-0123456789abcdef0123456789",  # noqa: S106
        AGENCY_PII_KEY="bench-pii-key-0123456789abcdef0123456789",
    )


def _empty_broker(broker_url: str) -> None:
    import redis

    redis.Redis.from_url(broker_url).flushdb()


def setup(url: str, broker_url: str, cases: int) -> list[int]:
    """A fresh database with ``cases`` cases (every other one on a two-installment plan
    of 53.50 each); returns the cases' ids."""
    import psycopg
    from alembic import command
    from sqlalchemy import insert, select

    base = psycopg.conninfo.conninfo_to_dict(url.replace("+psycopg", ""))
    with psycopg.connect(**dict(base, dbname="postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{base["dbname"]}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{base["dbname"]}"')
    _environment(url, broker_url)
    _empty_broker(broker_url)
    from agency.cases.models import Case, CaseStatus, Consumer
    from agency.clients.models import Client, Contract
    from agency.db import alembic_config, session_scope
    from agency.payments.models import Installment, PaymentPlan, PlanKind, PlanStatus

    command.upgrade(alembic_config(), "head")
    principal, interest, fees = PLACED_MINOR
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
        for start in range(0, cases, 5_000):
            count = min(5_000, cases - start)
            consumer_ids = db.scalars(
                insert(Consumer).returning(Consumer.id),
                [
                    {"first_name": f"F{n}", "last_name": f"L{n}", "country": "US", "timezones": []}
                    for n in range(start, start + count)
                ],
            ).all()
            case_ids = db.scalars(
                insert(Case).returning(Case.id),
                [
                    {
                        "client_id": client.id,
                        "contract_id": contract.id,
                        "consumer_id": cid,
                        "client_reference": f"B{start + n:07d}",
                        "first_name": "F",
                        "last_name": "L",
                        "country": "US",
                        "currency": "USD",
                        "principal_minor": principal,
                        "interest_minor": interest,
                        "fees_minor": fees,
                        "placed_minor": principal + interest + fees,
                        "itemization_date": date(2026, 1, 1),
                        "status": CaseStatus.PLAN if (start + n) % 2 == 0 else CaseStatus.ACTIVE,
                        "hold_rules": [],
                    }
                    for n, cid in enumerate(consumer_ids)
                ],
            ).all()
            on_plan = case_ids[::2]
            plan_ids = db.scalars(
                insert(PaymentPlan).returning(PaymentPlan.id),
                [
                    {
                        "case_id": cid,
                        "kind": PlanKind.PLAN,
                        "status": PlanStatus.ACTIVE,
                        "currency": "USD",
                        "total_minor": sum(PLACED_MINOR),
                        "reasons": [],
                    }
                    for cid in on_plan
                ],
            ).all()
            half = sum(PLACED_MINOR) // 2
            db.execute(
                insert(Installment),
                [
                    {"plan_id": pid, "due_date": date(2026, 5 + k, 1), "amount_minor": half}
                    for pid in plan_ids
                    for k in (0, 1)
                ],
            )
        ids = list(db.scalars(select(Case.id).order_by(Case.id)))
    import agency.db

    agency.db.get_engine().dispose()  # the workers are forked: no connection shared
    agency.db.get_engine.cache_clear()
    agency.db.get_sessionmaker.cache_clear()
    return ids


def _plan(case_ids: list[int], payments: int) -> list[tuple[int, int]]:
    """(case, amount) for each payment: two per case, the second clearing the balance
    on one case in four, a part of it otherwise."""
    total = sum(PLACED_MINOR)
    work: list[tuple[int, int]] = []
    for n, case_id in enumerate(case_ids):
        work.append((case_id, total // 2))
        work.append((case_id, total - total // 2 if n % 4 == 0 else 1_000))
    return work[:payments]


def _post_share(
    url: str, broker_url: str, work: list[tuple[int, int]], reverse_every: int, out: Any
) -> None:
    """One process: post its payments, then reverse one in ``reverse_every``."""
    _environment(url, broker_url)
    from agency.db import session_scope
    from agency.kit import clock
    from agency.payments.models import PaymentMethod, ReversalKind
    from agency.payments.posting.post import post_payment
    from agency.payments.posting.reverse import reverse_payment
    from agency.payments.schemas import PaymentInput

    posted: list[int] = []
    with clock.frozen(datetime(2026, 6, 2, 15, 0, tzinfo=UTC)):
        began = time.perf_counter()
        for n, (case_id, amount) in enumerate(work):
            payment = PaymentInput(
                amount_minor=amount,
                currency="USD",
                method=PaymentMethod.CHEQUE,
                received_on=RECEIVED,
                provider_reference=f"bench {os.getpid()} {n}",
            )
            with session_scope() as db:
                posted.append(
                    post_payment(db, case_id=case_id, payment=payment, by_user_id=None).id
                )
        post_s = time.perf_counter() - began
        began = time.perf_counter()
        reversed_ = posted[::reverse_every]
        for payment_id in reversed_:
            with session_scope() as db:
                reverse_payment(
                    db,
                    payment_id=payment_id,
                    kind=ReversalKind.NSF,
                    reason="bench",
                    effective_on=None,
                    by_user_id=None,
                )
        reverse_s = time.perf_counter() - began
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out.put(
        {
            "post_s": post_s,
            "posted": len(posted),
            "reverse_s": reverse_s,
            "reversed": len(reversed_),
            "rss_mb": rss,
        }
    )


def _insert_share(url: str, work: list[tuple[int, int]], out: Any) -> None:
    """One process: the same payment rows as bare INSERTs, one transaction each."""
    from sqlalchemy import create_engine, insert

    from agency.payments.models import Payment, PaymentMethod

    engine = create_engine(url)
    began = time.perf_counter()
    for n, (case_id, amount) in enumerate(work):
        with engine.begin() as connection:
            connection.execute(
                insert(Payment.__table__).values(
                    case_id=case_id,
                    amount_minor=amount,
                    currency="USD",
                    method=PaymentMethod.CHEQUE,
                    received_on=RECEIVED,
                    effective_on=RECEIVED,
                    provider="manual",
                    provider_reference=f"bare {os.getpid()} {n}",
                    fees_minor=0,
                    interest_minor=0,
                    principal_minor=amount,
                    to_client=False,
                    posted_at=datetime.now(UTC),
                )
            )
    out.put(time.perf_counter() - began)
    engine.dispose()


def _guarded(target: Any, *args: Any) -> None:
    """Run ``target`` in a worker; its failure goes back to the parent, which raises."""
    try:
        target(*args)
    except BaseException as exc:
        args[-1].put({"error": repr(exc)})
        raise


def _processes(target: Any, shares: list[tuple[Any, ...]]) -> tuple[float, list[Any]]:
    context = multiprocessing.get_context("fork")
    out = context.Queue()
    workers = [context.Process(target=_guarded, args=(target, *share, out)) for share in shares]
    began = time.perf_counter()
    for worker in workers:
        worker.start()
    results = [out.get() for _ in workers]
    failed = [r for r in results if isinstance(r, dict) and "error" in r]
    if failed:
        raise RuntimeError(f"a worker failed: {failed[0]['error']}")
    for worker in workers:
        worker.join()
    return time.perf_counter() - began, results


def posting(args: argparse.Namespace) -> dict[str, Any]:
    cases = 2_000 if args.quick else args.cases
    payments = 2 * cases if args.quick else args.payments
    case_ids = setup(args.database_url, args.broker_url, cases)
    work = _plan(case_ids, payments)
    # Each worker its own cases (both payments of a case in one worker, in order).
    shares = [
        [item for i, item in enumerate(work) if (i // 2) % args.workers == w]
        for w in range(args.workers)
    ]
    reverse_every = 50  # 2 %
    ours_s, results = _processes(
        _post_share,
        [(args.database_url, args.broker_url, share, reverse_every) for share in shares],
    )
    _empty_broker(args.broker_url)
    bare_s, _ = _processes(_insert_share, [(args.database_url, share) for share in shares])
    posted = sum(r["posted"] for r in results)
    reversed_ = sum(r["reversed"] for r in results)
    post_s = max(r["post_s"] for r in results)
    ours_rate = posted / post_s
    bare_rate = posted / bare_s
    return {
        "bench": "payments",
        "part": "posting",
        "cases": cases,
        "payments": posted,
        "reversals": reversed_,
        "workers": args.workers,
        "ours_payments_s": round(ours_rate),
        "ours_reversals_s": round(reversed_ / max(r["reverse_s"] for r in results)),
        "baseline_inserts_s": round(bare_rate),
        "ratio": round(ours_rate / bare_rate, 3),
        "peak_rss_mb": round(max(r["rss_mb"] for r in results), 1),
        "total_s": round(ours_s + bare_s, 1),
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=["posting"], default="posting")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--payments", type=int, default=200_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="2,000 cases, 4,000 payments (CI)")
    parser.add_argument(
        "--database-url", default="postgresql+psycopg://postgres@127.0.0.1/agency_bench_payments"
    )
    parser.add_argument(
        "--broker-url",
        default="redis://127.0.0.1:6379/14",
        help="a Redis database the bench may empty (the receipt jobs are sent there)",
    )
    args = parser.parse_args(argv)
    figures = posting(args)
    print(f"payments posted:            {figures['payments']:>10} on {figures['cases']} cases")
    print(f"ours (post_payment):        {figures['ours_payments_s']:>10} payments/s")
    print(f"reversals (reverse_payment):{figures['ours_reversals_s']:>10} reversals/s")
    print(f"bare INSERT, same rows:     {figures['baseline_inserts_s']:>10} rows/s")
    print(f"ratio (>= 0.25):            {figures['ratio']:>10}")
    print(f"peak RSS per worker (< 400 MB): {figures['peak_rss_mb']:>6} MB")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
