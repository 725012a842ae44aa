"""Hostile input at the edge: every route, whatever it is sent, answers with a 4xx that
says what is wrong, never a 5xx, and nothing reaches the database that it would refuse.

Walks every route the app has (as ``test_access`` does), so a route added later is
covered the day it is added.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.clients import service as clients_service
from agency.clients.models import ApiKey
from agency.config import get_settings
from agency.kit.params import MAX_ID
from tests.fixtures.factories import ClientFactory, ContractFactory, UserFactory
from tests.fixtures.web import csrf_token, sign_in

TOO_BIG = str(2**64)
PATH_PARAM = re.compile(r"\{(\w+)\}")


def api_routes(app: Any) -> Iterator[tuple[str, str, APIRoute]]:
    """(method, full path, route) of every route the app answers."""
    for context in iter_route_contexts(app.routes):
        if isinstance(context.route, APIRoute):
            for method in sorted((context.methods or set()) - {"HEAD"}):
                yield method, context.path, context.route


def int_query_params(route: APIRoute) -> list[str]:
    """The query parameters of a route (and its dependencies) that are integers."""

    def walk(dependant: Dependant) -> Iterator[str]:
        for field in dependant.query_params:
            if "int" in str(field.field_info.annotation):
                yield field.alias
        for sub in dependant.dependencies:
            yield from walk(sub)

    return sorted(set(walk(route.dependant)))


@pytest.fixture
def key(db: Session) -> dict[str, str]:
    client = ClientFactory()
    ContractFactory(client=client)
    _, secret = clients_service.create_api_key(
        db, client=client, name="hostile", created_by_id=UserFactory(role=Role.ADMIN).id
    )
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SUPERVISOR, Role.MERCHANT])
def test_ids_beyond_a_bigint_are_refused_on_every_route(
    app: Any, client: TestClient, db: Session, key: dict[str, str], role: Role
) -> None:
    user = UserFactory(role=role, client=ClientFactory() if role is Role.MERCHANT else None)
    sign_in(client, db, user)
    token = csrf_token(client)
    checked = 0
    for method, path, route in api_routes(app):
        headers = key if path.startswith("/api/v1/") else {"X-CSRF-Token": token}
        targets = []
        if PATH_PARAM.search(path):
            targets.append((PATH_PARAM.sub(TOO_BIG, path), {}))
        targets += [
            (PATH_PARAM.sub("1", path), {name: TOO_BIG}) for name in int_query_params(route)
        ]
        for url, params in targets:
            response = client.request(method, url, params=params, headers=headers)
            assert response.status_code < 500, f"{method} {url} {params}: {response.status_code}"
            if response.status_code == 422:
                said = response.text.lower()
                # "… must be at most …" for an id; "… must be 'csv' or 'xlsx'" for a choice.
                assert "must be" in said or "invalid" in said, (url, response.text[-900:])
            checked += 1
    assert checked > 40


def test_an_id_beyond_a_bigint_says_which_and_why(client: TestClient, db: Session) -> None:
    sign_in(client, db, UserFactory(role=Role.AGENT))
    response = client.get(f"/cases/{TOO_BIG}", headers={"Accept": "application/json"})
    assert response.status_code == 422
    assert response.json()["errors"] == {"case_id": f"must be at most {MAX_ID}"}
    filtered = client.get(f"/cases?client_id={TOO_BIG}", headers={"Accept": "application/json"})
    assert filtered.status_code == 422
    assert filtered.json()["errors"] == {"client_id": f"must be at most {MAX_ID}"}


@pytest.mark.parametrize("role", [Role.ADMIN, Role.AGENT, Role.MERCHANT])
def test_nul_characters_anywhere_in_a_request_are_a_422(
    app: Any, client: TestClient, db: Session, key: dict[str, str], role: Role
) -> None:
    user = UserFactory(role=role, client=ClientFactory() if role is Role.MERCHANT else None)
    sign_in(client, db, user)
    token = csrf_token(client)
    for method, template, _route in api_routes(app):
        path = PATH_PARAM.sub("1", template)
        api = template.startswith("/api/v1/")
        headers = key if api else {}
        query = client.request(method, path, params={"q": "a\x00b"}, headers=headers)
        assert query.status_code == 422, f"{method} {path}?q=NUL: {query.status_code}"
        assert "NUL" in query.text
        if PATH_PARAM.search(template):
            in_path = client.request(method, PATH_PARAM.sub("a%00b", template), headers=headers)
            assert 400 <= in_path.status_code < 500, f"{method} {template}: {in_path.status_code}"
        if method == "POST" and not api:
            form = client.post(path, data={"csrf_token": token, "name": "a\x00b", "body": "x\x00"})
            assert form.status_code in {403, 404, 422}, f"POST {path}: {form.status_code}"
            if form.status_code == 422:
                assert "contains a NUL character" in form.text


def test_bodies_over_the_limit_are_refused_before_anything_else(
    client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "max_form_kb", 4)
    # Anonymous, declared length: refused before the sign-in is even looked at.
    login = client.post("/login", content=b"e" * 5000, headers={"Content-Type": "text/plain"})
    assert login.status_code == 413
    assert login.headers["connection"] == "close"
    assert "larger than 4 KB" in login.text
    # Sent in chunks, with no length declared: counted while it arrives.
    chunked = client.post(
        "/login",
        content=iter([b"email=a%40b.c&password=", b"p" * 3000, b"p" * 3000]),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert chunked.status_code == 413
    # The upload route takes a large body only from someone signed in.
    anonymous_upload = client.post("/placements", content=b"x" * 5000)
    assert anonymous_upload.status_code == 413
    # A signed-in form of normal size is unaffected.
    sign_in(client, db, UserFactory(role=Role.AGENT))
    assert client.post("/logout", data={"csrf_token": csrf_token(client)}).status_code == 303


def test_pages_downloads_and_api_answers_are_not_cached(
    client: TestClient, db: Session, key: dict[str, str]
) -> None:
    sign_in(client, db, UserFactory(role=Role.COMPLIANCE))
    for path in ("/cases", "/compliance/ledger", "/compliance/ledger.csv", "/login"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == "no-store", path
    api = client.get("/api/v1/placements/1", headers=key)
    assert api.headers["cache-control"] == "no-store"
    static = client.get("/static/agency.css")
    assert "no-store" not in static.headers.get("cache-control", "")


def test_a_new_api_key_page_is_not_cached(client: TestClient, db: Session) -> None:
    sign_in(client, db, UserFactory(role=Role.ADMIN))
    merchant = ClientFactory()
    page = client.post(
        f"/admin/clients/{merchant.id}/api-keys",
        data={"csrf_token": csrf_token(client), "name": "ERP"},
    )
    assert page.status_code == 201
    assert db.scalar(select(ApiKey).where(ApiKey.client_id == merchant.id)) is not None
    assert page.headers["cache-control"] == "no-store"


def test_a_wrong_method_is_a_405_that_says_what_is_allowed(client: TestClient) -> None:
    response = client.put("/login")
    assert response.status_code == 405
    assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST"}


@pytest.mark.parametrize(
    ("body", "path", "reason"),
    [
        (b'{"accounts": [{"principal": 1e1000000000}]}', "accounts[0].principal", "exponent"),
        (b'{"accounts": [{"principal": ' + b"9" * 5000 + b"}]}", "accounts[0].principal", "longer"),
        (b'{"accounts": [{"first_name": "Ja\\u0000ne"}]}', "accounts[0].first_name", "NUL"),
        (b'{"accounts": [{"first_name": "\\ud800"}]}', "accounts[0].first_name", "surrogate"),
        (b'{"accounts": [{"principal": NaN}]}', "accounts[0].principal", "not a JSON number"),
        (b'{"accounts": ' + b"[" * 200 + b"]" * 200 + b"}", "", "nested deeper"),
    ],
)
def test_hostile_json_is_a_400_that_says_where(
    client: TestClient, key: dict[str, str], body: bytes, path: str, reason: str
) -> None:
    headers = key | {"Content-Type": "application/json"}
    for url in ("/api/v1/placements", "/api/v1/accounts/A-1/update"):
        response = client.post(url, content=body, headers=headers)
        assert response.status_code == 400, (url, response.text)
        detail = response.json()["detail"]
        assert detail.startswith("the body cannot be read:")
        assert path in detail and reason in detail, detail


def test_an_officers_scenario_is_read_within_bounds(client: TestClient, db: Session) -> None:
    sign_in(client, db, UserFactory(role=Role.COMPLIANCE))
    headers = {"X-CSRF-Token": csrf_token(client), "Content-Type": "application/json"}
    deep = client.post(
        "/api/v1/compliance/evaluate", content=b"[" * 500 + b"]" * 500, headers=headers
    )
    assert deep.status_code == 400
    assert "nested deeper" in deep.json()["detail"]
    huge = client.post(
        "/api/v1/compliance/evaluate", content=b'{"now": 1e999999999}', headers=headers
    )
    assert huge.status_code == 400
    assert huge.json()["detail"] == (
        "the body cannot be read: now: is a number with an exponent beyond ±40"
    )
