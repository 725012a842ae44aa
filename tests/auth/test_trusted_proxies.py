"""The address login throttling counts: a real ``agency serve`` believes X-Forwarded-For
from the peers in AGENCY_TRUSTED_PROXIES only, whatever any other peer sends."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx2 as httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, select

from agency.auth.models import LoginFailure
from agency.config import ROOT, Settings
from agency.db import session_scope

PROXY = "127.0.0.2"  # the trusted reverse proxy; the test's own 127.0.0.1 is any other peer


@pytest.fixture
def served(bound_engine: Engine) -> Iterator[str]:
    """``agency serve`` (this checkout's code) on a free loopback port and the test
    database, trusting only ``PROXY``."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "AGENCY_DATABASE_URL": bound_engine.url.render_as_string(hide_password=False),
        "AGENCY_TRUSTED_PROXIES": PROXY,
        "AGENCY_SECURE_COOKIES": "false",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "agency.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "serve did not start"
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def browser_from(url: str, address: str) -> httpx.Client:
    return httpx.Client(base_url=url, transport=httpx.HTTPTransport(local_address=address))


def wrong_password(browser: httpx.Client, email: str, forwarded_for: str) -> int:
    form = browser.get("/login").text
    found = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert found
    return browser.post(
        "/login",
        data={"email": email, "password": "wrong-password", "csrf_token": found.group(1)},
        headers={"X-Forwarded-For": forwarded_for},
    ).status_code


def recorded_addresses() -> list[str]:
    with session_scope() as db:
        return sorted(db.scalars(select(LoginFailure.client_ip)))


def test_only_a_trusted_proxy_names_the_client_address(served: str) -> None:
    with browser_from(served, "127.0.0.1") as direct:
        forged = [wrong_password(direct, "jo@example.com", f"203.0.113.{n}") for n in range(6)]
    assert forged == [401] * 5 + [429]  # a new forged address each time changed nothing
    assert recorded_addresses() == ["127.0.0.1"] * 5
    with browser_from(served, PROXY) as proxy:
        assert wrong_password(proxy, "jo@example.com", "198.51.100.23") == 401
    assert recorded_addresses() == ["127.0.0.1"] * 5 + ["198.51.100.23"]


def test_trusted_proxies_are_addresses_or_networks() -> None:
    assert Settings(trusted_proxies=" 10.0.0.0/8, ::1 ").trusted_proxies == "10.0.0.0/8,::1"
    with pytest.raises(ValidationError, match=re.escape("'proxy.internal' is not an IP address")):
        Settings(trusted_proxies="10.0.0.1,proxy.internal")
