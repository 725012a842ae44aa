"""An admin issues a password reset link: single use, expiring, replaced by a newer one;
using it ends every session of the user."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
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
    found = re.search(
        r'value="https?://testserver[^/]*(/password-reset/[A-Za-z0-9_-]+)"', page.text
    )
    assert found, page.text
    return found.group(1)


def test_a_reset_link_sets_a_new_password_once_and_ends_every_session(
    client: TestClient, db: Session, admin: User
) -> None:
    agent: User = UserFactory()
    service.start_session(db, user=agent)
    link = _issue(client, agent)
    stored = db.scalar(select(PasswordReset).where(PasswordReset.user_id == agent.id))
    assert stored is not None and stored.token_hash not in link  # only the hash is kept

    client.cookies.clear()  # the agent's browser
    form = client.get(link)
    assert form.status_code == 200 and "Set a new password" in form.text
    done = post_form(client, link, NEW)
    assert done.status_code == 200 and "Your password is set" in done.text
    assert db.scalar(select(func.count()).where(UserSession.user_id == agent.id)) == 0

    again = post_form(client, link, NEW)
    assert again.status_code == 404 and "has been used" in again.text
    assert client.get(link).status_code == 404
    ok = post_form(client, "/login", {"email": agent.email, "password": "reset-password-1"})
    assert ok.status_code == 303


def test_a_reset_link_expires_and_a_newer_one_replaces_it(
    client: TestClient, db: Session, admin: User
) -> None:
    agent: User = UserFactory()
    first = _issue(client, agent)
    second = _issue(client, agent)
    assert client.get(first).status_code == 404
    with clock.frozen(clock.now() + timedelta(hours=24, seconds=1)):
        assert client.get(second).status_code == 404
        assert post_form(client, second, NEW).status_code == 404
    db.refresh(agent)
    assert service.password_matches(agent, PASSWORD)


def test_reset_form_errors_are_inline_and_spend_nothing(
    client: TestClient, db: Session, admin: User
) -> None:
    agent: User = UserFactory()
    link = _issue(client, agent)
    client.cookies.clear()
    short = post_form(client, link, {"new_password": "short", "new_password_again": "short"})
    assert short.status_code == 422
    assert "New password must be at least 10 characters." in short.text
    mismatch = post_form(client, link, {**NEW, "new_password_again": "other-password"})
    assert "New password again does not match the new password." in mismatch.text
    assert post_form(client, link, NEW).status_code == 200


@pytest.mark.parametrize("token", ["short", "x" * 101, "not-a-real-token-but-long-enough-0123"])
def test_a_bad_or_unknown_token_is_a_clear_refusal(client: TestClient, token: str) -> None:
    response = client.get(f"/password-reset/{token}")
    assert response.status_code in (404, 422)
    assert response.status_code != 500


def test_only_admins_issue_reset_links(client: TestClient, db: Session) -> None:
    supervisor: User = UserFactory(role=Role.SUPERVISOR)
    agent: User = UserFactory()
    sign_in(client, db, supervisor)
    assert post_form(client, f"/admin/users/{agent.id}/reset-link", {}).status_code == 403
    assert db.scalar(select(func.count()).select_from(PasswordReset)) == 0
