"""Referral intake against the physical limit of this machine, in one run.

    python bench/intake.py [--rows N] [--quick] [--database-url URL]

1. Generates N synthetic referral rows (valid US accounts, a few defects) as a CSV.
2. Baseline: PostgreSQL ``COPY`` of that CSV into a bare table of text columns.
3. Ours: ``agency referrals import`` of the same file (parse, validate, normalize, dedupe,
   consumers, contact points, cases) into PostgreSQL, in a child process whose peak RSS
   is read from the kernel (wait4).
4. A 10,000-account push to ``POST /api/v1/placements`` through a real uvicorn server on
   a loopback port, against a COPY of the same 10,000 rows.

Prints a table, then one line of JSON.  Needs a PostgreSQL server (default
postgresql+psycopg://postgres@127.0.0.1/agency_bench, created afresh).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2 as httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
AGENCY = str(ROOT / ".venv" / "bin" / "agency")
COLUMNS = [
    "client_reference",
    "first_name",
    "last_name",
    "date_of_birth",
    "ssn_last4",
    "email",
    "phone",
    "phone_type",
    "phone_consent",
    "phone_2",
    "address_line1",
    "city",
    "region",
    "postal_code",
    "country",
    "principal",
    "interest",
    "fees",
    "itemization_date",
    "itemization_type",
    "charge_off_date",
    "product",
]
AREAS = {
    "IL": ("312", "60601"),
    "NY": ("212", "10001"),
    "CA": ("415", "94105"),
    "TX": ("713", "77002"),
    "FL": ("305", "33101"),
    "WA": ("206", "98101"),
    "GA": ("404", "30303"),
    "MA": ("617", "02108"),
    "AZ": ("602", "85004"),
    "CO": ("303", "80202"),
}
FIRST = [
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
]
LAST = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
]


def generate(path: Path, rows: int, seed: int = 7) -> None:
    """Valid US accounts with about 1% defects (bad e-mail, negative amount, duplicate)."""
    rng = random.Random(seed)
    states = list(AREAS)
    today = datetime.now(UTC).date()
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for n in range(rows):
            state = states[n % len(states)]
            area, zip_code = AREAS[state]
            first, last = rng.choice(FIRST), rng.choice(LAST)
            principal = rng.randint(2_000, 500_000)
            item_date = today - timedelta(days=rng.randint(40, 700))
            email = f"{first}.{last}.{n}@example.com".lower()
            if n % 100 == 37:
                email = "broken@"
            reference = f"B{n:08d}" if n % 250 != 11 else f"B{n - 1:08d}"
            writer.writerow(
                [
                    reference,
                    first,
                    last,
                    f"19{rng.randint(40, 99)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                    f"{rng.randint(0, 9999):04d}",
                    email,
                    f"({area}) {rng.randint(200, 999)}-{n % 10000:04d}",
                    "mobile",
                    "yes",
                    f"{area}{rng.randint(200, 999)}{(n * 7) % 10000:04d}",
                    f"{rng.randint(1, 9999)} Main St",
                    "Springfield",
                    state,
                    zip_code,
                    "US",
                    f"{principal // 100}.{principal % 100:02d}" if n % 100 != 53 else "-1.00",
                    f"{rng.randint(0, 9999) / 100:.2f}",
                    "0",
                    item_date.isoformat(),
                    "charge_off",
                    item_date.isoformat(),
                    "card",
                ]
            )


def fresh_database(url: str) -> None:
    base = psycopg.conninfo.conninfo_to_dict(url.replace("+psycopg", ""))
    name = base["dbname"]
    admin = dict(base, dbname="postgres")
    with psycopg.connect(**admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def copy_baseline(url: str, path: Path, table: str) -> float:
    """Seconds for COPY of the file into a bare table of text columns."""
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as connection:
        columns = ", ".join(f'"{c}" text' for c in COLUMNS)
        connection.execute(f"DROP TABLE IF EXISTS {table}")
        connection.execute(f"CREATE TABLE {table} ({columns})")
        started = time.perf_counter()
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY {table} FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
            path.open("rb") as data,
        ):
            while chunk := data.read(1 << 20):
                copy.write(chunk)
        return time.perf_counter() - started


def env_for(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "AGENCY_DATABASE_URL": url,
        "AGENCY_BROKER_URL": "memory://",
        "AGENCY_LOG_LEVEL": "WARNING",
        "AGENCY_SECURE_COOKIES": "false",
        "AGENCY_SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789",
        "AGENCY_PII_KEY": "bench-pii-key-0123456789abcdef0123456789",
    }


def setup_client(url: str) -> str:
    """Migrate and make the BENCH client with a contract and an API key; returns the key."""
    env = env_for(url)
    subprocess.run([AGENCY, "migrate"], env=env, check=True, capture_output=True)
    script = (
        "from datetime import date\n"
        "from decimal import Decimal\n"
        "from agency.db import session_scope\n"
        "from agency.auth import service as auth\n"
        "from agency.auth.schemas import UserForm\n"
        "from agency.clients import service\n"
        "from agency.clients.schemas import ClientForm, ContractForm\n"
        "with session_scope() as db:\n"
        "    c = service.save_client(db, data=ClientForm(code='BENCH', name='Bench', "
        "legal_name='Bench Inc.', industry='Card', country='US', currency='USD', is_active=True))\n"
        "    service.save_contract(db, client=c, data=ContractForm(reference='B-1', "
        "currency='USD', contingency_rate=Decimal(25), settlement_floor=Decimal(60), "
        "effective_from=date(2020, 1, 1)))\n"
        "    u = auth.create_user(db, data=UserForm(email='bench@example.com', full_name='B', "
        "role='admin', is_active=True, password='bench-password'))\n"
        "    _, key = service.create_api_key(db, client=c, name='bench', created_by_id=u.id)\n"
        "    print(key)\n"
    )
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "-c", script],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return result.stdout.strip().splitlines()[-1]


def run_intake(url: str, path: Path, out_dir: Path) -> tuple[float, float, dict[str, object]]:
    """(seconds, peak RSS in MB, the import's JSON) for `agency referrals import`, run as a
    child reaped with wait4, which reports that child's own peak RSS."""
    out_path, err_path = out_dir / "import.json", out_dir / "import.err"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.perf_counter()
        child = subprocess.Popen(
            [AGENCY, "referrals", "import", str(path), "--client", "BENCH", "--json"],
            env=env_for(url),
            stdout=out,
            stderr=err,
        )
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"intake failed: {err_path.read_text()[-500:]}")
    summary = json.loads(out_path.read_text())
    summary.pop("errors", None)
    return elapsed, usage.ru_maxrss / 1024, summary


