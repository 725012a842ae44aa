"""Partner reporting on PostgreSQL (issue 19): the merchant's three report pages through
the real app, against a raw aggregate query over the base tables for the same figures,
in one run.

    python bench/reporting.py [--accounts 1000000] [--payments 3000000] [--repeat 30]
                              [--quick] [--database-url URL] [--revision head]

Setup (timed as ``setup_s``, not part of the figures): a fresh database migrated by
alembic, one client's book built by ``bench/reporting_book.py`` (COPY: N accounts placed
over 36 months, P payments, ≈ 2 % reversed, 5 % paid to the client directly, commission
at 25 %, plans and promises; no contact-ledger rows), ``VACUUM ANALYZE`` of the base
tables; then ``reporting.refresh.rebuild_all`` in one session (``rebuild_s``) and
``ANALYZE`` of its two tables.  The agency's zone is America/New_York and the clock is
frozen at the instant the book was built for, so "today" cannot move during the run.

Measured, for each page (``/portal``, ``/portal/vintages``,
``/portal/recoveries?start=<today-29>&end=<today>``), after three warm-ups each, R times,
page and raw query alternately:

- **page**: a GET through ``TestClient(create_app())``, signed in as the client's
  merchant user through ``POST /login`` (password and CSRF token, as a browser);
- **raw**: one hand-written SQL statement over ``cases``, ``commission_entries``,
  ``payment_plans``, ``commission_remittances`` and the ledger's ``ledger_cases`` /
  ``ledger_entries`` computing what the page shows, fetched and put in the page's shape;
- **figures**: the ``reporting.figures`` call the page makes, alone (where a page's time
  goes: the figures, or the rest of the request).

The same for the recoveries of the year to today (``recoveries_365``, under ``extra``:
not a target).  Then the raw results are compared with what ``reporting.figures``
returns (amounts in minor units, counts, the vintages' percentages), exactly.  Targets:
page p95 < 200 ms, raw p95 / page p95 >= 10, equal figures.  Prints a table, then one
line of JSON (with the load average at the end, since a shared machine moves the p95s).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ZONE = "America/New_York"
ENV = {
    "AGENCY_BROKER_URL": "memory://",
    "AGENCY_LOG_LEVEL": "WARNING",
    "AGENCY_SECURE_COOKIES": "false",
    "AGENCY_TIME_ZONE": ZONE,
    "AGENCY_SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789",
    "AGENCY_PII_KEY": "bench-pii-key-0123456789abcdef0123456789",
}
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
WARMUPS = 3
CLOSED = "('paid', 'settled', 'recalled', 'closed')"
BAND_LIMITS = (3, 6, 12, 24)  # months since placement: the overview's age bands

OVERVIEW_SQL = f"""
SELECT 'cases' AS part, CAST(date_trunc('month', placed_at AT TIME ZONE :zone) AS date),
       status NOT IN {CLOSED}, count(*)::bigint, sum(placed_minor)::bigint,
       sum(principal_minor + interest_minor + fees_minor)::bigint
  FROM cases WHERE client_id = :client AND currency = :currency
 GROUP BY 2, 3
UNION ALL
SELECT 'money', CAST(date_trunc('month', "on") AS date), NULL, sum(amount_minor)::bigint,
       coalesce(sum(amount_minor) FILTER (WHERE paid_to = 'client'), 0)::bigint,
       sum(commission_minor)::bigint
  FROM commission_entries WHERE client_id = :client AND currency = :currency
 GROUP BY 2
UNION ALL
SELECT 'remitted', CAST(date_trunc('month', paid_on) AS date), NULL, sum(amount_minor)::bigint,
       0, 0
  FROM commission_remittances
 WHERE client_id = :client AND currency = :currency AND status = 'paid'
 GROUP BY 2
UNION ALL
SELECT 'plans', NULL, NULL, count(*) FILTER (WHERE p.kind = 'promise'),
       count(*) FILTER (WHERE p.kind <> 'promise'), 0
  FROM payment_plans p JOIN cases c ON c.id = p.case_id
 WHERE c.client_id = :client AND c.currency = :currency AND p.status <> 'refused'
