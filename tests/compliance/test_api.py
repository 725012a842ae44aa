"""POST /api/v1/compliance/evaluate: the scenario format over HTTP, for officers only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.compliance.models import LedgerEntry
from tests.fixtures.factories import ClientFactory, UserFactory
from tests.fixtures.web import csrf_token, sign_in

EXAMPLE = json.loads((Path(__file__).parent / "scenarios" / "example.json").read_text())


def post(client: TestClient, body: object) -> object:
    return client.post(
        "/api/v1/compliance/evaluate",
        json=body,
        headers={"X-CSRF-Token": csrf_token(client)},
    )


def test_an_officer_gets_the_decision_of_the_catalogue_example(
    client: TestClient, db: Session
) -> None:
    sign_in(client, db, UserFactory(role=Role.COMPLIANCE))
    response = post(client, EXAMPLE)
    assert response.status_code == 200  # type: ignore[attr-defined]
    # 10:00 in Chicago, inside the stated "not before noon": allowed from 12:00 local.
    assert response.json() == {  # type: ignore[attr-defined]
        "allowed": False,
        "blocked_by": ["US-REGF-INCONVENIENT"],
        "next_allowed_at": "2025-06-09T17:00:00Z",
        "rule_set": "2026.1",
        "timezones": ["America/Chicago"],
    }
    assert db.scalar(select(func.count()).select_from(LedgerEntry)) == 0


def test_a_bad_scenario_is_a_422_that_names_the_field(client: TestClient, db: Session) -> None:
    sign_in(client, db, UserFactory(role=Role.COMPLIANCE))
    response = post(client, {**EXAMPLE, "colour": "blue"})
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "colour" in response.json()["detail"]  # type: ignore[attr-defined]


@pytest.mark.parametrize("role", [Role.AGENT, Role.MERCHANT, Role.SUPERVISOR])
def test_only_compliance_officers_may_ask(client: TestClient, db: Session, role: Role) -> None:
    client_of_merchant = ClientFactory() if role is Role.MERCHANT else None
    sign_in(client, db, UserFactory(role=role, client=client_of_merchant))
    assert post(client, EXAMPLE).status_code == 403  # type: ignore[attr-defined]


def test_anonymous_callers_are_refused(client: TestClient) -> None:
    response = client.post("/api/v1/compliance/evaluate", json=EXAMPLE)
    assert response.status_code == 401
