"""Everyday concurrency against a real server: the patterns that used to deadlock it.

A double click on "Add note", two staff pressing Call on one case, six pushes with one
API key, and a page read and a form post of one idle session, all at once.  Before the
endpoints ran off the event loop, a request waiting for a lock blocked the loop the
holder needed to commit: the server hung for good.  Every request must be answered,
and ``/healthz`` must keep answering within a second throughout.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx2 as httpx
from sqlalchemy import func, select, update

from agency.auth.models import Role, User, UserSession
from agency.cases.models import Case, CaseNote
from agency.clients import service as clients_service
from agency.clients.models import ApiKey, Client
from agency.db import session_scope
from agency.kit import clock
from agency.referrals.models import Placement
from tests.faults.conftest import REQUEST_TIMEOUT, Server, browser_for, form_token
from tests.fixtures.compliance import make_person
from tests.fixtures.factories import ClientFactory, ContractFactory, UserFactory, bind


@dataclass
class World:
    agent: User
    supervisor: User
    case_id: int
    client: Client
    api_key: str
    idle_user: User


def _world() -> World:
    with session_scope() as db:
        bind(db)
        client = ClientFactory(code="FAULTS")
        ContractFactory(client=client)
        agent = UserFactory(role=Role.AGENT)
        supervisor = UserFactory(role=Role.SUPERVISOR)
        idle_user = UserFactory(role=Role.SUPERVISOR)
        person = make_person(client=client, first_name="Dana", last_name="Lind")
        person.case.assigned_agent_id = agent.id
        admin = UserFactory(role=Role.ADMIN)
        _, secret = clients_service.create_api_key(
            db, client=client, name="faults", created_by_id=admin.id
        )
        db.flush()
        return World(agent, supervisor, person.case.id, client, secret, idle_user)


def _account(reference: str) -> dict[str, Any]:
    return {
        "client_reference": reference,
        "first_name": "Jane",
        "last_name": "Doe",
        "email": f"{reference.lower()}@example.com",
        "phone": "+13125550123",
        "address_line1": "1 Main St",
        "city": "Chicago",
        "region": "IL",
        "postal_code": "60601",
        "country": "US",
        "principal": "120.00",
        "itemization_date": "2026-10-01",
    }


@dataclass
class Health:
    """``/healthz`` polled on its own connection while the load runs."""

    server: Server
    worst: float = 0.0
    failures: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        with httpx.Client(base_url=self.server.url, timeout=REQUEST_TIMEOUT) as client:
            while not self._stop.is_set():
                started = time.perf_counter()
                try:
                    status = client.get("/healthz").status_code
                except httpx.TransportError as exc:
                    self.failures.append(type(exc).__name__)
                    continue
                self.worst = max(self.worst, time.perf_counter() - started)
                if status != 200:
                    self.failures.append(str(status))
                self._stop.wait(0.05)

    def stop(self) -> None:
        self._stop.set()


def _all_at_once(server: Server, calls: list[Callable[[], httpx.Response]]) -> list[int]:
    """Fire every call at the same moment (each on its own connection); their statuses."""
    health = Health(server)
    poller = threading.Thread(target=health.run)
    poller.start()
    start = threading.Barrier(len(calls))

    def fire(call: Callable[[], httpx.Response]) -> int:
        start.wait()
        return call().status_code

    try:
        with ThreadPoolExecutor(max_workers=len(calls)) as pool:
            statuses = list(pool.map(fire, calls))
    finally:
        health.stop()
        poller.join()
    assert not health.failures, f"/healthz failed: {health.failures}"
    assert health.worst < 1.0, f"/healthz took {health.worst:.2f} s under load"
    return statuses


def test_the_everyday_patterns_that_deadlocked_are_all_answered(served: Server) -> None:
    world = _world()
    case_page = f"/cases/{world.case_id}"

    # Two browsers of one agent (a double click posts twice on one connection each).
    note_clients = [browser_for(served, world.agent) for _ in range(2)]
    note_tokens = [form_token(c, case_page) for c in note_clients]
    # Two staff on the same case: the agent who holds it and a supervisor.
    callers = [browser_for(served, world.agent), browser_for(served, world.supervisor)]
    call_tokens = [form_token(c, case_page) for c in callers]
    # One idle session (last seen two minutes ago): a page and a form at once.
    idle = browser_for(served, world.idle_user)
    idle_token = form_token(idle, case_page)
    with session_scope() as db:
        db.execute(update(UserSession).values(last_seen_at=clock.now() - timedelta(minutes=2)))
    machines = [
        httpx.Client(
            base_url=served.url,
            timeout=REQUEST_TIMEOUT,
            headers={"Authorization": f"Bearer {world.api_key}"},
        )
        for _ in range(6)
    ]

    calls: list[Callable[[], httpx.Response]] = [
        *(
            (lambda c=c, t=t: c.post(f"{case_page}/notes", data={"csrf_token": t, "body": "Hi"}))
            for c, t in zip(note_clients, note_tokens, strict=True)
        ),
        *(
            (lambda c=c, t=t: c.post(f"{case_page}/call", data={"csrf_token": t}))
            for c, t in zip(callers, call_tokens, strict=True)
        ),
        lambda: idle.get(case_page),
        lambda: idle.post(f"{case_page}/notes", data={"csrf_token": idle_token, "body": "Hi"}),
        *(
            (lambda m=m, n=n: m.post("/api/v1/placements", json={"accounts": [_account(f"P{n}")]}))
            for n, m in enumerate(machines)
        ),
    ]
    statuses = _all_at_once(served, calls)

    notes, calls_, idle_get, idle_post, pushes = (
        statuses[:2],
        statuses[2:4],
        statuses[4],
        statuses[5],
        statuses[6:],
    )
    assert notes == [200, 200]
    assert calls_ == [200, 200]
    assert (idle_get, idle_post) == (200, 200)
    assert pushes == [201] * 6
    with session_scope() as db:
        case_id = world.case_id
        assert db.scalar(select(func.count()).where(CaseNote.case_id == case_id)) == 3
        pushed = select(func.count()).select_from(Placement).where(Placement.source == "api")
        assert db.scalar(pushed) == 6
        assert db.scalar(select(func.count()).where(Case.client_id == world.client.id)) == 7
        key = db.scalar(select(ApiKey))
        assert key is not None and key.last_used_at is not None  # touched, after commit
    served.stop()
