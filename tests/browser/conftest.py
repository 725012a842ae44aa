"""A live server on a free loopback port and the system Chromium driven by Playwright.

The server uses the test database through ``bound_engine``; what a journey commits is
removed after it.  Playwright never downloads a browser: it drives /usr/bin/chromium
(``AGENCY_CHROMIUM`` to point elsewhere).  Outside CI a machine without Chromium skips
these tests; in CI (``CI`` set) a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright
from sqlalchemy import Engine

from agency.config import get_settings
from agency.main import create_app
from tests.fixtures.factories import PASSWORD

CHROMIUM = os.environ.get("AGENCY_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def live_server(bound_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setattr(get_settings(), "secure_cookies", False)  # plain http on loopback
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("live server did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}; .ci/run installs it")
        pytest.skip("no system Chromium (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def console_errors(page: Page) -> list[str]:
    """The errors the page's console shows from now on (a refused script or style, a
    failed request): a list that fills as the test goes."""
    found: list[str] = []

    def seen(message: ConsoleMessage) -> None:
        if message.type == "error":
            found.append(message.text)

    page.on("console", seen)
    return found


def sign_in(page: Page, live_server: str, email: str) -> None:
    """Sign in through the login form as a person does (a factory user's password), and
    wait until the page has left the login form."""
    page.goto(f"{live_server}/login")
    page.fill("#f-email", email)
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: not url.endswith("/login"))
