"""What one request does to everyone else: ``/healthz`` on a real ``agency serve`` while
heavy or hostile requests run, against the same server idle, in one run.

    python bench/faults.py [--quick] [--database-url URL]

A prober in a process of its own asks ``GET /healthz`` every 20 ms throughout.  Phases:

- **idle**: nothing else runs (the baseline);
- **sign-ins**: 40 failed sign-ins at once (argon2), wave after wave, from 40 addresses;
- **big CSV**: a merchant uploads a 199 MiB CSV through the page's form (preview and
  all, as the browser sends it);
- **XLSX bomb**: a ~200 KB XLSX whose shared strings decompress to hundreds of MB;
- **wide CSV**: 689 KB with 100,000 columns;
- **huge number**: a 100-byte API push with ``1e1000000000`` as an amount.

For each: what the heavy request got (status, seconds), ``/healthz`` p50 / p99 / max
while it ran, and the server's resident memory after it and at its peak.  The issue
that asked for this reported, before: a 199 MiB preview stalled every request 29 s, the
bomb 137 s (RSS 206 → 867 MB), 40 sign-ins pushed p50 to 1.6 s, 100,000 columns took
2.67 GB, the number 2.1 GB and 10 s.  Prints a table, then one line of JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx
from file_checks import write_bomb, write_csv, write_wide
from intake import AGENCY, ROOT, env_for, fresh_database

PASSWORD = "bench-faults-password"  # noqa: S105 (a throwaway bench database)
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
SETUP = """
from datetime import date
from decimal import Decimal
from agency.auth import service as auth
from agency.auth.schemas import UserForm
from agency.clients import service
from agency.clients.schemas import ClientForm, ContractForm
from agency.db import session_scope
with session_scope() as db:
    c = service.save_client(db, data=ClientForm(code='BENCH', name='Bench',
        legal_name='Bench Inc.', industry='Card', country='US', currency='USD', is_active=True))
    service.save_contract(db, client=c, data=ContractForm(reference='B-1', currency='USD',
        contingency_rate=Decimal(25), settlement_floor=Decimal(60),
        effective_from=date(2020, 1, 1)))
    admin = auth.create_user(db, data=UserForm(email='admin@bench.example', full_name='A',
        role='admin', is_active=True, password='{password}'))
    auth.create_user(db, data=UserForm(email='merchant@bench.example', full_name='M',
        role='merchant', client_id=c.id, is_active=True, password='{password}'))
    _, key = service.create_api_key(db, client=c, name='bench', created_by_id=admin.id)
    print(key)
"""


def setup(url: str) -> str:
    """Migrate and make a client, a merchant user and an API key; returns the key."""
    env = env_for(url)
    subprocess.run([AGENCY, "migrate"], env=env, check=True, capture_output=True)
    result = subprocess.run(
        [sys.executable, "-c", SETUP.format(password=PASSWORD)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return result.stdout.strip().splitlines()[-1]


class Server:
    """``agency serve`` as an operator starts it, on a loopback port."""

    def __init__(self, url: str, log: Path) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [AGENCY, "serve", "--port", str(self.port)],
            env=env_for(url),
            stdout=subprocess.DEVNULL,
            stderr=log.open("wb"),
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise SystemExit(f"the server did not start: {log.read_text()[-800:]}")
            time.sleep(0.2)

    def memory_mb(self) -> tuple[float, float]:
        """(resident now, resident at its peak) of the server process."""
        fields = dict(
            line.split(":", 1)
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines()
        )
        return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)


class Prober:
    """``GET /healthz`` every 20 ms on its own connection, from a process of its own (so
    the load this script makes, in its own threads, never delays the probe); latencies
    by the monotonic clock, which every process of the machine shares."""

    def __init__(self, base: str) -> None:
        self._stop = multiprocessing.Event()
        self._out: multiprocessing.Queue[list[tuple[float, float]]] = multiprocessing.Queue()
        self._process = multiprocessing.Process(target=self._run, args=(base,), daemon=True)
        self.samples: list[tuple[float, float]] = []  # (sent at, seconds)

    def _run(self, base: str) -> None:
        samples = []
        with httpx.Client(base_url=base, timeout=300) as client:
            while not self._stop.is_set():
                started = time.monotonic()
                client.get("/healthz")
                samples.append((started, time.monotonic() - started))
                self._stop.wait(0.02)
        self._out.put(samples)

    def start(self) -> None:
        self._process.start()

    def stop(self) -> None:
        self._stop.set()
        self.samples = self._out.get(timeout=600)
        self._process.join()

    def between(self, start: float, end: float) -> list[float]:
        return [seconds for sent, seconds in self.samples if start <= sent <= end]


@dataclass
class Phase:
    name: str
    status: str
    seconds: float
    healthz: list[float]
    rss_mb: float
    peak_rss_mb: float

    def row(self) -> dict[str, object]:
        ordered = sorted(self.healthz) or [0.0]
        return {
            "phase": self.name,
            "status": self.status,
            "seconds": round(self.seconds, 2),
            "healthz_n": len(self.healthz),
            "healthz_p50_ms": round(statistics.median(ordered) * 1000, 1),
            "healthz_p99_ms": round(ordered[math.ceil(0.99 * len(ordered)) - 1] * 1000, 1),
            "healthz_max_ms": round(ordered[-1] * 1000, 1),
            "rss_mb": round(self.rss_mb),
            "peak_rss_mb": round(self.peak_rss_mb),
        }


def signed_in_merchant(base: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base, timeout=600)
    token = TOKEN.search(client.get("/login").text)
    assert token is not None
    answer = client.post(
        "/login",
        data={"email": "merchant@bench.example", "password": PASSWORD, "csrf_token": token[1]},
    )
    if answer.status_code != 303:
        raise SystemExit(f"the merchant could not sign in: {answer.status_code}")
    page = TOKEN.search(client.get("/placements").text)
    assert page is not None
    return client, page[1]


def upload(base: str, name: str, content: bytes) -> str:
    client, token = signed_in_merchant(base)
    try:
        response = client.post(
            "/placements", data={"csrf_token": token}, files={"file": (name, content)}
        )
    finally:
        client.close()
    return str(response.status_code)


def failed_sign_ins(base: str, waves: int, at_once: int = 40) -> str:
    def attempt(index: int) -> int:
        transport = httpx.HTTPTransport(local_address=f"127.0.{index // 250}.{index % 250 + 2}")
        with httpx.Client(base_url=base, transport=transport, timeout=120) as client:
            token = TOKEN.search(client.get("/login").text)
            assert token is not None
            return client.post(
                "/login",
                data={
                    "email": f"nobody{index}@bench.example",
                    "password": "wrong-pass-123",
                    "csrf_token": token[1],
                },
            ).status_code

    statuses: list[int] = []
    for wave in range(waves):
        with ThreadPoolExecutor(max_workers=at_once) as pool:
            statuses += pool.map(attempt, range(wave * at_once, (wave + 1) * at_once))
    return ",".join(f"{statuses.count(s)}x{s}" for s in sorted(set(statuses)))


def huge_number(base: str, key: str) -> str:
    body = b'{"accounts": [{"client_reference": "N1", "principal": 1e1000000000}]}'
    response = httpx.post(
        f"{base}/api/v1/placements",
        content=body,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        timeout=600,
    )
    return str(response.status_code)


@dataclass
class Timed:
    """A phase's work as it ran: the samples come from the prober at the end."""

    name: str
    status: str
    started: float
    ended: float
    rss_mb: float
    peak_rss_mb: float


