"""Month end on PostgreSQL: every client's statement built and closed over a million
commission entries, against a bare aggregate of the same rows, in one run.

    python bench/commission.py [--payments N] [--clients C] [--largest L] [--quick]
                               [--database-url URL]

Setup (not timed): a fresh database, C clients (each a contract at a flat 25 %, its
remittance settings, 100 cases and its first period, November 2026), and N payments
with their commission entries written by COPY — L of them the largest client's, the
rest spread over the others; a third by ACH (5 business days to clear, so those of the
month's last week wait for December), 5 % paid to the client directly, 1 % reversed.

Measured, in order:

- **bare**: ``SELECT client_id, sum(amount_minor), sum(commission_minor) FROM
  commission_entries WHERE "on" BETWEEN … GROUP BY client_id`` (best of three);
- **close**: ``periods.close`` for every client, one transaction each: the lines listed
  (INSERT … SELECT), the totals grouped, the statement and its remittance written;
- **totals**: the totals step alone (``queries.groups`` for every statement) — the
  figure the target compares with the bare aggregate;
- **csv**: every statement's CSV written (to /dev/null);
- **pdf**: the largest client's PDF (L lines), its time and the process's peak RSS.

Targets (issue 17): totals >= 0.2 of the bare aggregate's speed; the L-line PDF under
60 s with peak RSS under 400 MB (the measuring process's: it is started after setup).
Prints the figures, then one line of JSON.
"""

from __future__ import annotations

import argparse
import io
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
sys.path.insert(0, str(ROOT))
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))
CASES_PER_CLIENT = 100


def _environment(url: str) -> None:
    os.environ.update(
        AGENCY_DATABASE_URL=url,
        AGENCY_LOG_LEVEL="WARNING",
        AGENCY_SECRET_KEY="bench-secret-key-0123456789abcdef0123456789",  # noqa: S106
        AGENCY_PII_KEY="bench-pii-key-0123456789abcdef0123456789",
    )


