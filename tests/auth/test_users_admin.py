"""Admins create and edit users, with a role and, for merchant users, their client."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency.auth.models import Role, User, UserSession
from tests.fixtures.factories import PASSWORD, ClientFactory, UserFactory
from tests.fixtures.web import post_form, sign_in

NEW_USER = {
    "full_name": "Nia Newcomer",
    "email": "Nia@Example.com",
    "role": "agent",
    "client_id": "",
    "password": "a-long-password",
    "is_active": "on",
}


@pytest.fixture
def admin(client: TestClient, db: Session) -> User:
    user: User = UserFactory(role=Role.ADMIN)
    sign_in(client, db, user)
    return user


def test_admin_creates_an_agent_who_can_then_sign_in(
    client: TestClient, db: Session, admin: User, app: object
) -> None:
    response = post_form(client, "/admin/users/new", NEW_USER)
    assert response.status_code == 303
    created = db.scalar(select(User).where(User.email == "nia@example.com"))
    assert created is not None and created.role is Role.AGENT and created.client_id is None
    assert created.password_hash.startswith("$argon2")
    assert "Nia Newcomer" in client.get("/admin/users").text

    client.cookies.clear()
    signed_in = post_form(
        client, "/login", {"email": "nia@example.com", "password": "a-long-password"}
    )
    assert signed_in.status_code == 303


def test_merchant_user_needs_a_client(client: TestClient, db: Session, admin: User) -> None:
    response = post_form(client, "/admin/users/new", {**NEW_USER, "role": "merchant"})
    assert response.status_code == 422
    assert "Client is required for a merchant user." in response.text

    acme = ClientFactory(name="Acme Ltd")
    ok = post_form(
        client, "/admin/users/new", {**NEW_USER, "role": "merchant", "client_id": str(acme.id)}
    )
    assert ok.status_code == 303
    listing = client.get("/admin/users?role=merchant")
    assert "Nia Newcomer" in listing.text and "Acme Ltd" in listing.text


def test_staff_cannot_belong_to_a_client(client: TestClient, db: Session, admin: User) -> None:
    acme = ClientFactory()
    response = post_form(client, "/admin/users/new", {**NEW_USER, "client_id": str(acme.id)})
    assert response.status_code == 422
    assert "only merchant users belong to a client" in response.text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "not-an-email", "E-mail must be an e-mail address, such as name@example.com."),
        ("role", "overlord", "Role must be one of: admin, supervisor, agent"),
        ("password", "short", "Password must be at least 10 characters"),
        ("password", "", "Password is required"),
        ("full_name", "", "Full name is required"),
        ("client_id", "abc", "Client must be a whole number"),
    ],
)
def test_bad_user_fields_are_shown_inline(
    client: TestClient, db: Session, admin: User, field: str, value: str, message: str
) -> None:
    response = post_form(client, "/admin/users/new", {**NEW_USER, field: value})
    assert response.status_code == 422
    assert message in response.text.replace("&#39;", "'")
    assert db.scalar(select(func.count()).select_from(User)) == 1  # the admin only


def test_duplicate_email_is_refused(client: TestClient, db: Session, admin: User) -> None:
    UserFactory(email="nia@example.com")
    response = post_form(client, "/admin/users/new", NEW_USER)
    assert response.status_code == 422
    assert "another user already has this e-mail" in response.text


def test_unknown_client_is_refused(client: TestClient, db: Session, admin: User) -> None:
    response = post_form(
        client, "/admin/users/new", {**NEW_USER, "role": "merchant", "client_id": "987654"}
    )
    assert response.status_code == 422
    assert "Client must be an existing client." in response.text


def test_disabling_a_user_ends_their_sessions(client: TestClient, db: Session, admin: User) -> None:
    agent = UserFactory(role=Role.AGENT, full_name="Old Agent")
    db.add(
        UserSession(
            token_hash="x" * 64, user_id=agent.id, expires_at=admin.created_at.replace(year=2999)
        )
    )
    db.flush()
    page = client.get(f"/admin/users/{agent.id}")
    assert 'value="Old Agent"' in page.text
    response = post_form(
        client,
        f"/admin/users/{agent.id}",
        {
            "full_name": "Old Agent",
            "email": agent.email,
            "role": "agent",
            "client_id": "",
            "password": "",  # keeps the password
        },
    )
    assert response.status_code == 303
    db.refresh(agent)
    assert agent.is_active is False
    assert agent.password_hash.startswith("$argon2")
    sessions = db.scalar(
        select(func.count()).select_from(UserSession).where(UserSession.user_id == agent.id)
    )
    assert sessions == 0


def test_admin_cannot_demote_themself(client: TestClient, db: Session, admin: User) -> None:
    response = post_form(
        client,
        f"/admin/users/{admin.id}",
        {
            "full_name": admin.full_name,
            "email": admin.email,
            "role": "agent",
            "client_id": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 422
    assert "you cannot remove your own admin access" in response.text
    db.refresh(admin)
    assert admin.role is Role.ADMIN


def test_password_change_lets_the_user_sign_in_with_the_new_one(
    client: TestClient, db: Session, admin: User
) -> None:
    agent = UserFactory(role=Role.AGENT)
    post_form(
        client,
        f"/admin/users/{agent.id}",
        {
            "full_name": agent.full_name,
            "email": agent.email,
            "role": "agent",
            "client_id": "",
            "is_active": "on",
            "password": "brand-new-password",
        },
    )
    client.cookies.clear()
    assert (
        post_form(client, "/login", {"email": agent.email, "password": PASSWORD}).status_code == 401
    )
    assert (
        post_form(
            client, "/login", {"email": agent.email, "password": "brand-new-password"}
        ).status_code
        == 303
    )


def test_unknown_user_is_404(client: TestClient, admin: User) -> None:
    assert client.get("/admin/users/424242").status_code == 404