def measure(server: Server, name: str, work: Callable[[], str]) -> Timed:
    started = time.monotonic()
    status = work()
    ended = time.monotonic()
    time.sleep(0.2)  # the probe sent last in the phase comes back
    return Timed(name, status, started, ended, *server.memory_mb())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller files, one wave")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "AGENCY_BENCH_DATABASE_URL",
            "postgresql+psycopg://postgres@127.0.0.1/agency_bench_faults",
        ),
    )
    args = parser.parse_args()
    csv_mib, waves, bomb = (20, 1, 1_000_000) if args.quick else (199, 3, 10_000_000)
    url = args.database_url
    fresh_database(url)
    key = setup(url)
    with tempfile.TemporaryDirectory() as folder:
        made = Path(folder)
        write_csv(made / "big.csv", csv_mib)
        write_bomb(made / "bomb.xlsx", bomb)
        write_wide(made / "wide.csv", 100_000)
        big, bombed, wide = (
            (made / name).read_bytes() for name in ("big.csv", "bomb.xlsx", "wide.csv")
        )
        server = Server(url, Path(folder) / "server.log")
        prober = Prober(server.base)
        prober.start()
        try:
            timed = [
                measure(server, "idle", lambda: time.sleep(3) or "-"),
                measure(
                    server,
                    "40 failed sign-ins",
                    lambda: failed_sign_ins(server.base, waves),
                ),
                measure(
                    server,
                    f"{csv_mib} MiB CSV upload",
                    lambda: upload(server.base, "big.csv", big),
                ),
                measure(
                    server,
                    f"XLSX bomb ({len(bombed) // 1024} KB)",
                    lambda: upload(server.base, "bomb.xlsx", bombed),
                ),
                measure(
                    server,
                    f"100,000 columns ({len(wide) // 1024} KB)",
                    lambda: upload(server.base, "wide.csv", wide),
                ),
                measure(server, "1e1000000000 in a push", lambda: huge_number(server.base, key)),
            ]
        finally:
            prober.stop()
            server.stop()
    rows = [
        Phase(
            t.name,
            t.status,
            t.ended - t.started,
            prober.between(t.started, t.ended),
            t.rss_mb,
            t.peak_rss_mb,
        ).row()
        for t in timed
    ]
    print(f"{'phase':<30} {'answer':>14} {'s':>7}  healthz p50/p99/max ms  RSS/peak MB")
    for row in rows:
        healthz = f"{row['healthz_p50_ms']}/{row['healthz_p99_ms']}/{row['healthz_max_ms']}"
        memory = f"{row['rss_mb']}/{row['peak_rss_mb']}"
        answer = f"{row['phase']:<30} {row['status']:>14} {row['seconds']:>7}"
        print(f"{answer}  {healthz:>22}  {memory:>11}")
    idle_p50 = rows[0]["healthz_p50_ms"]
    print(
        json.dumps(
            {"bench": "faults", "csv_mib": csv_mib, "idle_healthz_p50_ms": idle_p50, "phases": rows}
        )
    )


if __name__ == "__main__":
    main()
