"""Confirmations after a form (POST, redirect, GET): shown once, in the page's status
region, only when the app signed them; the new API key's copy button; and a new agent's
empty queue saying why and who can fix it."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.cases.models import AgentProfile
from agency.kit import flash
from tests.fixtures.factories import AgentProfileFactory, ClientFactory, TeamFactory, UserFactory
from tests.fixtures.web import post_form, sign_in

CLIENT = {
    "code": "acme",
    "name": "Acme Telecom",
    "legal_name": "Acme Telecom Inc.",
    "industry": "Telecom",
    "country": "US",
    "currency": "USD",
    "is_active": "on",
}
STATUS = re.compile(
    r'<div id="flash" role="status" aria-live="polite">'
    r'(?:<div class="alert notice">(.*?)</div>)?</div>'
)


def _flash(page: str) -> str:
    match = STATUS.search(page)
    assert match is not None, "the page has no status region"
    return re.sub(r"<[^>]+>", "", match.group(1) or "").strip()


def test_creating_a_client_confirms_it_once(client: TestClient, db: Session) -> None:
    sign_in(client, db, UserFactory(role=Role.ADMIN))
    created = post_form(client, "/admin/clients/new", CLIENT)
    assert created.status_code == 303
    page = client.get(created.headers["location"])
    assert _flash(page.text) == "Client ACME created."
    again = client.get(created.headers["location"])
    assert _flash(again.text) == ""


def test_a_flash_the_app_did_not_sign_is_not_shown(client: TestClient, db: Session) -> None:
    sign_in(client, db, UserFactory(role=Role.ADMIN))
    client.cookies.set(flash.COOKIE, "SGFja2Vk.0000", domain="testserver.local")
    assert _flash(client.get("/admin/clients").text) == ""


def test_saving_a_user_and_a_team_confirm_it(client: TestClient, db: Session) -> None:
    sign_in(client, db, UserFactory(role=Role.ADMIN))
    user = {
        "email": "new@example.com",
        "full_name": "New Person",
        "role": "agent",
        "client_id": "",
        "is_active": "on",
        "password": "correct horse battery",
    }
    created = post_form(client, "/admin/users/new", user)
    assert _flash(client.get(created.headers["location"]).text).startswith("User created")
    sign_in(client, db, UserFactory(role=Role.SUPERVISOR))
    team = post_form(client, "/supervisor/teams", {"name": "North desk"})
    assert _flash(client.get(team.headers["location"]).text) == "Team created."


def test_a_new_api_key_has_a_copy_button_and_no_inline_script(
    client: TestClient, db: Session
) -> None:
    sign_in(client, db, UserFactory(role=Role.ADMIN))
    acme = ClientFactory()
    page = post_form(client, f"/admin/clients/{acme.id}/api-keys", {"name": "nightly"})
    assert page.status_code == 201
    assert 'data-copy="#new-key"' in page.text and 'id="new-key"' in page.text
    assert re.search(r"<script(?![^>]*\bsrc=)", page.text) is None  # CSP: script-src 'self'
    script = client.get("/static/agency.js").text
    assert "navigator.clipboard.writeText" in script and "[data-copy]" in script


def test_a_new_agents_empty_queue_says_why_and_who_can_fix_it(
    client: TestClient, db: Session
) -> None:
    agent = UserFactory(role=Role.AGENT)
    sign_in(client, db, agent)
    page = post_form(client, "/queue/next", {})
    assert "Nothing to call right now" in page.text
    assert "You are not in a team yet" in page.text
    assert "A supervisor can fix this" in page.text
    AgentProfileFactory(user=agent, team=TeamFactory(name="North desk"), capacity=0)
    capped = post_form(client, "/queue/next", {})
    assert "You are not in a team yet" not in capped.text
    assert "Your capacity is 0" in capped.text
    db.get(AgentProfile, agent.id).capacity = 20  # type: ignore[union-attr]
    db.flush()
    assert 'id="why-nothing"' not in post_form(client, "/queue/next", {}).text