def _fresh(url: str) -> None:
    import psycopg

    base = psycopg.conninfo.conninfo_to_dict(url.replace("+psycopg", ""))
    with psycopg.connect(**dict(base, dbname="postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{base["dbname"]}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{base["dbname"]}"')


def setup(url: str, payments: int, clients: int, largest: int) -> list[int]:
    """The database described above; returns the clients' ids, the largest first."""
    from alembic import command
    from sqlalchemy import insert

    _fresh(url)
    _environment(url)
    from agency.cases.models import Case, CaseStatus, Consumer
    from agency.clients.models import Client, Contract
    from agency.commission.clearing import payment_clears_on
    from agency.commission.kinds import Frequency, RemittanceMethod
    from agency.commission.models import ClientRemittance, CommissionPeriod
    from agency.db import alembic_config, get_engine, session_scope

    command.upgrade(alembic_config(), "head")
    client_ids: list[int] = []
    cases_of: dict[int, tuple[int, list[int]]] = {}
    with session_scope() as db:
        for n in range(clients):
            client = Client(code=f"B{n:03d}", name=f"Bench {n}", legal_name=f"Bench {n} LLC",
                            industry="Telecom", country="US", currency="USD",
                            is_active=True)  # fmt: skip
            db.add(client)
            db.flush()
            contract = Contract(client_id=client.id, reference=f"K-{n}", currency="USD",
                                contingency_rate=Decimal("25"), settlement_floor=Decimal("60"),
                                effective_from=date(2020, 1, 1))  # fmt: skip
            db.add(contract)
            db.add(ClientRemittance(client_id=client.id, frequency=Frequency.MONTHLY,
                                    method=RemittanceMethod.ACH, account_name=f"BENCH {n}",
                                    routing_number="021000021",
                                    account_number=f"{n:09d}"))  # fmt: skip
            db.add(
                CommissionPeriod(client_id=client.id, starts_on=NOVEMBER[0], ends_on=NOVEMBER[1])
            )
            db.flush()
            consumer_ids = db.scalars(
                insert(Consumer).returning(Consumer.id),
                [{"first_name": "F", "last_name": "L", "country": "US", "timezones": []}]
                * CASES_PER_CLIENT,
            ).all()
            case_ids = db.scalars(
                insert(Case).returning(Case.id),
                [
                    {"client_id": client.id, "contract_id": contract.id, "consumer_id": cid,
                     "client_reference": f"ACCT-{n:03d}-{k:06d}", "first_name": "F",
                     "last_name": "L", "country": "US", "currency": "USD",
                     "principal_minor": 10_000_000, "interest_minor": 0, "fees_minor": 0,
                     "placed_minor": 10_000_000, "status": CaseStatus.ACTIVE, "hold_rules": []}
                    for k, cid in enumerate(consumer_ids)
                ],
            ).all()  # fmt: skip
            client_ids.append(client.id)
            cases_of[client.id] = (contract.id, list(case_ids))
    share = [largest] + [
        (payments - largest) // (clients - 1)
        + (1 if k < (payments - largest) % (clients - 1) else 0)
        for k in range(clients - 1)
    ]
    clears: dict[tuple[date, str], date] = {}
    days = [NOVEMBER[0] + timedelta(days=d) for d in range(30)]
    for day in days:
        for method in ("card", "ach", "direct"):
            clears[(day, method)] = payment_clears_on(day, method, 2, 5)
    engine = get_engine()
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()  # type: ignore[attr-defined]
        posted = datetime(2026, 12, 1, tzinfo=UTC)
        rows: list[tuple[Any, ...]] = []
        with cursor.copy(
            "COPY payments (case_id, amount_minor, currency, method, to_client, received_on,"
            " effective_on, provider, fees_minor, interest_minor, principal_minor, posted_at)"
            " FROM STDIN"
        ) as copy:
            for client_id, count in zip(client_ids, share, strict=True):
                contract_id, case_ids = cases_of[client_id]
                for k in range(count):
                    day = days[k % 30]
                    method = "direct" if k % 20 == 7 else ("ach" if k % 3 == 0 else "card")
                    amount = 1_000 + (k * 7919) % 50_000
                    case_id = case_ids[k % CASES_PER_CLIENT]
                    copy.write_row((case_id, amount, "USD", method, method == "direct", day, day,
                                    "manual", 0, 0, amount, posted))  # fmt: skip
                    rows.append((client_id, contract_id, case_id, day, method, amount))
        cursor.execute("SELECT id FROM payments ORDER BY id")
        payment_ids = [row[0] for row in cursor.fetchall()]
        reversed_ = [(pid, row) for pid, row in zip(payment_ids, rows, strict=True)][::100]
        with cursor.copy(
            "COPY payment_reversals (payment_id, case_id, kind, amount_minor, currency, reason,"
            " effective_on, created_at) FROM STDIN"
        ) as copy:
            for pid, (_, _, case_id, day, _, amount) in reversed_:
                copy.write_row((pid, case_id, "nsf", amount, "USD", "bench",
                                min(day + timedelta(days=3), NOVEMBER[1]), posted))  # fmt: skip
        cursor.execute("SELECT payment_id, id FROM payment_reversals")
        reversal_of = dict(cursor.fetchall())
        with cursor.copy(
            "COPY commission_entries (client_id, contract_id, case_id, payment_id, reversal_id,"
            ' "on", clears_on, paid_to, amount_minor, currency, rate, tier, commission_minor,'
            " why, created_at) FROM STDIN"
        ) as copy:
            for pid, (client_id, contract_id, case_id, day, method, amount) in zip(
                payment_ids, rows, strict=True
            ):
                paid_to = "client" if method == "direct" else "agency"
                commission = (amount * 25 + 50) // 100
                cleared = clears[(day, method)]
                copy.write_row((client_id, contract_id, case_id, pid, None, day, cleared, paid_to,
                                amount, "USD", "25.000", "0", commission, "25.000 %: bench",
                                posted))  # fmt: skip
                if pid in reversal_of:
                    on = min(day + timedelta(days=3), NOVEMBER[1])
                    copy.write_row((client_id, contract_id, case_id, pid, reversal_of[pid], on,
                                    max(on, cleared), paid_to, -amount, "USD", "25.000", "0",
                                    -commission, "reverses: bench", posted))  # fmt: skip
        raw.commit()
        cursor.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
    return client_ids


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Setup here; the measured steps in a fresh process, so that its peak RSS is theirs
    and not the setup's million rows."""
    started = time.perf_counter()
    client_ids = setup(args.database_url, args.payments, args.clients, args.largest)
    setup_s = time.perf_counter() - started
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    child = context.Process(target=_measure, args=(args.database_url, client_ids, results))
    child.start()
    figures: dict[str, Any] = results.get()
    child.join()
    return {"setup_s": round(setup_s, 1), **figures}


def _rss_mb() -> int:
    """The process's peak resident set so far, in MB: /proc's VmHWM, which starts again
    at exec (``getrusage``'s ``ru_maxrss`` carries the parent's peak across it)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _measure(url: str, client_ids: list[int], results: Any) -> None:
    _environment(url)
    from sqlalchemy import func, select, text

    from agency.commission.models import CommissionEntry, CommissionPeriod, Statement
    from agency.commission.statements import periods, queries
    from agency.commission.statements.csv_file import csv_chunks
    from agency.commission.statements.lines import printed_lines
    from agency.commission.statements.pdf_file import write_pdf
    from agency.commission.statements.summary import summary_of
    from agency.db import session_scope

    with session_scope() as db:
        entries = db.scalar(select(func.count()).select_from(CommissionEntry)) or 0
        bare = []
        for _ in range(3):
            t = time.perf_counter()
            db.execute(
                text(
                    "SELECT client_id, sum(amount_minor), sum(commission_minor) FROM "
                    'commission_entries WHERE "on" BETWEEN :a AND :b GROUP BY client_id'
                ),
                {"a": NOVEMBER[0], "b": NOVEMBER[1]},
            ).all()
            bare.append(time.perf_counter() - t)
    bare_s = min(bare)
    rss = {"after_bare": _rss_mb()}

    t = time.perf_counter()
    for client_id in client_ids:
        with session_scope() as db:
            period = db.scalar(
                select(CommissionPeriod).where(CommissionPeriod.client_id == client_id)
            )
            assert period is not None
            periods.close(db, client_id=client_id, period_id=period.id, client_currency="USD",
                          today=date(2026, 12, 6), by_user_id=None)  # fmt: skip
    close_s = time.perf_counter() - t
    rss["after_close"] = _rss_mb()

    with session_scope() as db:
        statements = list(db.scalars(select(Statement).order_by(Statement.id)))
        t = time.perf_counter()
        for statement in statements:
            queries.groups(db, statement.id)
        totals_s = time.perf_counter() - t
        lines = sum(s.lines for s in statements)

        t = time.perf_counter()
        for statement in statements:
            period = db.get(CommissionPeriod, statement.period_id)
            assert period is not None
            summary = summary_of(statement, period, "Bench", None)
            with Path(os.devnull).open("w") as sink:
                for chunk in csv_chunks(summary, printed_lines(db, statement.id, "USD")):
                    sink.write(chunk)
        csv_s = time.perf_counter() - t
        rss["after_csv"] = _rss_mb()

        biggest = statements[0]
        period = db.get(CommissionPeriod, biggest.period_id)
        assert period is not None
        t = time.perf_counter()
        out = io.BytesIO()
        write_pdf(
            out, summary_of(biggest, period, "Bench 0", None), printed_lines(db, biggest.id, "USD")
        )
        pdf_s = time.perf_counter() - t
        rss_mb = _rss_mb()
    results.put(
        {
            "entries": entries,
            "clients": len(client_ids),
            "statement_lines": lines,
            "largest_lines": biggest.lines,
            "bare_group_by_s": round(bare_s, 3),
            "close_all_s": round(close_s, 2),
            "totals_s": round(totals_s, 3),
            "totals_ratio": round(bare_s / totals_s, 3),
            "close_ratio": round(bare_s / close_s, 4),
            "csv_all_s": round(csv_s, 2),
            "pdf_largest_s": round(pdf_s, 2),
            "pdf_bytes": out.getbuffer().nbytes,
            "peak_rss_mb": rss_mb,
            "peak_rss_by_step_mb": rss,
        }
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--payments", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--largest", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="20,000 payments, 5 clients")
    parser.add_argument(
        "--database-url",
        default="postgresql+psycopg://postgres@127.0.0.1/agency_bench_commission",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.payments, args.clients, args.largest = 20_000, 5, 8_000
    figures = run(args)
    print(
        f"entries:                     {figures['entries']:>10} over {figures['clients']} clients"
    )
    print(f"bare GROUP BY:               {figures['bare_group_by_s']:>10} s")
    totals, close = figures["totals_ratio"], figures["close_ratio"]
    print(f"totals (queries.groups):     {figures['totals_s']:>10} s  ratio {totals} (>= 0.2)")
    print(f"close every period:          {figures['close_all_s']:>10} s  ratio {close}")
    print(f"CSV of every statement:      {figures['csv_all_s']:>10} s")
    print(
        f"PDF, {figures['largest_lines']} lines:          {figures['pdf_largest_s']:>10} s (< 60)"
    )
    print(f"peak RSS (< 400 MB):         {figures['peak_rss_mb']:>10} MB")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
