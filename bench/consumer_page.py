"""The consumer's self-service page under 20 consumers at once, against the same server's
``/healthz`` in the same run.

    python bench/consumer_page.py [--consumers 20] [--requests 50] [--quick] [--database-url URL]

On a fresh PostgreSQL database (SQLite with ``--database-url sqlite:///...``): one client
and contract, and ``--consumers`` consumers with one case each.  A real ``agency serve``
(``--workers`` processes, 2: one a core) on a loopback port; each consumer, in its own thread with
its own connection, opens its link, passes the identity check through the form, then
asks, in rounds that alternate so both see the same machine:

- **ours**: ``GET /pay/{token}`` — the account page: the link verified (signature, age,
  revocation), the case with consumer, client and contract, the itemized balance, the
  plan, the documents, rendered in the page's own layout;
- **baseline**: ``GET /healthz`` through the same server and connections — routing,
  middleware, a session and ``SELECT 1``: what any request costs here.

Prints p50 / p95 / p99 of both, then one line of JSON.  Target: the page's p95 < 150 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx2 as httpx

ROOT = Path(__file__).resolve().parent.parent
ENV = {
    "AGENCY_BROKER_URL": "memory://",
    "AGENCY_LOG_LEVEL": "WARNING",
    "AGENCY_SECURE_COOKIES": "false",
    "AGENCY_SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789",
    "AGENCY_PII_KEY": "bench-pii-key-0123456789abcdef0123456789",
    "AGENCY_LEDGER_KEY": "bench1:bench-ledger-key-0123456789abcdef0123456789",
}
BORN = date(1980, 4, 23)
TARGET_P95_MS = 150.0


def fresh_database(url: str) -> None:
    if url.startswith("sqlite"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        return
    import psycopg

    base = psycopg.conninfo.conninfo_to_dict(url.replace("+psycopg", ""))
    with psycopg.connect(**dict(base, dbname="postgres"), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{base["dbname"]}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{base["dbname"]}"')


def setup(consumers: int) -> list[str]:
    """The links (paths) of ``consumers`` new cases on the migrated database."""
    from alembic import command

    from agency.cases.models import Case, CaseStatus, Consumer
    from agency.clients.models import Client, Contract
    from agency.db import alembic_config, session_scope
    from agency.payments.self_service import links

    command.upgrade(alembic_config(), "head")
    with session_scope() as db:
        client = Client(
            code="SELF",
            name="Self Bench",
            legal_name="Self Bench LLC",
            industry="Card",
            country="US",
            currency="USD",
            is_active=True,
        )
        db.add(client)
        db.flush()
        contract = Contract(
            client_id=client.id,
            reference="SB-1",
            currency="USD",
            contingency_rate=Decimal(25),
            settlement_floor=Decimal(60),
            effective_from=date(2020, 1, 1),
            min_payment_minor=1_000,
        )
        db.add(contract)
        db.flush()
        paths = []
        for n in range(consumers):
            consumer = Consumer(
                first_name=f"Bench{n}",
                last_name="Consumer",
                date_of_birth=BORN,
                country="US",
                region="IL",
                postal_code="60601",
                language="en",
                timezones=["America/Chicago"],
            )
            db.add(consumer)
            db.flush()
            case = Case(
                client_id=client.id,
                contract_id=contract.id,
                consumer_id=consumer.id,
                client_reference=f"S{n:06d}",
                first_name=consumer.first_name,
                last_name=consumer.last_name,
                country="US",
                region="IL",
                postal_code="60601",
                language="en",
                currency="USD",
                principal_minor=250_000,
                interest_minor=12_000,
                placed_minor=262_000,
                status=CaseStatus.ACTIVE,
                original_creditor="Self Bench LLC",
            )
            db.add(case)
            db.flush()
            paths.append(links.link_for(case.id, consumer.id))
    return paths


def start_server(url: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    env = {**os.environ, **ENV, "AGENCY_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "agency.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{base}/healthz", timeout=1)
            return server, base
        except httpx.HTTPError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.terminate()
                raise SystemExit("the server did not start") from None
            time.sleep(0.2)


def signed_in(base: str, path: str) -> httpx.Client:
    """A consumer's own connection, past the identity check (the form as rendered)."""
    client = httpx.Client(base_url=base, timeout=30)
    page = client.get(path)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "no identity form"
    answer = {
        "csrf_token": token.group(1),
        "last_name": "consumer",
        "date_of_birth": BORN.isoformat(),
        "postal_code": "",
    }
    done = client.post(f"{path}/identity", data=answer)
    if done.status_code != 303:
        raise SystemExit(f"identity check failed: {done.status_code}")
    return client