def api_push(url: str, key: str, rows: list[dict[str, str]]) -> float:
    """Seconds for one POST of ``rows`` to a real server on a loopback port."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server = subprocess.Popen(
        [AGENCY, "serve", "--port", str(port)],
        env=env_for(url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.2)
        body = {"accounts": [{k: v for k, v in row.items() if v != ""} for row in rows]}
        started = time.perf_counter()
        response = httpx.post(
            f"http://127.0.0.1:{port}/api/v1/placements",
            json=body,
            headers={"Authorization": f"Bearer {key}", "Idempotency-Key": "bench"},
            timeout=120,
        )
        elapsed = time.perf_counter() - started
        if response.status_code != 201:
            raise SystemExit(f"push failed: {response.status_code} {response.text[:300]}")
        return elapsed
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="20,000 rows, same code path")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "AGENCY_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1/agency_bench"
        ),
    )
    args = parser.parse_args()
    rows = 20_000 if args.quick else args.rows
    url = args.database_url

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "referrals.csv"
        started = time.perf_counter()
        generate(path, rows)
        generated = time.perf_counter() - started
        fresh_database(url)
        key = setup_client(url)
        copy_seconds = copy_baseline(url, path, "bench_copy")

        ours_seconds, peak_mb, summary = run_intake(url, path, Path(folder))

        push_rows = 10_000
        with path.open() as data:
            reader = csv.DictReader(data)
            sample = [
                dict(row, client_reference="P" + row["client_reference"])
                for _, row in zip(range(push_rows), reader, strict=False)
            ]
        small = Path(folder) / "push.csv"
        with small.open("w", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(sample)
        push_copy = copy_baseline(url, small, "bench_copy_small")
        push_seconds = api_push(url, key, sample)

    ours_rate = rows / ours_seconds
    copy_rate = rows / copy_seconds
    result = {
        "bench": "intake",
        "rows": rows,
        "ours_rows_s": round(ours_rate),
        "baseline_rows_s": round(copy_rate),
        "ratio": round(ours_rate / copy_rate, 3),
        "peak_rss_mb": round(peak_mb, 1),
        "accepted": summary["accepted"],
        "rejected": summary["rejected"],
        "api_push_rows": push_rows,
        "api_push_s": round(push_seconds, 2),
        "api_push_copy_s": round(push_copy, 3),
    }
    print(f"generated {rows:,} rows in {generated:.1f} s")
    print(f"{'':34}{'seconds':>10}{'rows/s':>12}")
    print(f"{'(a) COPY into a bare table':34}{copy_seconds:>10.2f}{copy_rate:>12,.0f}")
    print(f"{'(b) agency referrals import':34}{ours_seconds:>10.2f}{ours_rate:>12,.0f}")
    print(
        f"ratio b/a: {result['ratio']}   peak RSS of (b): {peak_mb:.0f} MB   "
        f"accepted {summary['accepted']:,}, rejected {summary['rejected']:,}"
    )
    print(
        f"API push of {push_rows:,} accounts: {push_seconds:.2f} s "
        f"(COPY of the same rows: {push_copy:.3f} s)"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())
