"""Walks every form of the back office, submits it as the page renders it (every field,
blank ones included) with blank and with bad values, and proves each message shown is a
sentence for a person: it names the field, and carries no pattern, regex or pydantic
jargon.  A form's errors all come back in one answer, not one round per rule."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from agency.auth.models import Role, User
from agency.outreach.strategies import versions
from tests.fixtures.factories import (
    ClientFactory,
    ConsumerFactory,
    ContactPointFactory,
    ContractFactory,
    TeamFactory,
    UserFactory,
    case_for,
)
from tests.fixtures.forms import Form, forms_of
from tests.fixtures.web import sign_in

# What a person should never read in a message.
JARGON = re.compile(
    r"pattern|regex|\^|\$|\[A-Z|string_|pydantic|should match|should be|input should|"
    r"value error|valid email|@-sign|type=|ctx|\bloc\b|\bmsg\b|literal|enum|int_|"
    r"url\b|errors\.pydantic|\{|\}|\bNone\b",
    re.IGNORECASE,
)

# Inputs that are not typed by the person (or that end the session).
SKIP_ACTIONS = ("/logout", "/queue/next")


def post_forms(page: str) -> list[Form]:
    return [
        f for f in forms_of(page) if f.method == "post" and not f.action.startswith(SKIP_ACTIONS)
    ]


class _Messages(HTMLParser):
    """The text of every error shown: inline field errors and alerts."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []
        self._depth = 0
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        classes = a.get("class", "").split()
        if self._depth:
            self._depth += 1
        elif "error" in classes or a.get("role") == "alert":
            self._depth = 1
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if self._depth:
            self._depth -= 1
            if not self._depth:
                self.messages.append(" ".join("".join(self._text).split()))

    def handle_data(self, data: str) -> None:
        if self._depth:
            self._text.append(data)


def messages_of(page: str) -> list[str]:
    parser = _Messages()
    parser.feed(page)
    return [m for m in parser.messages if m]


def bad_value(kind: str, name: str, value: str, options: list[str]) -> str:
    """Something a person could type that the form must refuse in words."""
    if kind in {"hidden", "submit"}:
        return value
    if kind == "select":
        return options[-1] if options else ""
    if kind in {"checkbox", "radio"}:
        return value
    if kind == "number" or name.endswith(("_days", "capacity", "limit", "_balance")):
        return "-7.5x"
    if kind == "date" or name.startswith("effective") or name.endswith("_date"):
        return "31/02/2026"
    if kind == "email" or "email" in name:
        return "someone at example"
    return "!!" + "é" * 3 + "x" * 300


@dataclass
class Scene:
    pages: dict[Role, list[str]]
    users: dict[Role, User]


@pytest.fixture
def scene(db: Session) -> Scene:
    client = ClientFactory(code="ACME", name="Acme Media")
    contract = ContractFactory(client=client)
    strategy = versions.create(db, name="Early", country="US", currency="USD",
                               notice_by_client=False, by_user_id=None)  # fmt: skip
    consumer = ConsumerFactory()
    ContactPointFactory(consumer=consumer)
    case = case_for(client, consumer=consumer)
    TeamFactory(name="North desk")
    users = {role: UserFactory(role=role) for role in Role if role is not Role.MERCHANT}
    users[Role.MERCHANT] = UserFactory(role=Role.MERCHANT, client=client)
    db.flush()
    agent = users[Role.AGENT]
    pages = {
        Role.ADMIN: [
            "/admin/clients/new",
            f"/admin/clients/{client.id}",
            f"/admin/clients/{client.id}/edit",
            f"/admin/clients/{client.id}/contracts/new",
            "/admin/users/new",
            f"/admin/users/{agent.id}",
        ],
        Role.SUPERVISOR: [
            "/supervisor/rules/edit",
            "/supervisor/teams",
            f"/supervisor/agents/{agent.id}",
            f"/supervisor/cases/{case.id}/assign",
            "/supervisor/reassign",
            "/supervisor/rebalance",
            "/supervisor/strategies/new",
            f"/supervisor/strategies/{strategy.id}/edit",
            f"/supervisor/contracts/{contract.id}/strategy-rules/edit",
        ],
        Role.COMPLIANCE: [
            f"/compliance/consumers/{consumer.id}",
            f"/compliance/policies/{client.id}",
        ],
        Role.AGENT: [f"/cases/{case.id}"],
    }
    return Scene(pages=pages, users=users)


