"""An admin issues a password reset link: single use, expiring, replaced by a newer one;
using it ends every session of the user."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency.auth import service
from agency.auth.models import PasswordReset, Role, User, UserSession
from agency.kit import clock
from tests.fixtures.factories import PASSWORD, UserFactory
from tests.fixtures.web import post_form, sign_in

NEW = {"new_password": "reset-password-1", "new_password_again": "reset-password-1"}


@pytest.fixture
def admin(client: TestClient, db: Session) -> User:
    user: User = UserFactory(role=Role.ADMIN)
    sign_in(client, db, user)
    return user


def _issue(client: TestClient, user: User) -> str:
    """The reset link the admin's page shows, as a path."""
    assert "Issue a reset link" in client.get(f"/admin/users/{user.id}").text
    page = post_form(client, f"/admin/users/{user.id}/reset-link", {})
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    found = re.search(r'value="https?://testserver[^/]*/password-reset\?token=([\w-]+)"', page.text)
    assert found, page.text
    return found.group(1)


def _open(client: TestClient, token: str) -> int:
    return client.get("/password-reset", params={"token": token}).status_code


def _use(client: TestClient, token: str, data: dict[str, str]) -> Response:
    """Submit the reset form as the page renders it: the token rides in a hidden field."""
    form = client.get("/password-reset", params={"token": token}).text
    hidden = re.search(r'name="token" value="([^"]*)"', form)
    return post_form(client, "/password-reset", {"token": hidden.group(1) if hidden else ""} | data)


def test_a_reset_link_sets_a_new_password_once_and_ends_every_session(
    client: TestClient, db: Session, admin: User
) -> None:
    agent: User = UserFactory()
    service.start_session(db, user=agent)
    token = _issue(client, agent)
    stored = db.scalar(select(PasswordReset).where(PasswordReset.user_id == agent.id))
    assert stored is not None and stored.token_hash != token  # only the hash is kept

    client.cookies.clear()  # the agent's browser
    form = client.get("/password-reset", params={"token": token})
    assert form.status_code == 200 and "Set a new password" in form.text
    done = _use(client, token, NEW)
    assert done.status_code == 200 and "Your password is set" in done.text
    assert db.scalar(select(func.count()).where(UserSession.user_id == agent.id)) == 0

    again = post_form(client, "/password-reset", {"token": token} | NEW)
    assert again.status_code == 404 and "has been used" in again.text
    assert _open(client, token) == 404
    ok = post_form(client, "/login", {"email": agent.email, "password": "reset-password-1"})
    assert ok.status_code == 303


def test_a_reset_link_expires_and_a_newer_one_replaces_it(
    client: TestClient, db: Session, admin: User
) -> None:
    agent: User = UserFactory()
    first = _issue(client, agent)
    second = _issue(client, agent)
    assert _open(client, first) == 404 and _open(client, second) == 200
    with clock.frozen(clock.now() + timedelta(hours=24, seconds=1)):
        assert _open(client, second) == 404
        assert post_form(client, "/password-reset", {"token": second} | NEW).status_code == 404
    db.refresh(agent)
    assert service.password_matches(agent, PASSWORD)


def test_reset_form_errors_are_inline_and_spend_nothing(
    client: TestClient, db: Session, admin: User
) -> None:
    agent: User = UserFactory()
    token = _issue(client, agent)
    client.cookies.clear()
    short = _use(client, token, {"new_password": "short", "new_password_again": "short"})
    assert short.status_code == 422
    assert "New password must be at least 10 characters." in short.text
    mismatch = _use(client, token, {**NEW, "new_password_again": "other-password"})
    assert "New password again does not match the new password." in mismatch.text
    assert _use(client, token, NEW).status_code == 200


@pytest.mark.parametrize(
    "token", ["", "short", "x" * 101, "not-a-real-token-but-long-enough-0123", "a b/../c%00"]
)
def test_a_bad_or_unknown_token_is_a_clear_refusal(client: TestClient, token: str) -> None:
    response = client.get("/password-reset", params={"token": token})
    assert response.status_code == 404 and "This reset link does not work" in response.text
    posted = post_form(client, "/password-reset", {"token": token} | NEW)
    assert posted.status_code == 404 and "This reset link does not work" in posted.text


def test_the_token_stays_out_of_the_access_log(
    client: TestClient, db: Session, admin: User, caplog: pytest.LogCaptureFixture
) -> None:
    token = _issue(client, UserFactory())
    with caplog.at_level(logging.INFO, logger="agency.access"):
        assert _open(client, token) == 200
    assert "/password-reset" in caplog.text and token not in caplog.text


def test_only_admins_issue_reset_links(client: TestClient, db: Session) -> None:
    supervisor: User = UserFactory(role=Role.SUPERVISOR)
    agent: User = UserFactory()
    sign_in(client, db, supervisor)
    assert post_form(client, f"/admin/users/{agent.id}/reset-link", {}).status_code == 403
    assert db.scalar(select(func.count()).select_from(PasswordReset)) == 0
