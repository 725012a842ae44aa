"""CSRF: every unsafe request that carries the session cookie needs its session's token,
whatever other headers it has; cookieless API calls with a key are exempt."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency.auth import csrf
from agency.auth.models import Role, User, UserSession
from agency.auth.permissions import SESSION_COOKIE
from agency.cases.models import CaseNote
from agency.clients import service as clients_service
from agency.kit import clock
from tests.fixtures.compliance import Debtor, make_debtor
from tests.fixtures.factories import PASSWORD, ClientFactory, ContractFactory, UserFactory
from tests.fixtures.web import csrf_token, post_form, sign_in

BASIC = {"Authorization": "Basic YWdlbnQ6c2VjcmV0"}  # what a proxy's browser adds by itself


def token_on(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no form token"
    return found.group(1)


def notes(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(CaseNote)) or 0


@pytest.fixture
def agent(db: Session) -> User:
    user: User = UserFactory(role=Role.AGENT)
    return user


@pytest.fixture
def debtor(db: Session, agent: User) -> Debtor:
    made = make_debtor(reference="CS-1")
    made.case.assigned_agent_id = agent.id
    db.flush()
    return made


def case_page_token(client: TestClient, debtor: Debtor) -> str:
    page = client.get(f"/cases/{debtor.case.id}")
    assert page.status_code == 200
    return token_on(page.text)


def test_a_note_with_the_session_cookie_and_basic_auth_but_no_token_is_refused(
    client: TestClient, db: Session, agent: User, debtor: Debtor
) -> None:
    sign_in(client, db, agent)
    token = case_page_token(client, debtor)
    url = f"/cases/{debtor.case.id}/notes"
    refused = client.post(url, data={"body": "Forged across sites."}, headers=BASIC)
    assert refused.status_code == 403
    assert notes(db) == 0
    sent = client.post(url, data={"body": "Will call back.", csrf.FIELD: token}, headers=BASIC)
    assert sent.status_code < 400
    assert notes(db) == 1


def test_a_token_from_another_session_is_refused(
    client: TestClient, db: Session, agent: User, debtor: Debtor
) -> None:
    sign_in(client, db, agent)
    first = case_page_token(client, debtor)
    sign_in(client, db, agent)  # the same agent, another session (another browser)
    url = f"/cases/{debtor.case.id}/notes"
    assert client.post(url, data={"body": "x", csrf.FIELD: first}).status_code == 403
    second = case_page_token(client, debtor)
    assert second != first
    assert client.post(url, data={"body": "Left a message.", csrf.FIELD: second}).status_code < 400
    assert notes(db) == 1


def test_the_pre_session_token_is_refused_once_signed_in(
    client: TestClient, db: Session, agent: User, debtor: Debtor
) -> None:
    anonymous = token_on(client.get("/login").text)
    sign_in(client, db, agent)
    url = f"/cases/{debtor.case.id}/notes"
    assert client.post(url, data={"body": "x", csrf.FIELD: anonymous}).status_code == 403


def test_signing_out_and_in_again_changes_the_token(
    client: TestClient, db: Session, agent: User, debtor: Debtor
) -> None:
    assert post_form(client, "/login", {"email": agent.email, "password": PASSWORD}).is_redirect
    before = case_page_token(client, debtor)
    assert post_form(client, "/logout", {}).status_code == 303
    assert post_form(client, "/login", {"email": agent.email, "password": PASSWORD}).is_redirect
    after = case_page_token(client, debtor)
    assert after != before
    url = f"/cases/{debtor.case.id}/notes"
    assert client.post(url, data={"body": "x", csrf.FIELD: before}).status_code == 403


def test_the_sign_in_form_of_an_expired_session_works(client: TestClient, db: Session) -> None:
    user = UserFactory()
    with clock.frozen(clock.now()):
        sign_in(client, db, user)
        clock.advance(timedelta(hours=13))
        expired = client.get("/cases")
        assert expired.status_code == 401
        assert SESSION_COOKIE not in client.cookies  # the answer cleared it
        form = {"email": user.email, "password": PASSWORD, csrf.FIELD: token_on(expired.text)}
        assert client.post("/login", data=form).status_code == 303


def test_an_api_call_with_a_key_and_no_cookie_needs_no_token(
    client: TestClient, db: Session
) -> None:
    acme = ClientFactory()
    ContractFactory(client=acme, effective_from=date(2020, 1, 1))
    _, secret = clients_service.create_api_key(
        db, client=acme, name="test", created_by_id=UserFactory(role=Role.ADMIN).id
    )
    key = {"Authorization": f"Bearer {secret}"}
    assert client.post("/api/v1/placements", json={"accounts": []}, headers=key).status_code == 201
    sign_in(client, db, UserFactory())  # the same call from a browser holding a session
    response = client.post("/api/v1/placements", json={"accounts": []}, headers=key)
    assert response.status_code == 403


def test_post_without_csrf_token_is_refused(client: TestClient, db: Session) -> None:
    user = UserFactory()
    sign_in(client, db, user)
    client.get("/login")  # the browser has its nonce cookie, but the form lacks the token
    response = client.post("/logout")
    assert response.status_code == 403
    assert "Reload the page and try again." in response.text
    assert db.scalar(select(func.count()).select_from(UserSession)) == 1


def test_post_with_a_forged_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/login")
    response = client.post(
        "/login", data={"email": "a@example.com", "password": "x", csrf.FIELD: "forged"}
    )
    assert response.status_code == 403


def test_csrf_token_in_the_htmx_header_is_accepted(client: TestClient, db: Session) -> None:
    user = UserFactory()
    sign_in(client, db, user)
    response = client.post("/logout", headers={csrf.HEADER: csrf_token(client)})
    assert response.status_code == 303


def test_sign_in_rotates_the_csrf_nonce(client: TestClient) -> None:
    user = UserFactory()
    before = csrf_token(client)
    post_form(client, "/login", {"email": user.email, "password": PASSWORD})
    client.cookies.delete(SESSION_COOKIE)
    assert csrf_token(client) != before