def submit(client: TestClient, page: str, form: Form, values: dict[str, str]) -> list[str]:
    data: dict[str, list[str]] = {}
    for _, name, value, _ in form.fields:
        data.setdefault(name, []).append(values.get(name, value))
    response = client.post(form.action or page, data=data)
    assert response.status_code < 500, f"{page} {form.action}: {response.status_code}"
    return messages_of(response.text)


def test_every_form_answers_blank_and_bad_input_in_sentences(
    client: TestClient, db: Session, scene: Scene
) -> None:
    checked: list[str] = []
    for role, pages in scene.pages.items():
        sign_in(client, db, scene.users[role])
        for page in pages:
            rendered = client.get(page)
            assert rendered.status_code == 200, page
            for form in post_forms(rendered.text):
                typed = [f for f in form.fields if f[0] not in {"hidden", "submit"}]
                if not typed:
                    continue
                blank = {name: "" for kind, name, _, _ in typed if kind != "select"}
                bad = {
                    name: bad_value(kind, name, value, opts) for kind, name, value, opts in typed
                }
                for values in (blank, bad):
                    for message in submit(client, page, form, values):
                        assert not JARGON.search(message), f"{page} {form.action}: {message!r}"
                        assert message[:1].isupper(), f"{page} {form.action}: {message!r}"
                        checked.append(message)
    assert len(checked) > 20, checked


def test_blank_email_says_it_is_required(client: TestClient, db: Session, scene: Scene) -> None:
    sign_in(client, db, scene.users[Role.ADMIN])
    form = post_forms(client.get("/admin/users/new").text)[0]
    messages = submit(client, "/admin/users/new", form, {"email": "", "full_name": ""})
    assert "E-mail is required." in messages
    assert "Full name is required." in messages


def test_client_form_errors_read_as_sentences(
    client: TestClient, db: Session, scene: Scene
) -> None:
    sign_in(client, db, scene.users[Role.ADMIN])
    form = post_forms(client.get("/admin/clients/new").text)[0]
    messages = submit(
        client, "/admin/clients/new", form, {"code": "a", "country": "U1", "currency": "dollars"}
    )
    assert "Code must be 2 to 20 letters, digits, hyphens or underscores, such as ACME." in messages
    assert "Country must be a two-letter ISO country code, such as US." in messages


def test_user_form_shows_every_error_at_once(client: TestClient, db: Session, scene: Scene) -> None:
    """Blank name and a merchant without a client and without a password: one answer."""
    sign_in(client, db, scene.users[Role.ADMIN])
    form = post_forms(client.get("/admin/users/new").text)[0]
    messages = submit(
        client,
        "/admin/users/new",
        form,
        {
            "email": "new@example.com",
            "full_name": "",
            "role": "merchant",
            "client_id": "",
            "password": "",
        },
    )
    assert "Full name is required." in messages
    assert any(m.startswith("Client ") for m in messages), messages
    assert any(m.startswith("Password ") for m in messages), messages


def test_contract_dates_are_checked_with_the_other_fields(
    client: TestClient, db: Session, scene: Scene
) -> None:
    sign_in(client, db, scene.users[Role.ADMIN])
    page = scene.pages[Role.ADMIN][3]
    form = post_forms(client.get(page).text)[0]
    messages = submit(
        client,
        page,
        form,
        {"reference": "", "effective_from": "2026-05-01", "effective_to": "2026-01-01"},
    )
    assert "Reference is required." in messages
    assert "In force until must be on or after the start date." in messages