def measure(clients: list[tuple[httpx.Client, str]], path_of: str, rounds: int) -> list[float]:
    """Each client asks ``rounds`` times at once with the others; milliseconds each."""
    times: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(len(clients))

    def work(client: httpx.Client, path: str) -> None:
        url = "/healthz" if path_of == "baseline" else path
        mine = []
        start.wait()
        for _ in range(rounds):
            began = time.perf_counter()
            response = client.get(url)
            mine.append((time.perf_counter() - began) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url}: {response.status_code}")
        with lock:
            times.extend(mine)

    threads = [threading.Thread(target=work, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(*, consumers: int, requests: int, database_url: str, workers: int = 2) -> dict[str, object]:
    """Set up, serve, measure; the figures (``bench/payments.py --part page`` calls it)."""
    os.environ.update(ENV, AGENCY_DATABASE_URL=database_url)
    fresh_database(database_url)
    paths = setup(consumers)
    server, base = start_server(database_url, workers)
    try:
        clients = [(signed_in(base, path), path) for path in paths]
        measure(clients, "ours", 2)  # warm: templates compiled, connections made
        measure(clients, "baseline", 2)
        ours: list[float] = []
        baseline: list[float] = []
        step = max(1, requests // 5)
        for _ in range(0, requests, step):
            ours += measure(clients, "ours", step)
            baseline += measure(clients, "baseline", step)
        for client, _ in clients:
            client.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    figures: dict[str, object] = {"part": "page", "consumers": consumers, "workers": workers}
    figures["requests_each_side"] = len(ours)
    for side, values in (("ours", ours), ("baseline", baseline)):
        figures[f"{side}_p50_ms"] = round(statistics.median(values), 1)
        figures[f"{side}_p95_ms"] = round(percentile(values, 0.95), 1)
        figures[f"{side}_p99_ms"] = round(percentile(values, 0.99), 1)
    figures["target_p95_ms"] = TARGET_P95_MS
    figures["p95_ratio"] = round(percentile(ours, 0.95) / percentile(baseline, 0.95), 2)
    figures["met"] = percentile(ours, 0.95) < TARGET_P95_MS
    return figures


def report(figures: dict[str, object]) -> None:
    print(f"{'':12}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}")
    for side in ("ours", "baseline"):
        row = [figures[f"{side}_p{p}_ms"] for p in (50, 95, 99)]
        print(f"{side:12}" + "".join(f"{value:>10}" for value in row))
    print(
        f"{figures['consumers']} consumers at once, {figures['requests_each_side']} requests "
        f"a side; target p95 < {TARGET_P95_MS:.0f} ms"
    )
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--consumers", type=int, default=20)
    parser.add_argument("--requests", type=int, default=50, help="per consumer, per side")
    parser.add_argument("--workers", type=int, default=2, help="server processes (one a core)")
    parser.add_argument("--quick", action="store_true", help="10 requests each, same path")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "AGENCY_BENCH_DATABASE_URL",
            "postgresql+psycopg://postgres@127.0.0.1/agency_bench_page",
        ),
    )
    args = parser.parse_args()
    requests = 10 if args.quick else args.requests
    figures = run(
        consumers=args.consumers,
        requests=requests,
        database_url=args.database_url,
        workers=args.workers,
    )
    report(figures)


if __name__ == "__main__":
    main()
