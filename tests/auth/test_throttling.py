"""Login throttling: per account and address, the account's slower global cap, the
address's own cap, and attempts made at the same moment counted one after another."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from agency.auth import service
from agency.auth.models import LoginFailure
from agency.config import get_settings
from agency.db import session_scope
from agency.kit import clock
from tests.fixtures.factories import PASSWORD, UserFactory, bind
from tests.fixtures.web import post_form


@contextmanager
def browser_at(app: Any, address: str) -> Iterator[TestClient]:
    """A browser whose requests come from ``address``."""
    with TestClient(
        app, base_url="https://testserver", follow_redirects=False, client=(address, 50000)
    ) as browser:
        yield browser


def login(browser: TestClient, email: str, password: str) -> httpx.Response:
    return post_form(browser, "/login", {"email": email, "password": password})


def fail(browser: TestClient, email: str, times: int) -> None:
    for _ in range(times):
        assert login(browser, email, "wrong-password").status_code == 401


def failures(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(LoginFailure)) or 0


def test_repeated_failures_are_throttled_even_with_the_right_password(client: TestClient) -> None:
    user = UserFactory()
    fail(client, user.email, 5)
    response = login(client, user.email, PASSWORD)
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    assert "Too many failed sign-ins" in response.text


def test_throttle_lifts_after_the_window(client: TestClient) -> None:
    user = UserFactory()
    with clock.frozen(clock.now()):
        fail(client, user.email, 5)
        clock.advance(timedelta(minutes=5))
        paused = login(client, user.email, PASSWORD)
        assert paused.status_code == 429
        assert paused.headers["retry-after"] == str(10 * 60)  # the oldest failure's 15 min
        clock.advance(timedelta(minutes=11))
        assert login(client, user.email, PASSWORD).status_code == 303


def test_a_refused_attempt_is_not_a_failure(client: TestClient, db: Session) -> None:
    user = UserFactory()
    fail(client, user.email, 5)
    for _ in range(3):
        assert login(client, user.email, "wrong-password").status_code == 429
    assert failures(db) == 5  # trying on does not lengthen the pause


def test_failures_from_one_address_do_not_lock_the_user_out_from_another(
    app: Any, db: Session
) -> None:
    user = UserFactory()
    with browser_at(app, "198.51.100.7") as attacker, browser_at(app, "203.0.113.20") as owner:
        fail(attacker, user.email, 5)
        assert login(attacker, user.email, PASSWORD).status_code == 429
        assert login(owner, user.email, PASSWORD).status_code == 303
    assert failures(db) == 0  # a sign-in clears the account's failures


def test_the_global_cap_pauses_the_account_from_every_address(
    app: Any, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "login_max_failures_per_account", 7)
    user = UserFactory()
    with (
        clock.frozen(clock.now()),
        browser_at(app, "198.51.100.1") as first,
        browser_at(app, "198.51.100.2") as second,
        browser_at(app, "203.0.113.20") as owner,
    ):
        fail(first, user.email, 5)
        fail(second, user.email, 2)
        paused = login(owner, user.email, PASSWORD)
        assert paused.status_code == 429
        assert paused.headers["retry-after"] == str(60 * 60)  # the account's one-hour window
        clock.advance(timedelta(minutes=61))
        assert login(owner, user.email, PASSWORD).status_code == 303


def test_an_address_is_capped_across_accounts(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "login_max_failures_per_ip", 3)
    for n in range(3):
        login(client, f"sprayed{n}@example.com", "Summer2026!")
    assert login(client, UserFactory().email, PASSWORD).status_code == 429


class CountingHasher:
    """The real password hasher, counting the passwords it verifies."""

    def __init__(self, hasher: Any) -> None:
        self.hasher = hasher
        self.verified = 0
        self._lock = threading.Lock()

    def verify_and_update(self, password: str, hash: str) -> tuple[bool, str | None]:
        with self._lock:
            self.verified += 1
        result: tuple[bool, str | None] = self.hasher.verify_and_update(password, hash)
        return result


def test_concurrent_attempts_check_no_more_passwords_than_the_limit(
    bound_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """30 wrong passwords for one account at the same moment, each in its own session
    and transaction as each request has, on real connections: 5 are checked."""
    with session_scope() as db:
        bind(db)
        email = UserFactory().email
    hasher = CountingHasher(service._hasher)
    monkeypatch.setattr(service, "_hasher", hasher)
    attempts = 30
    start = threading.Barrier(attempts)

    def attempt() -> str:
        start.wait()
        with session_scope() as db:
            try:
                service.sign_in(db, email=email, password="wrong-password", client_ip="192.0.2.9")
            except (service.LoginFailed, service.LoginThrottled) as refused:
                return type(refused).__name__  # as the view, which answers and commits
        return "signed in"

    with ThreadPoolExecutor(max_workers=attempts) as pool:
        outcomes = [future.result() for future in [pool.submit(attempt) for _ in range(attempts)]]
    limit = get_settings().login_max_failures
    assert hasher.verified == limit
    assert sorted(outcomes) == ["LoginFailed"] * limit + ["LoginThrottled"] * (attempts - limit)
    with session_scope() as db:
        assert failures(db) == limit
