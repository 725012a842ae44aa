"""The load-and-fault suite: a real ``agency serve`` process on the test database.

Each test gets its own server process (``served``, or ``serve(**settings)`` for other
settings), started as an operator starts it,
on a free loopback port, with its standard error kept in a file the test can read.
What the test commits through ``bound_engine`` (and the server writes) is removed after
it.  The server is stopped with SIGTERM, as a deployment stops it, and must exit within
its grace time.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx
import pytest
from sqlalchemy import Engine

from agency.auth import service as auth_service
from agency.auth.models import User
from agency.auth.permissions import SESSION_COOKIE
from agency.db import session_scope

GRACE_SECONDS = 5
REQUEST_TIMEOUT = 60.0  # a hung server fails the test instead of hanging it
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def rss_mb(self) -> float:
        """The server process's resident memory now."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS"))
        return int(kib) / 1024

    def stop(self) -> None:
        """SIGTERM, as a deployment stops a server: it must shut down cleanly within
        its grace time (uvicorn then exits by the same signal, as is the convention)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=GRACE_SECONDS + 15)
        assert "Application shutdown complete" in self.log(), self.log()[-2000:]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def serve(bound_engine: Engine, tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """Start ``agency serve`` with the settings given (``lock_timeout_seconds="1"`` sets
    ``AGENCY_LOCK_TIMEOUT_SECONDS``); every server started is killed at the end."""
    started: list[Server] = []

    def start(**settings: str) -> Server:
        port = _free_port()
        env = os.environ | {
            "AGENCY_DATABASE_URL": bound_engine.url.render_as_string(hide_password=False),
            "AGENCY_SECURE_COOKIES": "false",
            "AGENCY_LOG_LEVEL": "INFO",
            "AGENCY_UPLOAD_DIR": str(tmp_path / "uploads"),
            "AGENCY_SHUTDOWN_GRACE_SECONDS": str(GRACE_SECONDS),
        }
        env |= {f"AGENCY_{name.upper()}": value for name, value in settings.items()}
        log_path = tmp_path / f"server-{len(started)}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "agency.cli", "serve", "--port", str(port)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        server = Server(f"http://127.0.0.1:{port}", process, log_path)
        started.append(server)
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                    return server
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"agency serve did not start:\n{server.log()}")
            time.sleep(0.1)

    try:
        yield start
    finally:
        for server in started:
            if server.process.poll() is None:
                server.process.kill()
                server.process.wait()


@pytest.fixture
def served(serve: Callable[..., Server]) -> Server:
    """A server with the default settings."""
    return serve()


def browser_for(server: Server, user: User | None = None) -> httpx.Client:
    """An HTTP client holding ``user``'s session cookie, as a signed-in browser does."""
    client = httpx.Client(base_url=server.url, timeout=REQUEST_TIMEOUT)
    if user is not None:
        with session_scope() as db:
            token = auth_service.start_session(db, user=db.merge(user)).token
        client.cookies.set(SESSION_COOKIE, token)
    return client


def form_token(client: httpx.Client, page: str) -> str:
    """The CSRF token of a page's forms, read from the page as the browser gets it."""
    response = client.get(page)
    found = _CSRF.search(response.text)
    assert found, f"{page} ({response.status_code}) has no form"
    return found.group(1)
