"""The agent's "next case" through the real app against the raw one-statement pick.

    python bench/queue.py [--cases N] [--seconds S] [--agents A] [--quick] [--database-url URL]

Builds a fresh PostgreSQL database with set-based SQL (not the ORM): one client, one team
of A agents (signed in over HTTP with a password), about 0.6 N consumers, each with a
consented mobile and the zones intake would store, in states whose local time stays
inside the calling hours for the whole run (chosen when the bench starts, by asking the
compliance engine), and N cases of which half are workable in the team's shared pool
(the rest paid, closed or on hold).  Then, in the same run, A concurrent agents for S
seconds each:

- **(a) raw**: A threads, each with its own psycopg connection in autocommit, sending the
  pick ``agency.cases.queue`` sends (``UPDATE ... WHERE id = COALESCE((book's SELECT ...
  FOR UPDATE SKIP LOCKED), (pool's ...)) RETURNING ...``), compiled from the very
  statement object it sends;
- **(b) ours**: ``POST /queue/next`` on a real uvicorn server (2 worker processes), one
  HTTP client per agent posting, as the case page does, the case it leaves: session,
  CSRF, the skip of that case, the pick, the compliance gate's what-if for each phone,
  commit, 303;
- **(c) paced**: the same agents on the same server, each pressing Next case once a
  second (``--every``): the latency an agent sees when the server is not saturated.
  (a) and (b) are closed loops: A calls always in flight, so their latency is mostly
  queueing, A / throughput.

Leases are reset and the table vacuumed between (a) and (b).  Every picked id is recorded: a
lease outlives the run, so an id picked twice is a duplicate.  Prints a table (picks/s,
p50, p99, throughput per slice of the run), then one line of JSON.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.machinery
import importlib.util
import json
import os
import re
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

# This file has the standard library's name, and ``python bench/<any>.py`` puts bench/
# first on sys.path.  Run as a script: bench/ leaves the path before anything imports
# ``queue`` (nothing above does).  Imported as ``queue`` by a sibling script (intake.py,
# compliance.py, ...): it hands over the real module (the import system returns what
# sys.modules holds afterwards); the rest of this file then only defines things.
_HERE = Path(__file__).resolve().parent
if __name__ == "queue":
    _spec = importlib.machinery.PathFinder.find_spec(
        "queue", [p for p in sys.path if Path(p or ".").resolve() != _HERE]
    )
    assert _spec is not None and _spec.loader is not None
    sys.modules["queue"] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules["queue"])
elif sys.path and Path(sys.path[0] or ".").resolve() == _HERE:
    del sys.path[0]

if TYPE_CHECKING:
    import httpx2 as httpx
    import psycopg

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PASSWORD = "bench-agent-password"  # noqa: S105 (a throwaway bench database)
# (country, region, postal code, a consented mobile): the consumers' places.  Their
# zones are derived as intake derives them; only places where a call is allowed for the
# whole run are used (US first; the others only if no US zone is in its hours).
US_PLACES = [
    ("US", "NY", "10001", "+12125550142"),
    ("US", "MA", "02108", "+16175550142"),
    ("US", "FL", "33101", "+13055550142"),
    ("US", "GA", "30303", "+14045550142"),
    ("US", "PA", "19103", "+12155550142"),
    ("US", "OH", "43215", "+16145550142"),
    ("US", "IL", "60601", "+13125550142"),
    ("US", "TX", "75201", "+12145550142"),
    ("US", "MN", "55401", "+16125550142"),
    ("US", "CO", "80202", "+13035550142"),
    ("US", "AZ", "85004", "+16025550142"),
    ("US", "CA", "94103", "+14155550142"),
    ("US", "WA", "98101", "+12065550142"),
    ("US", "AK", "99501", "+19075550142"),
    ("US", "HI", "96813", "+18085550142"),
]
OTHER_PLACES = [
    ("GB", "ENG", "SW1A 1AA", "+447700900142"),
    ("AU", "NSW", "2000", "+61491570142"),
    ("AU", "WA", "6000", "+61491570143"),
    ("CA", "ON", "M5H 2N2", "+14165550142"),
]
FIRST = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda"]
FIRST += ["David", "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Ana"]
LAST = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis"]
LAST += ["Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson"]


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


def plain(url: str) -> str:
    return url.replace("+psycopg", "")


def fresh_database(url: str) -> None:
    import psycopg

    base = psycopg.conninfo.conninfo_to_dict(plain(url))
    with psycopg.connect(**dict(base, dbname="postgres"), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{base["dbname"]}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{base["dbname"]}"')


# ---- where the consumers live ---------------------------------------------------------


@dataclass(frozen=True)
class Place:
    country: str
    region: str
    postal_code: str
    phone: str
    line_type: str
    zones: tuple[str, ...]


def callable_places(horizon: timedelta) -> tuple[list[Place], list[Place]]:
    """(places where a call to a consented mobile is allowed from now to now + horizon,
    the others), asking the compliance engine itself at a few instants in between."""
    from agency.compliance.engine import evaluate
    from agency.compliance.facts import (
        Attempt,
        CaseFacts,
        ConsumerFacts,
        ContactPointFacts,
        Facts,
    )
    from agency.kit.phones import parse_phone
    from agency.kit.timezones import candidate_zones

    def places(specs: Sequence[tuple[str, str, str, str]]) -> list[Place]:
        found = []
        for country, region, postal, phone in specs:
            parsed = parse_phone(phone, country)
            zones = candidate_zones(
                country=country,
                region=region,
                postal_code=postal,
                phone_zones=parsed.timezones if parsed else (),
            )
            line = parsed.line_type if parsed and parsed.line_type else "mobile"
            found.append(Place(country, region, postal, phone, line, zones))
        return found

    def allowed(place: Place, at: datetime) -> bool:
        point = ContactPointFacts(
            id="1", channel="phone", value=place.phone, kind="mobile", consent=True
        )
        consumer = ConsumerFacts(
            country=place.country,
            region=place.region,
            postal_code=place.postal_code,
            contact_points=(point,),
            timezones=place.zones,
        )
        attempt = Attempt(at=at, channel="call", contact_point="1", case_ids=("1",))
        facts = Facts(consumer=consumer, cases=(CaseFacts(id="1"),), attempt=attempt, now=at)
        return evaluate(facts).allowed

    now = datetime.now(UTC)
    instants = [now + horizon * step / 6 for step in range(7)]
    for specs in (US_PLACES, OTHER_PLACES):
        candidates = places(specs)
        good = [p for p in candidates if all(allowed(p, at) for at in instants)]
        if good:
            return good, [p for p in candidates if p not in good]
    return [], places(US_PLACES + OTHER_PLACES)


# ---- the data --------------------------------------------------------------------------


@dataclass
class Built:
    client_id: int
    team_id: int
    agents: list[tuple[int, str]]  # (user id, e-mail)
    consumers: int
    cases: int
    workable: int
    seconds: float


def build(url: str, cases: int, agents: int, places: Sequence[Place]) -> Built:
    """Everything with INSERT ... SELECT over generate_series, then VACUUM ANALYZE."""
    import psycopg

    from agency.auth.service import hash_password

    started = time.perf_counter()
    consumers = max(1, cases * 3 // 5)
    workable = cases // 2
    password_hash = hash_password(PASSWORD)  # once, for every agent
    with psycopg.connect(plain(url), autocommit=True) as db:
        db.execute("SELECT setseed(0.42)")
        client_id = db.execute(
            "INSERT INTO clients (code, name, legal_name, industry, country, currency,"
            " is_active, created_at) VALUES ('QBENCH', 'Queue Bench', 'Queue Bench LLC',"
            " 'Card', 'US', 'USD', true, now()) RETURNING id"
        ).fetchone()[0]  # type: ignore[index]
        contract_id = db.execute(
            "INSERT INTO contracts (client_id, reference, currency, contingency_rate,"
            " settlement_floor, effective_from, created_at) VALUES"
            " (%s, 'QB-1', 'USD', 25, 60, '2020-01-01', now()) RETURNING id",
            (client_id,),
        ).fetchone()[0]  # type: ignore[index]
        team_id = db.execute(
            "INSERT INTO teams (name, created_at) VALUES ('Bench pool', now()) RETURNING id"
        ).fetchone()[0]  # type: ignore[index]
        rows = db.execute(
            "INSERT INTO users (email, full_name, role, password_hash, is_active, created_at)"
            " SELECT 'agent' || lpad(g::text, 2, '0') || '@bench.example.com',"
            " 'Bench Agent ' || g, 'agent', %s, true, now() FROM generate_series(1, %s) g"
            " RETURNING id, email",
            (password_hash, agents),
        ).fetchall()
        db.execute(
            "INSERT INTO agent_profiles (user_id, team_id, capacity, languages, regions)"
            " SELECT id, %s, NULL, '[\"en\"]', '[\"US\"]' FROM users WHERE role = 'agent'",
            (team_id,),
        )
        db.execute(
            "CREATE TEMP TABLE places (n int, country text, region text, postal text,"
            " prefix text, line_type text, zones jsonb)"
        )
        with db.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO places VALUES (%s, %s, %s, %s, %s, %s, %s)",
                [
                    (n, p.country, p.region, p.postal_code, p.phone[:-2], p.line_type, zones)
                    for n, p in enumerate(places)
                    for zones in [json.dumps(list(p.zones))]
                ],
            )
        db.execute(
            "INSERT INTO consumers (first_name, last_name, country, region, postal_code,"
            " language, timezones, created_at)"
            " SELECT (%(first)s::text[])[1 + g %% 16], (%(last)s::text[])[1 + (g / 16) %% 15],"
            " p.country, p.region, p.postal, 'en', p.zones, now()"
            " FROM generate_series(1, %(n)s) g JOIN places p ON p.n = g %% %(places)s"
            " ORDER BY g",
            {"first": FIRST, "last": LAST, "n": consumers, "places": len(places)},
        )
        db.execute(
            "INSERT INTO contact_points (consumer_id, channel, kind, value, line_type,"
            " source_client_id, created_at)"
            " SELECT c.id, 'phone', 'mobile', p.prefix || lpad((c.id %% 100)::text, 2, '0'),"
            " p.line_type, %s, now()"
            " FROM consumers c JOIN places p ON p.country = c.country"
            " AND p.postal = c.postal_code ORDER BY c.id",
            (client_id,),
        )
        db.execute(  # every phone consented (compliance's flags table)
            "INSERT INTO contact_point_flags (contact_point_id, consent, consent_at, opted_out,"
            " do_not_call, do_not_use, workplace)"
            " SELECT id, true, now(), false, false, false, false FROM contact_points"
        )
        first_consumer = db.execute("SELECT min(id) FROM consumers").fetchone()[0]  # type: ignore[index]
        # Workable: exactly `workable` of the cases, spread evenly over the ids; the
        # priority is what the actions keep (never contacted first, then by balance).
        db.execute(
            """
            INSERT INTO cases (client_id, contract_id, consumer_id, client_reference,
                first_name, last_name, country, region, postal_code, language, currency,
                principal_minor, interest_minor, fees_minor, placed_minor, interest_since_minor,
                fees_since_minor, payments_since_minor, credits_since_minor, status, placed_at,
                updated_at, team_id, workable_at, hold_rules, priority, closed_at,
                close_reason, last_contact_at, product, original_creditor)
            SELECT %(client)s, %(contract)s, c.id, 'Q' || lpad(g::text, 8, '0'),
                c.first_name, c.last_name, c.country, c.region, c.postal_code, c.language,
                'USD', principal, 0, 0, principal, 0, 0, 0, 0,
                status, placed, now(), %(team)s,
                CASE WHEN status = 'hold' THEN now() + interval '30 days' ELSE placed END,
                '[]',
                CASE WHEN workable THEN (CASE WHEN status = 'new' THEN 2000 ELSE 0 END)
                    + LEAST(1000, principal / 10000) ELSE 0 END,
                CASE WHEN status IN ('paid', 'closed') THEN now() END,
                CASE status WHEN 'paid' THEN 'paid_in_full' WHEN 'closed' THEN 'uncollectible'
                    END,
                CASE WHEN status IN ('contacted', 'promise') THEN placed + (now() - placed) / 2
                    END,
                'card', 'Bench Bank N.A.'
            FROM (
                SELECT g, workable,
                    CASE WHEN workable
                        THEN (ARRAY['new', 'active', 'contacted', 'promise'])[1 + g %% 4]
                        ELSE (ARRAY['paid', 'closed', 'hold'])[1 + g %% 3] END AS status,
                    2000 + (random() * 600000)::bigint AS principal,
                    now() - interval '1 day' - random() * interval '400 days' AS placed
                FROM generate_series(1::bigint, %(n)s) g,
                LATERAL (SELECT (g * %(w)s / %(n)s) > ((g - 1) * %(w)s / %(n)s) AS workable) w
            ) s
            JOIN consumers c ON c.id = %(first)s + (g - 1) %% %(consumers)s
            ORDER BY g
            """,
            {
                "client": client_id,
                "contract": contract_id,
                "first": first_consumer,
                "consumers": consumers,
                "team": team_id,
                "n": cases,
                "w": workable,
            },
        )
        db.execute("VACUUM (ANALYZE)")
    return Built(
        client_id=client_id,
        team_id=team_id,
        agents=[(row[0], row[1]) for row in rows],
        consumers=consumers,
        cases=cases,
        workable=workable,
        seconds=time.perf_counter() - started,
    )


def reset_leases(url: str) -> None:
    import psycopg

    with psycopg.connect(plain(url), autocommit=True) as db:
        db.execute(
            "UPDATE cases SET lease_agent_id = NULL, lease_expires_at = NULL, ready = true,"
            " workable_at = now() - interval '1 second' WHERE lease_agent_id IS NOT NULL"
        )
        db.execute("VACUUM (ANALYZE) cases")


# ---- measuring -------------------------------------------------------------------------


@dataclass
class Run:
    """What one phase saw: (seconds since start at completion, latency) per pick."""

    name: str
    seconds: float
    done: list[tuple[float, float]] = field(default_factory=list)
    ids: Counter[int] = field(default_factory=Counter)
    empty: int = 0
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def picks(self) -> int:
        return len(self.done)

    @property
    def elapsed(self) -> float:
        """The phase's length: its seconds, or longer if calls begun before the end were
        still running then."""
        return max([self.seconds, *(at for at, _latency in self.done)])

    @property
    def rate(self) -> float:
        return self.picks / self.elapsed

    def percentile_ms(self, q: float) -> float:
        ordered = sorted(latency for _, latency in self.done)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0

    @property
    def duplicates(self) -> int:
        return sum(count - 1 for count in self.ids.values() if count > 1)

    def slices(self, width: float) -> list[float]:
        """Picks per second in each slice of ``width`` seconds of the phase (calls ending
        after its end are left out: they would crowd the last slice)."""
        count = max(1, round(self.seconds / width))
        per = [0] * count
        for at, _latency in self.done:
            if at < count * width:
                per[int(at / width)] += 1
        return [n / width for n in per]


def drop_pct(slices: Sequence[float]) -> float:
    return round((slices[0] - slices[-1]) / slices[0] * 100, 1) if slices and slices[0] else 0.0


def measure(
    name: str,
    agents: int,
    seconds: float,
    make_worker: Callable[[int], Callable[[], tuple[int | None, str | None]]],
    warmup: int = 3,
    every: float | None = None,
) -> Run:
    """Run ``agents`` threads for ``seconds``; each thread's worker returns (picked id or
    None, an error label or None) per call.  ``warmup`` calls each first, untimed (their
    ids still count for duplicates).  ``every``: each agent calls once per so many
    seconds (staggered), instead of again as soon as the last call returns."""
    run = Run(name, seconds)
    lock = threading.Lock()
    start: list[float] = []
    ready = threading.Barrier(agents, action=lambda: start.append(time.perf_counter()))

    def agent(n: int) -> None:
        work = make_worker(n)
        done: list[tuple[float, float]] = []
        ids: list[int] = []
        empty = 0
        errors: Counter[str] = Counter()

        def one() -> tuple[int | None, str | None]:
            try:
                return work()
            except Exception as exc:  # counted and reported
                return None, type(exc).__name__

        for _ in range(warmup):
            picked, error = one()
            if picked is not None:
                ids.append(picked)
        ready.wait()
        began = start[0]
        deadline = began + seconds
        due = began + (every * n / agents if every else 0.0)
        while True:
            if every:
                time.sleep(max(0.0, due - time.perf_counter()))
                due += every
            t0 = time.perf_counter()
            if t0 >= deadline:
                break
            picked, error = one()
            t1 = time.perf_counter()
            if error:
                errors[error] += 1
                continue
            done.append((t1 - began, t1 - t0))
            if picked is None:
                empty += 1
            else:
                ids.append(picked)
        with lock:
            run.done.extend(done)
            run.ids.update(ids)
            run.empty += empty
            run.errors.update(errors)

    threads = [threading.Thread(target=agent, args=(n,)) for n in range(agents)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return run


def pick_statement() -> tuple[str, dict[str, Any]]:
    """The SQL and parameter template of ``agency.cases.queue``'s pick, compiled from the
    very statement it sends."""
    from sqlalchemy.dialects.postgresql import psycopg as pg_dialect

    import agency.models  # noqa: F401 (every mapper, so Case's relationships resolve)
    from agency.cases import queue as agency_queue

    compiled = agency_queue.pick_statement(True).compile(dialect=pg_dialect.dialect())
    return str(compiled), dict(compiled.params)


def raw_phase(url: str, built: Built, agents: int, seconds: float) -> Run:
    import psycopg

    sql, template = pick_statement()
    lease = timedelta(minutes=15)
    connections: list[psycopg.Connection[Any]] = []

    def make_worker(n: int) -> Callable[[], tuple[int | None, str | None]]:
        agent_id = built.agents[n % len(built.agents)][0]
        connection = psycopg.connect(plain(url), autocommit=True)
        connections.append(connection)
        cursor = connection.cursor()

        def work() -> tuple[int | None, str | None]:
            now = datetime.now(UTC)
            # updated_at: the column's onupdate default, which the ORM fills with now.
            params = dict(template, agent=agent_id, now=now, until=now + lease, updated_at=now)
            row = cursor.execute(sql, params).fetchone()
            if row is None:
                return None, None
            assert cursor.description is not None  # the RETURNING list: the whole case row
            return row[[column.name for column in cursor.description].index("id")], None

        return work

    try:
        return measure("(a) raw SKIP LOCKED pick", agents, seconds, make_worker)
    finally:
        for connection in connections:
            connection.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def peak_rss_mb(pid: int) -> float:
    """VmHWM (the peak resident set) of a live process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"|"X-CSRF-Token": "([^"]+)"')
LOCATION = re.compile(r"/cases/(\d+)")


def csrf_from(page: str) -> str:
    match = TOKEN.search(page)
    if match is None:
        raise SystemExit("no CSRF token on the page")
    return match.group(1) or match.group(2)


def sign_in(base: str, email: str) -> tuple[httpx.Client, str]:
    """An HTTP client signed in as ``email`` the way a browser does, and its CSRF token."""
    import httpx2 as httpx

    client = httpx.Client(base_url=base, follow_redirects=False, timeout=60)
    token = csrf_from(client.get("/login").text)
    answer = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    if answer.status_code != 303:
        raise SystemExit(f"sign-in failed for {email}: {answer.status_code}")
    return client, csrf_from(client.get("/login").text)  # the nonce turns at sign-in


class Server:
    """``uvicorn agency.main:create_app --workers N`` on a loopback port."""

    def __init__(self, url: str, workers: int, log: Path) -> None:
        import httpx2 as httpx

        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.process = subprocess.Popen(
            [
                str(BIN / "uvicorn"),
                "agency.main:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(workers),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env=env_for(url),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=log.open("wb"),
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise SystemExit(f"the server did not start: {log.read_text()[-800:]}")
            time.sleep(0.2)

    def workers_peak_rss_mb(self) -> list[float]:
        return [peak_rss_mb(pid) for pid in children_of(self.process.pid)]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Agent:
    """One signed-in agent's kept-alive connection to the server, on the standard
    library's ``http.client``.  The load generator shares the machine's cores with the
    server it measures: httpx spent ~1.2 ms of CPU per call here, this ~0.2 ms."""

    def __init__(self, server: Server, email: str) -> None:
        client, self.token = sign_in(server.base, email)
        self.cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
        client.close()
        self.connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)

    def post(self, path: str, form: dict[str, str]) -> tuple[int, str]:
        """(status, Location header) of a form POST, as the case page's button sends it."""
        self.connection.request(
            "POST",
            path,
            body=urlencode(form),
            headers={
                "Cookie": self.cookie,
                "X-CSRF-Token": self.token,
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        answer = self.connection.getresponse()
        answer.read()
        return answer.status, answer.getheader("location", "")

    def close(self) -> None:
        self.connection.close()


def ours_phase(
    server: Server, built: Built, agents: int, seconds: float, every: float | None = None
) -> Run:
    signed = [Agent(server, built.agents[n % len(built.agents)][1]) for n in range(agents)]

    def make_worker(n: int) -> Callable[[], tuple[int | None, str | None]]:
        agent = signed[n]
        on: list[int] = []  # the case page the agent is on: "Next case" says it leaves it

        def work() -> tuple[int | None, str | None]:
            status, location = agent.post("/queue/next", {"leaving": str(on[-1])} if on else {})
            if status == 303:
                match = LOCATION.search(location)
                if match is None:
                    return None, "303 elsewhere"
                on.append(int(match.group(1)))
                return on[-1], None
            if status == 200:
                return None, None  # nothing to call right now
            return None, f"HTTP {status}"

        return work

    try:
        if every:
            name = f"(c) the same, 1 per {every:g} s each"
            return measure(name, agents, seconds, make_worker, every=every)
        return measure("(b) POST /queue/next", agents, seconds, make_worker)
    finally:
        for agent in signed:
            agent.close()


def database_figures(url: str) -> dict[str, Any]:
    import psycopg

    with psycopg.connect(plain(url), autocommit=True) as db:
        row = db.execute(
            "SELECT n_live_tup, n_dead_tup, n_tup_hot_upd, n_tup_upd FROM pg_stat_user_tables"
            " WHERE relname = 'cases'"
        ).fetchone()
        deferred = db.execute("SELECT count(*) FROM cases WHERE hold_rules <> '[]'").fetchone()
        autovacuum = db.execute("SHOW autovacuum").fetchone()
    assert row is not None and deferred is not None and autovacuum is not None
    return {
        "dead_tuples": row[1],
        "hot_update_share": round(row[2] / row[3], 3) if row[3] else None,
        "deferred_by_gate": deferred[0],
        "autovacuum": autovacuum[0],
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000, help="half of them workable")
    parser.add_argument("--seconds", type=float, default=30.0, help="per phase")
    parser.add_argument("--agents", type=int, default=16, help="concurrent agents")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument(
        "--every", type=float, default=1.0, help="phase (c): seconds between one agent's calls"
    )
    parser.add_argument("--quick", action="store_true", help="50,000 cases, 5 s per phase")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "AGENCY_BENCH_QUEUE_DATABASE_URL",
            "postgresql+psycopg://postgres@127.0.0.1/agency_bench_queue",
        ),
        help="a PostgreSQL database to recreate",
    )
    args = parser.parse_args(argv)
    cases, seconds = (50_000, 5.0) if args.quick else (args.cases, args.seconds)
    width = 1.0 if args.quick else 5.0  # throughput is reported per slice of this length
    url = args.database_url
    os.environ.update({k: v for k, v in env_for(url).items() if k.startswith("AGENCY_")})

    places, out_of_hours = callable_places(timedelta(minutes=10 if args.quick else 40))
    if not places:
        zones = sorted({z for p in out_of_hours for z in p.zones})
        raise SystemExit(
            "no consumer zone is inside the calling hours for the whole run "
            f"(tried {', '.join(zones)}): the endpoint would rightly defer every case. "
            "Run the bench at another time of day."
        )
    zones = sorted({z for p in places for z in p.zones})
    fresh_database(url)
    subprocess.run(
        [str(BIN / "agency"), "migrate"], env=env_for(url), check=True, capture_output=True
    )
    built = build(url, cases, args.agents, places)
    print(
        f"{cases:,} cases ({built.workable:,} workable in one team's pool), "
        f"{built.consumers:,} consumers, {args.agents} agents, {seconds:.0f} s per phase; "
        f"built in {built.seconds:.1f} s"
    )
    print(f"consumers' zones (in calling hours for the whole run): {', '.join(zones)}")

    raw = raw_phase(url, built, args.agents, seconds)
    reset_leases(url)
    with tempfile.TemporaryDirectory() as folder:
        server = Server(url, args.workers, Path(folder) / "server.log")
        try:
            ours = ours_phase(server, built, args.agents, seconds)
            paced = ours_phase(server, built, args.agents, seconds, every=args.every)
            server_rss = server.workers_peak_rss_mb()
        finally:
            server.stop()
        server_errors = (Path(folder) / "server.log").read_text()[-2000:]
    figures = database_figures(url)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"{'':32}{'picks':>8}{'picks/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'dups':>6}")
    print(f"{'':32}{'':>8}{'':>10}{'':>9}{'':>9}{'':>6}{'empty':>7}{'errors':>8}")
    for run in (raw, ours, paced):
        print(
            f"{run.name:<32}{run.picks:>8,}{run.rate:>10,.1f}{run.percentile_ms(0.5):>9.1f}"
            f"{run.percentile_ms(0.99):>9.1f}{run.duplicates:>6}{run.empty:>7}"
            f"{sum(run.errors.values()):>8}"
        )
    ratio = ours.rate / raw.rate if raw.rate else 0.0
    print(f"ratio (b)/(a): {ratio:.3f}")
    print(f"picks/s per {width:.0f} s slice (first -> last, drop):")
    for run in (raw, ours):
        slices = run.slices(width)
        shown = " ".join(f"{value:,.0f}" for value in slices)
        print(f"  {run.name:<30}{shown}   drop {drop_pct(slices)} %")
    print(
        f"peak RSS: bench process {peak_mb:.0f} MB; server workers "
        + ", ".join(f"{mb:.0f}" for mb in server_rss)
        + " MB"
    )
    print(
        f"cases after the run: {figures['dead_tuples']:,} dead tuples, HOT share "
        f"{figures['hot_update_share']}, {figures['deferred_by_gate']} deferred by the gate; "
        f"autovacuum {figures['autovacuum']}"
    )
    met = {
        "p99_under_50ms": ours.percentile_ms(0.99) < 50,
        "ratio_at_least_0_3": ratio >= 0.3,
        "no_duplicates": raw.duplicates == 0 and ours.duplicates == 0 and paced.duplicates == 0,
        "drop_at_most_20pct": drop_pct(ours.slices(width)) <= 20,
    }
    print(
        "targets: " + ", ".join(f"{name} {'met' if ok else 'NOT met'}" for name, ok in met.items())
    )
    for run in (raw, ours, paced):
        if run.errors:
            print(f"errors in {run.name}: {dict(run.errors)}")
    if (ours.errors or paced.errors) and server_errors.strip():
        print(f"server log (tail):\n{server_errors}")
    result = {
        "bench": "queue",
        "cases": cases,
        "workable": built.workable,
        "consumers": built.consumers,
        "agents": args.agents,
        "server_workers": args.workers,
        "seconds": seconds,
        "build_s": round(built.seconds, 1),
        "raw_picks": raw.picks,
        "raw_picks_s": round(raw.rate, 1),
        "raw_p50_ms": round(raw.percentile_ms(0.5), 2),
        "raw_p99_ms": round(raw.percentile_ms(0.99), 2),
        "ours_picks": ours.picks,
        "ours_picks_s": round(ours.rate, 1),
        "ours_p50_ms": round(ours.percentile_ms(0.5), 2),
        "ours_p99_ms": round(ours.percentile_ms(0.99), 2),
        "ratio": round(ratio, 3),
        "paced_every_s": args.every,
        "paced_picks": paced.picks,
        "paced_p50_ms": round(paced.percentile_ms(0.5), 2),
        "paced_p99_ms": round(paced.percentile_ms(0.99), 2),
        "duplicates_paced": paced.duplicates,
        "duplicates_raw": raw.duplicates,
        "duplicates_ours": ours.duplicates,
        "ours_empty": ours.empty,
        "ours_errors": sum(ours.errors.values()),
        "slice_s": width,
        "raw_slices": [round(v, 1) for v in raw.slices(width)],
        "ours_slices": [round(v, 1) for v in ours.slices(width)],
        "raw_drop_pct": drop_pct(raw.slices(width)),
        "ours_drop_pct": drop_pct(ours.slices(width)),
        "zones": zones,
        "peak_rss_mb": round(peak_mb, 1),
        "server_peak_rss_mb": [round(mb, 1) for mb in server_rss],
        **figures,
        "targets_met": met,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
