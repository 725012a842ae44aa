"""One person placed by two clients (same national id and date of birth): one consumer,
two cases, and each client sees the person only as it placed them — name, location,
language, phones, local time — on every page it reaches.  Staff see each case as its
client placed it, and the person's spellings across clients on the consumer list."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency.auth.models import Role, User
from agency.cases.models import Case, Consumer
from agency.clients import service as clients_service
from agency.clients.models import Client
from agency.referrals.models import ReplacementPolicy
from tests.fixtures.factories import ClientFactory, ContractFactory, LayoutFactory, UserFactory
from tests.fixtures.web import sign_in

PERSON = {"national_id": "123-45-6789", "date_of_birth": "1980-02-03"}
# What each client says about the person; no word of one appears in the other.
ALPHA = {
    "first_name": "Yevgeniya",
    "last_name": "Przybylska",
    "phone": "+13125550123",
    "email": "yevgeniya@example.com",
    "address_line1": "1 Wacker Dr",
    "city": "Chicago",
    "region": "IL",
    "postal_code": "60601",
    "language": "pl",
}
BRAVO = {
    "first_name": "Eugenia",
    "last_name": "Pshibilska",
    "phone": "+12125550188",
    "email": "eugenia@example.org",
    "address_line1": "350 Fifth Ave",
    "city": "New York",
    "region": "NY",
    "postal_code": "10118",
    "language": "ru",
}
# Strings only that client's data holds (a zone is derived from its ZIP and area code).
ALPHA_ONLY = ["Yevgeniya", "Przybylska", "5550123", "yevgeniya@", "Wacker", "60601", "Chicago"]
BRAVO_ONLY = ["Eugenia", "Pshibilska", "5550188", "eugenia@", "Fifth Ave", "10118", "New_York"]


@dataclass
class Side:
    client: Client
    auth: dict[str, str]
    merchant: User
    case_id: int
    placement_id: int
    answer: str  # the API's answer to the push


def account(reference: str, said: dict[str, str], **changes: str) -> dict[str, Any]:
    return {
        "client_reference": reference,
        **PERSON,
        **said,
        "country": "US",
        "principal": "120.00",
        "itemization_date": "2026-10-01",
        **changes,
    }


def push(client: TestClient, side: Side | dict[str, str], *accounts: Any, **params: str) -> Any:
    auth = side.auth if isinstance(side, Side) else side
    response = client.post(
        "/api/v1/placements", json={"accounts": list(accounts)}, headers=auth, params=params
    )
    assert response.status_code == 201, response.text
    return response.json()


def place(client: TestClient, db: Session, code: str, reference: str, said: dict[str, str]) -> Side:
    """A client with a contract, an API key and a merchant user, placing the person."""
    placed: Client = ClientFactory(code=code, name=f"{code.title()} Lending")
    ContractFactory(client=placed, effective_from=date(2020, 1, 1))
    _, secret = clients_service.create_api_key(
        db, client=placed, name="key", created_by_id=UserFactory(role=Role.ADMIN).id
    )
    auth = {"Authorization": f"Bearer {secret}"}
    answer = push(client, auth, account(reference, said))
    (result,) = answer["results"]
    assert result["status"] == "accepted", result
    merchant = UserFactory(role=Role.MERCHANT, client=placed)
    return Side(
        placed, auth, merchant, result["case_id"], answer["placement"]["id"], json.dumps(answer)
    )


@pytest.fixture
def sides(client: TestClient, db: Session) -> tuple[Side, Side]:
    alpha = place(client, db, "ALPHA", "AL-1", ALPHA)
    bravo = place(client, db, "BRAVO", "BR-1", BRAVO)
    # One person: the national id and date of birth matched across the two clients.
    assert db.scalar(select(func.count()).select_from(Consumer)) == 1
    assert db.scalar(select(func.count()).select_from(Case)) == 2
    return alpha, bravo


def merchant_pages(client: TestClient, side: Side, said: dict[str, str]) -> list[str]:
    """Every page of the merchant's about the case (each checked to show its spelling),
    its placement's pages, and the API's answer to its push."""
    name = f"{said['first_name']} {said['last_name']}"
    pages = []
    for url, headers in (
        (f"/cases/{side.case_id}", {}),
        (f"/cases/{side.case_id}", {"HX-Request": "true", "HX-Target": "panel-consumer"}),
        ("/portal/accounts", {}),
        ("/portal/accounts?sort=consumer", {"HX-Request": "true", "HX-Target": "portal-cases"}),
        (f"/portal/accounts?q={said['last_name'].lower()}", {}),
        (f"/portal/accounts?q={said['first_name']}+{said['last_name']}", {}),
        (f"/portal/accounts?q={said['phone']}", {}),
        (f"/portal/accounts?q={said['email']}", {}),
    ):
        response = client.get(url, headers=headers)
        assert response.status_code == 200, url
        assert name in response.text, url
        pages.append(response.text)
    for url in (
        "/placements",
        f"/placements/{side.placement_id}",
        f"/placements/{side.placement_id}/rejected.csv",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        pages.append(response.text)
    return [*pages, side.answer]


@pytest.mark.parametrize("who", ["alpha", "bravo"])
def test_each_merchant_sees_the_person_only_as_its_own_client_placed_them(
    client: TestClient, db: Session, sides: tuple[Side, Side], who: str
) -> None:
    alpha, bravo = sides
    side, said, theirs = (
        (alpha, ALPHA, BRAVO_ONLY) if who == "alpha" else (bravo, BRAVO, ALPHA_ONLY)
    )
    sign_in(client, db, side.merchant)
    pages = merchant_pages(client, side, said)
    case_page = pages[0]
    assert f"{said['region']} · {said['postal_code']} · US" in case_page
    assert f"<dd>{said['language']}</dd>" in case_page
    for page in pages:
        for marker in theirs:
            assert marker not in page, f"{who}'s merchant saw {marker!r}"


@pytest.mark.parametrize("who", ["alpha", "bravo"])
def test_a_merchant_cannot_find_its_case_by_what_another_client_placed(
    client: TestClient, db: Session, sides: tuple[Side, Side], who: str
) -> None:
    alpha, bravo = sides
    side, other = (alpha, BRAVO) if who == "alpha" else (bravo, ALPHA)
    sign_in(client, db, side.merchant)
    for q in (
        other["last_name"],
        f"{other['first_name']} {other['last_name']}",
        other["phone"],
        other["email"],
    ):
        response = client.get("/portal/accounts", params={"q": q})
        assert response.status_code == 200
        assert "No cases match." in response.text, q


def test_staff_see_each_case_as_its_client_placed_it_and_the_person_across_clients(
    client: TestClient, db: Session, sides: tuple[Side, Side]
) -> None:
    _, bravo = sides
    sign_in(client, db, UserFactory(role=Role.SUPERVISOR))
    # The right-party check is made with the name the case's client gave.
    bravo_page = client.get(f"/cases/{bravo.case_id}").text
    assert "Eugenia Pshibilska" in bravo_page
    assert "Przybylska" not in bravo_page
    assert "NY · 10118 · US" in bravo_page
    # The case list shows each case's spelling; a search by the consumer row's name (the
    # first placement's, as the consumer list links to) finds every case of the person,
    # a search by a later client's spelling finds that client's case.
    both = client.get("/cases", params={"q": "Yevgeniya Przybylska"}).text
    assert "AL-1" in both and "BR-1" in both and "Eugenia Pshibilska" in both
    only_bravo = client.get("/cases", params={"q": "pshibilska"}).text
    assert "BR-1" in only_bravo and "AL-1" not in only_bravo
    # The consumer list: the consumer row's name, and the other spelling placed.
    consumers = client.get("/consumers", params={"q": "Pshibilska"}).text
    assert "Przybylska, Yevgeniya" in consumers
    assert "also placed as Pshibilska, Eugenia" in consumers


def test_a_replacement_under_update_writes_the_name_as_the_client_now_places_it(
    client: TestClient, db: Session, sides: tuple[Side, Side]
) -> None:
    alpha, bravo = sides
    LayoutFactory(client=bravo.client, name="upd", replacement_policy=ReplacementPolicy.UPDATE)
    answer = push(
        client,
        bravo,
        account("BR-1", BRAVO, first_name="Evgenia", postal_code="10001", language="uk"),
        layout="upd",
    )
    assert answer["results"][0]["status"] == "replaced"
    sign_in(client, db, bravo.merchant)
    page = client.get(f"/cases/{bravo.case_id}").text
    assert "Evgenia Pshibilska" in page and "NY · 10001 · US" in page and "<dd>uk</dd>" in page
    assert "Eugenia" not in page
    # The consumer row and the other client's case keep what they had.
    consumer = db.scalar(select(Consumer))
    assert consumer is not None
    assert (consumer.first_name, consumer.postal_code) == ("Yevgeniya", "60601")
    sign_in(client, db, alpha.merchant)
    assert "Yevgeniya Przybylska" in client.get(f"/cases/{alpha.case_id}").text
