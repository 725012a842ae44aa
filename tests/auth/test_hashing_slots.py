"""A burst of sign-ins computes at most ``AGENCY_PASSWORD_HASH_CONCURRENCY`` password
hashes at once (each ~64 MiB and a core); the others wait for a slot on the event loop,
holding no thread, and every one is answered."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import httpx2 as httpx
import pytest
import uvicorn
from sqlalchemy import Engine

from agency.auth import service
from agency.auth.models import Role
from agency.config import get_settings
from agency.db import session_scope
from agency.main import create_app
from tests.fixtures.factories import PASSWORD, UserFactory, bind

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class Counting:
    """Wraps the hasher: how many verifications ran at the same time, at most."""

    def __init__(self, hasher: Any) -> None:
        self.hasher = hasher
        self.now = self.most = 0
        self.lock = threading.Lock()

    def verify_and_update(self, *args: Any) -> Any:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            return self.hasher.verify_and_update(*args)
        finally:
            with self.lock:
                self.now -= 1


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counting]:
    wrapped = Counting(service._hasher)
    monkeypatch.setattr(service, "_hasher", wrapped)
    yield wrapped


def test_a_burst_of_sign_ins_hashes_two_at_a_time(
    bound_engine: Engine, counting: Counting, monkeypatch: pytest.MonkeyPatch
) -> None:
    if bound_engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer: its sign-ins never hash concurrently anyway")
    monkeypatch.setattr(get_settings(), "password_hash_concurrency", 2)
    monkeypatch.setattr(get_settings(), "secure_cookies", False)
    with session_scope() as db:
        bind(db)
        emails = [UserFactory(role=Role.AGENT).email for _ in range(12)]
    with live_server() as url:

        def sign_in(index: int) -> int:
            # Each from its own address: sign-ins from one address are checked in turn.
            transport = httpx.HTTPTransport(local_address=f"127.0.0.{index + 2}")
            with httpx.Client(base_url=url, transport=transport, timeout=60) as browser:
                token = TOKEN.search(browser.get("/login").text)
                assert token is not None
                password = PASSWORD if index % 2 else "wrong-password"
                return browser.post(
                    "/login",
                    data={"email": emails[index], "password": password, "csrf_token": token[1]},
                ).status_code

        with ThreadPoolExecutor(max_workers=12) as pool:
            statuses = list(pool.map(sign_in, range(12)))
    assert sorted(statuses) == [303] * 6 + [401] * 6
    assert counting.most == 2


@contextmanager
def live_server() -> Iterator[str]:
    """The app on a loopback port, in this process (so the counting hasher is seen)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        threading.Event().wait(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