UNION ALL
SELECT 'contacts', NULL, NULL,
       count(DISTINCT l.case_id) FILTER (WHERE e.kind = 'inbound'
                                          OR (e.kind = 'outcome' AND e.outcome = 'conversation')),
       count(DISTINCT l.case_id) FILTER (WHERE e.kind = 'inbound'
                                          OR (e.kind = 'outcome'
                                              AND e.detail ->> 'agent_outcome'
                                                  = 'right_party_contact')),
       0
  FROM ledger_cases l JOIN ledger_entries e ON e.id = l.entry_id
  JOIN cases c ON c.id = l.case_id
 WHERE c.client_id = :client AND c.currency = :currency
"""

# Months since placement of a date ``d`` for the vintage ``v``.
_SINCE = ("((extract(year FROM {d}) - extract(year FROM {v})) * 12"
          " + extract(month FROM {d}) - extract(month FROM {v}))::int")  # fmt: skip
VINTAGES_SQL = f"""
WITH mine AS (
  SELECT id, CAST(date_trunc('month', placed_at AT TIME ZONE :zone) AS date) AS vintage,
         placed_minor
    FROM cases WHERE client_id = :client AND currency = :currency
), placed AS (
  SELECT vintage, count(*) AS cases, sum(placed_minor) AS minor FROM mine GROUP BY vintage
), moved AS (
  SELECT m.vintage, {_SINCE.format(d='e."on"', v="m.vintage")} AS k,
         sum(e.amount_minor) AS minor
    FROM commission_entries e JOIN mine m ON m.id = e.case_id
   WHERE e.currency = :currency
   GROUP BY 1, 2
), grid AS (
  SELECT p.vintage, p.cases, p.minor, k
    FROM placed p,
         generate_series(0, {_SINCE.format(d="CAST(:today AS date)", v="p.vintage")}) AS k
)
SELECT vintage, cases::bigint, minor::bigint, k, cumulative::bigint,
       CASE WHEN minor > 0 THEN round(100 * cumulative / minor, 1) END
  FROM (SELECT g.vintage, g.cases, g.minor, g.k,
               sum(coalesce(m.minor, 0)) OVER (PARTITION BY g.vintage ORDER BY g.k)
                 AS cumulative
          FROM grid g LEFT JOIN moved m ON m.vintage = g.vintage AND m.k = g.k) AS curve
 ORDER BY vintage, k
"""

RECOVERIES_SQL = """
SELECT "on", count(*) FILTER (WHERE reversal_id IS NULL),
       coalesce(sum(amount_minor) FILTER (WHERE reversal_id IS NULL), 0)::bigint,
       count(*) FILTER (WHERE reversal_id IS NOT NULL),
       coalesce(-sum(amount_minor) FILTER (WHERE reversal_id IS NOT NULL), 0)::bigint,
       coalesce(sum(amount_minor) FILTER (WHERE paid_to = 'client'), 0)::bigint,
       sum(commission_minor)::bigint
  FROM commission_entries
 WHERE client_id = :client AND currency = :currency AND "on" BETWEEN :start AND :end
 GROUP BY "on"
 ORDER BY "on" DESC
