"""``POST /api/v1/schedules`` through the app: an API key or a staff session, the same
output as the command, and refusals naming the path."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from agency.auth import csrf
from agency.auth.models import Role
from agency.clients import service as clients_service
from tests.fixtures.factories import ClientFactory, UserFactory
from tests.fixtures.web import sign_in
from tests.payments.schedule.helpers import EXAMPLE, EXAMPLE_OUTPUT, scenario

URL = "/api/v1/schedules"


def api_key(db: Session) -> dict[str, str]:
    admin = UserFactory(role=Role.ADMIN)
    _, secret = clients_service.create_api_key(
        db, client=ClientFactory(), name="test", created_by_id=admin.id
    )
    return {"Authorization": f"Bearer {secret}"}


def test_an_api_key_gets_the_schedule(client: TestClient, db: Session) -> None:
    response = client.post(URL, json=EXAMPLE, headers=api_key(db))
    assert response.status_code == 200, response.text
    assert response.json() == EXAMPLE_OUTPUT
    assert list(response.json()) == list(EXAMPLE_OUTPUT)


def test_a_signed_in_agent_gets_the_schedule(client: TestClient, db: Session) -> None:
    token = sign_in(client, db, UserFactory(role=Role.AGENT))
    response = client.post(URL, json=EXAMPLE, headers={csrf.HEADER: csrf.for_session(token)})
    assert response.status_code == 200, response.text
    assert response.json() == EXAMPLE_OUTPUT


def test_a_session_without_its_csrf_token_is_refused(client: TestClient, db: Session) -> None:
    sign_in(client, db, UserFactory(role=Role.SUPERVISOR))
    assert client.post(URL, json=EXAMPLE).status_code == 403


def test_a_merchant_user_is_forbidden(client: TestClient, db: Session) -> None:
    merchant = UserFactory(role=Role.MERCHANT, client=ClientFactory())
    token = sign_in(client, db, merchant)
    response = client.post(URL, json=EXAMPLE, headers={csrf.HEADER: csrf.for_session(token)})
    assert response.status_code == 403


def test_no_credential_or_a_wrong_key_is_401(client: TestClient) -> None:
    assert client.post(URL, json=EXAMPLE).status_code == 401
    wrong = client.post(URL, json=EXAMPLE, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert wrong.json() == {"detail": "the API key is unknown or has been revoked"}


def test_an_invalid_scenario_is_422_naming_the_path(client: TestClient, db: Session) -> None:
    response = client.post(URL, json=scenario(offer={"count": 0}), headers=api_key(db))
    assert response.status_code == 422
    assert response.json() == {
        "detail": "offer.count: must be a whole number from 1 to 120",
        "errors": [{"column": "offer.count", "message": "must be a whole number from 1 to 120"}],
    }
    whole = client.post(URL, json=[1], headers=api_key(db))
    assert whole.status_code == 422
    assert whole.json()["errors"] == [
        {"column": "body", "message": "the scenario must be a JSON object"}
    ]


def test_unreadable_and_oversized_bodies(client: TestClient, db: Session) -> None:
    headers = api_key(db) | {"Content-Type": "application/json"}
    broken = client.post(URL, content=b'{"today": 1e999}', headers=headers)
    assert broken.status_code == 400
    assert broken.json()["detail"].startswith("the body cannot be read: today: ")
    big = json.dumps(EXAMPLE).encode().ljust(64 * 1024 + 1)
    assert client.post(URL, content=big, headers=headers).status_code == 413
    # Within 64 KiB (spaces around the JSON) the same body is computed.
    fits = json.dumps(EXAMPLE).encode().ljust(64 * 1024)
    assert client.post(URL, content=fits, headers=headers).json() == EXAMPLE_OUTPUT
