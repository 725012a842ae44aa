"""Sign-in, sessions, throttling and cookie flags, through the real HTTP stack."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency.auth import service
from agency.auth.models import LoginFailure, Role, UserSession
from agency.auth.permissions import SESSION_COOKIE
from agency.kit import clock
from tests.fixtures.factories import PASSWORD, ClientFactory, UserFactory
from tests.fixtures.web import post_form, sign_in


def login(client: TestClient, email: str, password: str, **extra: str):  # type: ignore[no-untyped-def]
    return post_form(client, "/login", {"email": email, "password": password, **extra})


@pytest.mark.parametrize(
    ("role", "home"),
    [
        (Role.ADMIN, "/admin/clients"),
        (Role.SUPERVISOR, "/supervisor"),
        (Role.AGENT, "/cases?agent=me"),
        (Role.COMPLIANCE, "/compliance"),
        (Role.MERCHANT, "/portal"),
    ],
)
def test_each_role_signs_in_to_its_home_page(
    client: TestClient, db: Session, role: Role, home: str
) -> None:
    client_row = ClientFactory() if role is Role.MERCHANT else None
    user = UserFactory(role=role, client=client_row)
    response = login(client, user.email.upper(), PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == home
    page = client.get(home)
    assert page.status_code == 200
    assert user.full_name in page.text
    assert db.scalar(select(func.count()).select_from(UserSession)) == 1


def test_session_cookie_is_httponly_secure_and_samesite(client: TestClient) -> None:
    user = UserFactory()
    response = login(client, user.email, PASSWORD)
    cookie = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE)
    )
    flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"httponly", "secure", "samesite"} <= flags
    assert "samesite=lax" in cookie.lower()


def test_wrong_password_is_401_and_recorded(client: TestClient, db: Session) -> None:
    user = UserFactory()
    response = login(client, user.email, "not-the-password")
    assert response.status_code == 401
    assert "E-mail or password is incorrect." in response.text
    assert SESSION_COOKIE not in client.cookies
    failures = db.scalars(select(LoginFailure)).all()
    assert len(failures) == 1
    assert user.email not in failures[0].account_key  # a keyed hash, not the address


def test_unknown_user_gets_the_same_answer(client: TestClient) -> None:
    response = login(client, "nobody@example.com", "whatever-password")
    assert response.status_code == 401
    assert "E-mail or password is incorrect." in response.text


def test_disabled_user_cannot_sign_in(client: TestClient) -> None:
    user = UserFactory(is_active=False)
    assert login(client, user.email, PASSWORD).status_code == 401


def test_empty_form_is_422_with_a_message(client: TestClient) -> None:
    response = login(client, "", "")
    assert response.status_code == 422
    assert "Enter your e-mail and password." in response.text


def test_next_parameter_redirects_only_within_the_site(client: TestClient) -> None:
    user = UserFactory(role=Role.ADMIN)
    assert login(client, user.email, PASSWORD, next="/admin/users").headers["location"] == (
        "/admin/users"
    )
    client.cookies.clear()
    evil = login(client, user.email, PASSWORD, next="https://evil.example.net/")
    assert evil.headers["location"] == "/admin/clients"
    client.cookies.clear()
    assert login(client, user.email, PASSWORD, next="//evil.example.net").headers["location"] == (
        "/admin/clients"
    )


def test_anonymous_page_request_gets_401_with_the_sign_in_form(client: TestClient) -> None:
    response = client.get("/cases?status=new")
    assert response.status_code == 401
    assert 'name="next" value="/cases?status=new"' in response.text


def test_anonymous_htmx_request_is_told_to_go_to_sign_in(client: TestClient) -> None:
    response = client.get("/cases", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login"


def test_expired_session_is_401_with_a_notice(client: TestClient, db: Session) -> None:
    user = UserFactory()
    start = clock.now()
    with clock.frozen(start):
        sign_in(client, db, user)
        assert client.get("/cases").status_code == 200
        clock.advance(timedelta(hours=13))
        response = client.get("/cases")
    assert response.status_code == 401
    assert "Your session has expired" in response.text
    cleared = [h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE)]
    assert cleared and "max-age=0" in cleared[0].lower()


def test_idle_session_expires(client: TestClient, db: Session) -> None:
    user = UserFactory()
    with clock.frozen(clock.now()):
        sign_in(client, db, user)
        clock.advance(timedelta(minutes=61))
        assert client.get("/cases").status_code == 401


def test_unknown_session_cookie_is_401(client: TestClient) -> None:
    client.cookies.set(SESSION_COOKIE, "forged-token", domain="testserver.local")
    response = client.get("/cases")
    assert response.status_code == 401


def test_sign_out_ends_the_session(client: TestClient, db: Session) -> None:
    user = UserFactory()
    sign_in(client, db, user)
    response = post_form(client, "/logout", {})
    assert response.status_code == 303
    assert db.scalar(select(func.count()).select_from(UserSession)) == 0
    assert client.get("/cases").status_code == 401


def test_purge_removes_ended_sessions_and_stale_failures(client: TestClient, db: Session) -> None:
    user = UserFactory()
    with clock.frozen(clock.now()):
        sign_in(client, db, user)
        login(client, "nobody@example.com", "wrong-password")
        clock.advance(timedelta(hours=13))
        assert service.purge_expired(db) == 2
    assert db.scalar(select(func.count()).select_from(UserSession)) == 0
    assert db.scalar(select(func.count()).select_from(LoginFailure)) == 0


def test_signing_in_again_ends_the_previous_session(client: TestClient, db: Session) -> None:
    first, second = UserFactory(), UserFactory(role=Role.ADMIN)
    sign_in(client, db, first)
    assert login(client, second.email, PASSWORD).status_code == 303
    sessions = db.scalars(select(UserSession)).all()
    assert [s.user_id for s in sessions] == [second.id]
