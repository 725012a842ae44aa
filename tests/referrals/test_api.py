"""The JSON API: keys, pushes with idempotency, placement status and errors, account actions."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.cases.models import Case, CaseStatus, CloseReason, Consumer, ContactPoint
from agency.clients import service as clients_service
from agency.clients.models import ApiKey, Client
from agency.referrals.models import Placement, ReplacementPolicy
from tests.fixtures.factories import ClientFactory, ContractFactory, LayoutFactory, UserFactory
from tests.fixtures.web import post_form, sign_in
from tests.referrals.conftest import status_moves


def account(reference: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "client_reference": reference,
        "first_name": "Jane",
        "last_name": "Doe",
        "email": f"{reference.lower()}@example.com",
        "phone": "+13125550123",
        "address_line1": "1 Main St",
        "city": "Chicago",
        "region": "IL",
        "postal_code": "60601",
        "country": "US",
        "principal": "120.00",
        "interest": 4.5,
        "itemization_date": "2026-10-01",
    }
    body.update(changes)
    return body


@pytest.fixture
def acme(db: Session) -> Client:
    client: Client = ClientFactory(code="ACME")
    ContractFactory(client=client, effective_from=date(2020, 1, 1))
    return client


def key_for(db: Session, client: Client) -> dict[str, str]:
    admin = UserFactory(role=Role.ADMIN)
    _, secret = clients_service.create_api_key(
        db, client=client, name="test", created_by_id=admin.id
    )
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def auth(db: Session, acme: Client) -> dict[str, str]:
    return key_for(db, acme)


def push(
    client: TestClient,
    auth: dict[str, str],
    accounts: list[Any],
    key: str | None = None,
    **params: str,
) -> Any:
    headers = dict(auth) | ({"Idempotency-Key": key} if key else {})
    return client.post(
        "/api/v1/placements", json={"accounts": accounts}, headers=headers, params=params
    )


def count(db: Session, model: type) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "send the client's API key as: Authorization: Bearer <key>"),
        (
            {"Authorization": "Basic abc"},
            "send the client's API key as: Authorization: Bearer <key>",
        ),
        ({"Authorization": "Bearer agk_unknown"}, "the API key is unknown or has been revoked"),
    ],
)
def test_requests_without_a_valid_key_are_401(
    client: TestClient, headers: dict[str, str], detail: str
) -> None:
    response = client.post("/api/v1/placements", json={"accounts": []}, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"detail": detail}
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_revoked_key_stops_working(
    client: TestClient, db: Session, acme: Client, auth: dict[str, str]
) -> None:
    assert push(client, auth, []).status_code == 201
    key = db.scalar(select(ApiKey))
    assert key is not None
    clients_service.revoke_api_key(db, client=acme, key_id=key.id)
    response = push(client, auth, [])
    assert response.status_code == 401
    assert response.json()["detail"] == "the API key is unknown or has been revoked"


def test_keys_are_stored_hashed(db: Session, auth: dict[str, str]) -> None:
    secret = auth["Authorization"].removeprefix("Bearer ")
    key = db.scalar(select(ApiKey))
    assert key is not None
    assert secret not in (key.key_hash, key.prefix) and key.prefix == secret[:12]


def test_push_places_accounts_and_reports_each(
    client: TestClient, db: Session, auth: dict[str, str]
) -> None:
    response = push(
        client,
        auth,
        [
            account("A1", principal=1234.56, interest=0.1),
            account("A2", email="not-an-email", principal=-1),
            account("A3", favourite_colour="blue"),
            "not an object",
            account("A1"),
        ],
    )
    assert response.status_code == 201
    body = response.json()
    assert body["placement"]["status"] == "completed"
    assert (body["placement"]["accepted"], body["placement"]["rejected"]) == (1, 4)
    results = body["results"]
    assert [r["status"] for r in results] == [
        "accepted",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
    ]
    assert results[0]["case_id"] is not None and results[0]["row"] == 1
    assert results[1]["errors"] == [
        {
            "column": "email",
            "message": "'not-an-email' is not a valid e-mail address (An email "
            "address must have an @-sign.)",
        },
        {"column": "principal", "message": "'-1' is negative; amounts are never negative"},
    ]
    assert results[2]["errors"] == [
        {"column": "favourite_colour", "message": "is not a referral field"}
    ]
    assert results[3]["errors"] == [{"column": "", "message": "each account must be a JSON object"}]
    assert results[4]["errors"] == [
        {"column": "client_reference", "message": "duplicate of row 1 in this placement"}
    ]
    case = db.scalar(select(Case))
    assert case is not None
    assert (case.principal_minor, case.interest_minor) == (123456, 10)  # exact, no floats


def test_a_retry_with_the_same_key_returns_the_first_answer_and_writes_nothing(
    client: TestClient,
    db: Session,
    auth: dict[str, str],
) -> None:
    accounts = [account("A1"), account("A2", email="x")]
    first = push(client, auth, accounts, key="batch-2026-11-21")
    assert first.status_code == 201
    cases, consumers, placements = count(db, Case), count(db, Consumer), count(db, Placement)
    again = push(client, auth, accounts, key="batch-2026-11-21")
    assert again.status_code == 200
    assert again.json() == first.json()
    assert (count(db, Case), count(db, Consumer), count(db, Placement)) == (
        cases,
        consumers,
        placements,
    )
    other = push(client, auth, [account("B1")], key="batch-2026-11-21")
    assert other.status_code == 409
    assert other.json()["detail"] == "this Idempotency-Key was already used for a different request"


def test_bad_bodies(client: TestClient, auth: dict[str, str]) -> None:
    bad_json = client.post(
        "/api/v1/placements", content=b"{nope", headers=auth | {"Content-Type": "application/json"}
    )
    assert bad_json.status_code == 400
    assert bad_json.json()["detail"].startswith("the body cannot be read: not JSON:")
    assert client.post("/api/v1/placements", json=[1], headers=auth).status_code == 422
    too_many = push(client, auth, [{}] * 10_001)
    assert too_many.status_code == 413
    assert too_many.json() == {"detail": "at most 10,000 accounts per request; split the batch"}
    no_layout = push(client, auth, [account("A1")], layout="nope")
    assert no_layout.status_code == 422


def test_a_client_without_a_contract_cannot_place(client: TestClient, db: Session) -> None:
    bare = ClientFactory(name="No Terms Ltd")
    response = push(client, key_for(db, bare), [account("A1")])
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "No Terms Ltd has no contract in force today; accounts cannot be placed"
    )


def test_ten_thousand_accounts_in_one_push(
    client: TestClient, db: Session, auth: dict[str, str]
) -> None:
    accounts = [
        account(f"N{n:05d}", email=f"n{n}@example.com", phone=f"+1312555{n % 10000:04d}")
        for n in range(10_000)
    ]
    response = push(client, auth, accounts, key="big")
    assert response.status_code == 201
    assert response.json()["placement"]["accepted"] == 10_000
    assert count(db, Case) == 10_000


def test_placement_status_and_errors_for_the_owner_only(
    client: TestClient,
    db: Session,
    acme: Client,
    auth: dict[str, str],
) -> None:
    accounts = [account(f"A{n}", email="bad" if n % 2 else f"a{n}@example.com") for n in range(7)]
    placement_id = push(client, auth, accounts).json()["placement"]["id"]
    status = client.get(f"/api/v1/placements/{placement_id}", headers=auth).json()
    assert (status["accepted"], status["rejected"], status["source"]) == (4, 3, "api")
    page = client.get(f"/api/v1/placements/{placement_id}/errors?limit=2", headers=auth).json()
    assert [e["row"] for e in page["errors"]] == [2, 4] and page["next_after"] == 4
    rest = client.get(f"/api/v1/placements/{placement_id}/errors?after=4", headers=auth).json()
    assert [e["row"] for e in rest["errors"]] == [6] and rest["next_after"] is None
    assert rest["errors"][0]["errors"][0]["column"] == "email"

    other = key_for(db, ClientFactory())
    assert client.get(f"/api/v1/placements/{placement_id}", headers=other).status_code == 404
    assert client.get(f"/api/v1/placements/{placement_id}/errors", headers=other).status_code == 404


def test_account_actions(client: TestClient, db: Session, auth: dict[str, str]) -> None:
    push(client, auth, [account("A1"), account("A2"), account("A3")])
    adjust = client.post(
        "/api/v1/accounts/A1/adjust",
        headers=auth,
        content=json.dumps({"amount": -20.5, "reason": "goodwill"}),
    )
    assert adjust.status_code == 200, adjust.text
    assert adjust.json()["status"] == "accepted"
    paid = client.post(
        "/api/v1/accounts/A2/direct-payment",
        headers=auth,
        json={"amount": "124.50", "payment_date": "2026-11-01"},
    )
    assert paid.status_code == 200
    recall = client.post("/api/v1/accounts/A3/recall", headers=auth)
    assert recall.status_code == 200
    update = client.post(
        "/api/v1/accounts/A1/update", headers=auth, json={"email": "jane.new@example.com"}
    )
    assert update.status_code == 200

    missing = client.post("/api/v1/accounts/A3/recall", headers=auth)
    assert missing.status_code == 404
    assert missing.json()["detail"] == (
        "no open account A3 for this client (unknown, or already closed)"
    )
    no_reason = client.post("/api/v1/accounts/A1/adjust", headers=auth, json={"amount": "1.00"})
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"] == [
        {"column": "reason", "message": "is required for an adjustment"}
    ]
    assert client.post("/api/v1/accounts/A1/explode", headers=auth).status_code == 422

    states = db.execute(
        select(Case.client_reference, Case.status, Case.close_reason).order_by(Case.id)
    ).all()
    assert [tuple(state) for state in states] == [
        ("A1", CaseStatus.NEW, None),
        ("A2", CaseStatus.PAID, CloseReason.PAID_IN_FULL),
        ("A3", CaseStatus.RECALLED, CloseReason.RECALLED),
    ]
    assert status_moves(db) == [
        ("A2", CaseStatus.PAID, "paid in full: a direct payment to the client cleared the balance"),
        ("A3", CaseStatus.RECALLED, "recalled by the client"),
    ]
    assert db.scalar(select(Case.principal_minor).where(Case.client_reference == "A1")) == 9950


def test_admin_makes_and_revokes_keys_in_the_browser(
    client: TestClient, db: Session, acme: Client
) -> None:
    sign_in(client, db, UserFactory(role=Role.ADMIN))
    made = post_form(client, f"/admin/clients/{acme.id}/api-keys", {"name": "nightly"})
    assert made.status_code == 201
    secret = made.text.split('id="new-key">')[1].split("<")[0]
    assert secret.startswith("agk_")
    page = client.get(f"/admin/clients/{acme.id}")
    assert secret not in page.text and secret[:12] in page.text  # shown once only
    key = db.scalar(select(ApiKey))
    assert key is not None
    assert (
        post_form(client, f"/admin/clients/{acme.id}/api-keys/{key.id}/revoke", {}).status_code
        == 303
    )
    assert "revoked" in client.get(f"/admin/clients/{acme.id}").text
    blank = post_form(client, f"/admin/clients/{acme.id}/api-keys", {"name": " "})
    assert blank.status_code == 422


def test_a_push_links_a_shared_phone_only_to_the_same_person(
    client: TestClient, db: Session, auth: dict[str, str]
) -> None:
    first = push(client, auth, [account("P1")])
    assert first.status_code == 201, first.text
    assert first.json()["possible_same_person"] == []
    second = push(
        client,
        auth,
        [
            account("P2", first_name="John", last_name="Smith"),  # the phone of Jane Doe
            account("P3", first_name="J.", last_name="DOE"),  # Jane again
        ],
    )
    assert second.status_code == 201, second.text
    assert second.json()["possible_same_person"] == [
        {"client_reference": "P2", "other_client_reference": "P1", "shares": "phone"}
    ]
    owners = dict(db.execute(select(Case.client_reference, Case.consumer_id)).all())
    assert owners["P1"] == owners["P3"] != owners["P2"]
    assert count(db, Consumer) == 2


def test_a_replacement_naming_another_person_updates_nothing(
    client: TestClient, db: Session, acme: Client, auth: dict[str, str]
) -> None:
    LayoutFactory(client=acme, name="upd", replacement_policy=ReplacementPolicy.UPDATE)
    assert push(client, auth, [account("P1")]).status_code == 201
    other = account("P1", first_name="John", last_name="Smith", email="john@example.com")
    refused = push(client, auth, [other], layout="upd").json()["results"][0]
    assert refused["status"] == "rejected"
    assert refused["errors"] == [
        {
            "column": "client_reference",
            "message": "account P1 is open with us for another person (the names and dates "
            "of birth disagree), so nothing was updated; recall it and place it again",
        }
    ]
    same = account("P1", first_name="J", last_name="doe", email="jane.new@example.com")
    assert push(client, auth, [same], layout="upd").json()["results"][0]["status"] == "replaced"
    case = db.scalar(select(Case).where(Case.client_reference == "P1"))
    assert case is not None and (case.first_name, case.last_name) == ("J", "doe")
    emails = set(
        db.scalars(
            select(ContactPoint.value).where(
                ContactPoint.consumer_id == case.consumer_id, ContactPoint.channel == "email"
            )
        )
    )
    assert emails == {"p1@example.com", "jane.new@example.com"}