"""


def months_between(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


# ---------------------------------------------------------------- the raw baseline


def raw_overview(conn: Any, p: dict[str, Any]) -> dict[str, Any]:
    from sqlalchemy import text

    from agency.reporting.figures import AGE_BANDS

    by_month: dict[date, list[int]] = {}
    bands = [[0, 0] for _ in range(len(BAND_LIMITS) + 1)]
    counts = {"contacted": 0, "reached": 0, "promises": 0, "plans": 0}
    for part, month, is_open, a, b, c in conn.execute(text(OVERVIEW_SQL), p):
        if part == "cases":
            row = by_month.setdefault(month, [0] * 6)
            row[0] += a
            row[1] += b
            if is_open:
                age = months_between(month, p["today"])
                band = next((n for n, limit in enumerate(BAND_LIMITS) if age < limit),
                            len(BAND_LIMITS))  # fmt: skip
                bands[band][0] += a
                bands[band][1] += c
        elif part == "money":
            by_month.setdefault(month, [0] * 6)[2:5] = [a, b, c]
        elif part == "remitted":
            by_month.setdefault(month, [0] * 6)[5] = a
        elif part == "plans":
            counts["promises"], counts["plans"] = a, b
        else:
            counts["contacted"], counts["reached"] = a, b
    months = [(month, *row) for month, row in sorted(by_month.items(), reverse=True)]
    totals = (None, *(sum(row[i] for row in by_month.values()) for i in range(6)))
    labels = [label for _, label in AGE_BANDS]
    named = [(labels[n], cases, minor) for n, (cases, minor) in enumerate(bands)]
    return {"months": months, "totals": totals, **counts, "bands": named}


def raw_vintages(conn: Any, p: dict[str, Any]) -> dict[str, Any]:
    from sqlalchemy import text

    rows: dict[date, tuple[int, int, list[int], list[Decimal | None]]] = {}
    for vintage, cases, minor, _, cumulative, share in conn.execute(text(VINTAGES_SQL), p):
        got = rows.setdefault(vintage, (cases, minor, [], []))
        got[2].append(cumulative)
        got[3].append(share)
    longest = max((len(shares) for *_, shares in rows.values()), default=0)
    return {
        "rows": [(month, cases, minor, cumulative[-1] if cumulative else 0, tuple(shares))
                 for month, (cases, minor, cumulative, shares) in sorted(rows.items())],
        "months": longest,
        # One client in its industry: fewer than the five an average needs.
        "reference": (None,) * longest,
    }  # fmt: skip


def raw_recoveries(conn: Any, p: dict[str, Any]) -> dict[str, Any]:
    from sqlalchemy import text

    days = [tuple(row) for row in conn.execute(text(RECOVERIES_SQL), p)]
    totals = (None, *(sum(day[i] for day in days) for i in range(1, 7)))
    return {"days": days, "totals": totals}


# ---------------------------------------------------------- what the app computes


def app_overview(db: Any, p: dict[str, Any]) -> dict[str, Any]:
    from agency.reporting import figures

    found = figures.overview(db, client_id=p["client"], currency=p["currency"], today=p["today"])

    def month(m: Any) -> tuple[Any, ...]:
        return (m.month, m.placed_cases, m.placed.minor, m.collected.minor, m.direct.minor,
                m.commission.minor, m.remitted.minor)  # fmt: skip

    return {"months": [month(m) for m in found.months], "totals": month(found.totals),
            "contacted": found.contacted, "reached": found.reached,
            "promises": found.promises, "plans": found.plans,
            "bands": [(b.label, b.cases, b.balance.minor) for b in found.bands]}  # fmt: skip


def app_vintages(db: Any, p: dict[str, Any]) -> dict[str, Any]:
    from agency.reporting import figures

    found = figures.vintages(db, client_id=p["client"], industry=p["industry"],
                             currency=p["currency"], today=p["today"])  # fmt: skip
    return {"rows": [(v.month, v.placed_cases, v.placed.minor, v.collected.minor,
                      tuple(v.shares)) for v in found.rows],
            "months": found.months, "reference": tuple(found.reference)}  # fmt: skip


def app_recoveries(db: Any, p: dict[str, Any]) -> dict[str, Any]:
    from agency.reporting import figures

    days, totals = figures.recoveries(db, client_id=p["client"], currency=p["currency"],
                                      start=p["start"], end=p["end"])  # fmt: skip

    def day(d: Any) -> tuple[Any, ...]:
        return (d.day, d.payments, d.paid.minor, d.reversals, d.reversed.minor, d.direct.minor,
                d.commission.minor)  # fmt: skip

    return {"days": [day(d) for d in days], "totals": day(totals)}


def first_difference(a: Any, b: Any, path: str = "") -> str | None:
    """Where ``a`` (raw) and ``b`` (the app's) first differ, or None when equal."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            found = first_difference(a.get(key), b.get(key), f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        for n, (x, y) in enumerate(zip(a, b, strict=False)):
            found = first_difference(x, y, f"{path}[{n}]")
            if found:
                return found
        if len(a) != len(b):
            return f"{path}: {len(a)} items raw, {len(b)} in the app's"
        return None
    if a != b:
        return f"{path}: raw {a!r}, app {b!r}"
    return None


# ------------------------------------------------------------------ the measurements


def percentile_ms(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def _rss_mb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def fresh_database(url: str, revision: str) -> None:
    """An empty database at ``url``, migrated to ``revision``."""
    import psycopg
    from alembic import command

    conninfo = url.replace("+psycopg", "")
    name = psycopg.conninfo.conninfo_to_dict(conninfo)["dbname"]
    postgres = psycopg.conninfo.make_conninfo(conninfo, dbname="postgres")
    with psycopg.connect(postgres, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    from agency.db import alembic_config

    command.upgrade(alembic_config(), revision)


def setup(args: argparse.Namespace, now: datetime) -> dict[str, Any]:
    from bench import reporting_book

    started = time.perf_counter()
    fresh_database(args.database_url, args.revision)
    book = reporting_book.build(args.database_url, args.accounts, args.payments, now, ZONE)
    import psycopg

    with psycopg.connect(args.database_url.replace("+psycopg", ""), autocommit=True) as conn:
        for table in ("consumers", "cases", "payments", "payment_reversals",
                      "commission_entries", "payment_plans"):  # fmt: skip
            conn.execute(f"VACUUM ANALYZE {table}")
    book["setup_s"] = round(time.perf_counter() - started, 1)

    from agency.db import session_scope
    from agency.kit import clock
    from agency.reporting import refresh

    started = time.perf_counter()
    with clock.frozen(now), session_scope() as db:
        run = refresh.rebuild_all(db)
        assert run is not None
        book["vintages"] = run.vintages
    book["rebuild_s"] = round(time.perf_counter() - started, 1)
    with psycopg.connect(args.database_url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute("ANALYZE report_days")
        conn.execute("ANALYZE report_inventory")
        book["report_days"] = conn.execute("SELECT count(*) FROM report_days").fetchone()[0]  # type: ignore[index]
    return book


def measure(book: dict[str, Any], now: datetime, repeat: int) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from agency.db import get_engine, session_scope
    from agency.kit import clock
    from agency.main import create_app
    from bench.reporting_book import EMAIL, PASSWORD

    today = now.astimezone(clock.zone(ZONE)).date()
    month = today - timedelta(days=29)
    params = {"client": book["client_id"], "currency": "USD", "zone": ZONE, "today": today,
              "industry": "Subscription", "start": month, "end": today}  # fmt: skip
    # Not a target: the recoveries of a year (the page allows two): the raw query reads
    # twelve times the entries of the default 30 days, the page shows twelve times the rows.
    year = dict(params, start=today - timedelta(days=364))
    pages: dict[str, tuple[str, Callable[..., dict[str, Any]], Callable[..., dict[str, Any]],
                           dict[str, Any]]] = {
        "overview": ("/portal", raw_overview, app_overview, params),
        "vintages": ("/portal/vintages", raw_vintages, app_vintages, params),
        "recoveries": (f"/portal/recoveries?start={params['start']}&end={today}",
                       raw_recoveries, app_recoveries, params),
        "recoveries_365": (f"/portal/recoveries?start={year['start']}&end={today}",
                           raw_recoveries, app_recoveries, year),
    }  # fmt: skip
    results: dict[str, Any] = {}
    with (
        clock.frozen(now),
        TestClient(create_app(), base_url="http://testserver", follow_redirects=False) as web,
        get_engine().connect() as conn,
    ):
        found = TOKEN.search(web.get("/login").text)
        assert found is not None
        answer = web.post("/login", data={"email": EMAIL, "password": PASSWORD,
                                          "csrf_token": found.group(1)})  # fmt: skip
        assert answer.status_code == 303 and answer.headers["location"] == "/portal", answer
        for name, (url, raw, app, params) in pages.items():
            page_s: list[float] = []
            raw_s: list[float] = []
            figures_s: list[float] = []
            got: dict[str, Any] = {}
            ours: dict[str, Any] = {}
            for n in range(WARMUPS + repeat):
                t = time.perf_counter()
                page = web.get(url)
                elapsed = time.perf_counter() - t
                assert page.status_code == 200, (url, page.status_code)
                t = time.perf_counter()
                got = raw(conn, params)
                conn.rollback()
                raw_elapsed = time.perf_counter() - t
                with session_scope() as db:
                    t = time.perf_counter()
                    ours = app(db, params)
                    figures_elapsed = time.perf_counter() - t
                if n >= WARMUPS:
                    page_s.append(elapsed)
                    raw_s.append(raw_elapsed)
                    figures_s.append(figures_elapsed)
            difference = first_difference(got, ours)
            page_p95, raw_p95 = percentile_ms(page_s, 0.95), percentile_ms(raw_s, 0.95)
            results[name] = {
                "p50_ms": round(percentile_ms(page_s, 0.5), 1),
                "p95_ms": round(page_p95, 1),
                "raw_p50_ms": round(percentile_ms(raw_s, 0.5), 1),
                "raw_p95_ms": round(raw_p95, 1),
                "figures_p50_ms": round(percentile_ms(figures_s, 0.5), 1),
                "figures_p95_ms": round(percentile_ms(figures_s, 0.95), 1),
                "ratio": round(raw_p95 / page_p95, 1),
                "equal": difference is None,
                "bytes": len(page.content),
            }
            if difference:
                results[name]["first_difference"] = difference
    return results


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--payments", type=int, default=3_000_000)
    parser.add_argument("--repeat", type=int, default=30, help="timed loads of each page")
    parser.add_argument("--quick", action="store_true", help="20,000 accounts, 60,000 payments")
    parser.add_argument(
        "--database-url",
        default="postgresql+psycopg://postgres@127.0.0.1/agency_bench_reporting",
        help="a PostgreSQL database to recreate",
    )
    parser.add_argument("--revision", default="head", help="the alembic revision to migrate to")
    args = parser.parse_args(argv)
    if args.quick:
        args.accounts, args.payments = 20_000, 60_000
    os.environ.update(ENV, AGENCY_DATABASE_URL=args.database_url)
    now = datetime.now(UTC).replace(microsecond=0)
    book = setup(args, now)
    pages = measure(book, now, args.repeat)
    extra = {"recoveries_365": pages.pop("recoveries_365")}
    figures = {
        "bench": "reporting", "accounts": args.accounts, "payments": book["payments"],
        "reversals": book["payment_reversals"], "plans": book["payment_plans"],
        "commission_entries": book["commission_entries"], "repeat": args.repeat,
        "report_days": book["report_days"], "setup_s": book["setup_s"],
        "rebuild_s": book["rebuild_s"], "pages": pages, "extra": extra,
        "peak_rss_mb": _rss_mb(), "load_avg": [round(n, 1) for n in os.getloadavg()],
    }  # fmt: skip
    print(f"{args.accounts:,} accounts, {book['payments']:,} payments "
          f"({book['payment_reversals']:,} reversed), {book['report_days']:,} report days; "
          f"setup {book['setup_s']} s, rebuild {book['rebuild_s']} s")  # fmt: skip
    print(f"{'page':<15}{'p50 ms':>9}{'p95 ms':>9}{'figures p95':>13}{'raw p50':>10}"
          f"{'raw p95':>10}{'ratio':>8}  equal")  # fmt: skip
    for name, got in {**pages, **extra}.items():
        where = "" if got["equal"] else "  " + got["first_difference"]
        print(f"{name:<15}{got['p50_ms']:>9}{got['p95_ms']:>9}{got['figures_p95_ms']:>13}"
              f"{got['raw_p50_ms']:>10}{got['raw_p95_ms']:>10}{got['ratio']:>8}  "
              f"{got['equal']}{where}")  # fmt: skip
    met = {name: got["p95_ms"] < 200 and got["ratio"] >= 10 and got["equal"]
           for name, got in pages.items()}  # fmt: skip
    verdicts = ", ".join(f"{name} {'met' if ok else 'NOT met'}" for name, ok in met.items())
    print(f"targets (p95 < 200 ms, ratio >= 10, equal): {verdicts}")
    print(json.dumps(figures, default=str))


if __name__ == "__main__":
    main()
