"""Admins create and edit clients and contracts; bad input is a 422 with inline errors."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.clients.models import Client, Contract
from tests.fixtures.factories import ClientFactory, ContractFactory, UserFactory, case_for
from tests.fixtures.web import post_form, sign_in

CLIENT = {
    "code": "acme",
    "name": "Acme Telecom",
    "legal_name": "Acme Telecom Inc.",
    "industry": "Telecom",
    "country": "us",
    "currency": "usd",
    "is_active": "on",
}
CONTRACT = {
    "reference": "ACME-2026",
    "currency": "USD",
    "contingency_rate": "27.5 %",
    "settlement_floor": "60",
    "effective_from": "2026-01-01",
    "effective_to": "",
}


@pytest.fixture
def admin(client: TestClient, db: Session) -> None:
    sign_in(client, db, UserFactory(role=Role.ADMIN))


def count(db: Session, model: type) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.usefixtures("admin")
def test_admin_creates_a_client_and_sees_it(client: TestClient, db: Session) -> None:
    response = post_form(client, "/admin/clients/new", CLIENT)
    assert response.status_code == 303
    created = db.scalar(select(Client).where(Client.code == "ACME"))
    assert created is not None
    assert (created.country, created.currency, created.is_active) == ("US", "USD", True)
    assert response.headers["location"] == f"/admin/clients/{created.id}"
    listing = client.get("/admin/clients")
    assert "Acme Telecom" in listing.text


@pytest.mark.usefixtures("admin")
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("code", "", "Code is required"),
        (
            "code",
            "a b",
            "Code must be 2 to 20 letters, digits, hyphens or underscores, such as ACME.",
        ),
        ("country", "USA", "Country "),
        ("currency", "XYZ", "Currency must be a three-letter ISO 4217 currency code, such as USD."),
        ("name", "", "Name is required"),
    ],
)
def test_bad_client_fields_are_shown_inline(
    client: TestClient, db: Session, field: str, value: str, message: str
) -> None:
    response = post_form(client, "/admin/clients/new", {**CLIENT, field: value})
    assert response.status_code == 422
    assert 'class="field invalid"' in response.text
    assert f'id="e-{field}"' in response.text
    assert message in response.text
    assert f'value="{CLIENT["legal_name"]}"' in response.text  # what was typed is kept
    assert count(db, Client) == 0


@pytest.mark.usefixtures("admin")
def test_client_codes_are_unique_ignoring_case(client: TestClient, db: Session) -> None:
    ClientFactory(code="ACME")
    response = post_form(client, "/admin/clients/new", CLIENT)
    assert response.status_code == 422
    assert "client code ACME is already taken" in response.text


@pytest.mark.usefixtures("admin")
def test_admin_edits_a_client(client: TestClient, db: Session) -> None:
    existing = ClientFactory(code="OLD", name="Old Name")
    page = client.get(f"/admin/clients/{existing.id}/edit")
    assert 'value="Old Name"' in page.text
    response = post_form(client, f"/admin/clients/{existing.id}/edit", {**CLIENT, "code": "OLD"})
    assert response.status_code == 303
    db.refresh(existing)
    assert existing.name == "Acme Telecom"


@pytest.mark.usefixtures("admin")
def test_admin_adds_contracts_that_may_not_overlap(client: TestClient, db: Session) -> None:
    acme = ClientFactory()
    response = post_form(client, f"/admin/clients/{acme.id}/contracts/new", CONTRACT)
    assert response.status_code == 303
    contract = db.scalar(select(Contract).where(Contract.client_id == acme.id))
    assert contract is not None
    assert contract.contingency_rate == Decimal("27.500")
    assert contract.effective_to is None

    clash = post_form(
        client,
        f"/admin/clients/{acme.id}/contracts/new",
        {**CONTRACT, "reference": "ACME-2027", "effective_from": "2027-01-01"},
    )
    assert clash.status_code == 422
    assert "overlaps contract ACME-2026" in clash.text

    # Closing the first contract makes room for the next.
    closed = post_form(
        client,
        f"/admin/clients/{acme.id}/contracts/{contract.id}",
        {**CONTRACT, "effective_to": "2026-12-31"},
    )
    assert closed.status_code == 303
    follow = post_form(
        client,
        f"/admin/clients/{acme.id}/contracts/new",
        {**CONTRACT, "reference": "ACME-2027", "effective_from": "2027-01-01"},
    )
    assert follow.status_code == 303
    detail = client.get(f"/admin/clients/{acme.id}")
    assert "ACME-2026" in detail.text and "ACME-2027" in detail.text
    assert "27.5 %" in detail.text


@pytest.mark.usefixtures("admin")
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("contingency_rate", "abc", "Contingency rate (%) must be a number"),
        (
            "contingency_rate",
            "101",
            "Contingency rate (%) must be at most 100",
        ),
        (
            "settlement_floor",
            "-1",
            "Settlement floor (%) must be at least 0",
        ),
        (
            "contingency_rate",
            "25.0001",
            "Contingency rate (%) may have at most 3 decimal places",
        ),
        ("effective_from", "2026-02-30", "In force from must be a date (YYYY-MM-DD)"),
        ("effective_to", "2025-01-01", "In force until must be on or after the start date"),
        ("currency", "", "Currency is required"),
    ],
)
def test_bad_contract_fields_are_shown_inline(
    client: TestClient, db: Session, field: str, value: str, message: str
) -> None:
    acme = ClientFactory()
    response = post_form(
        client, f"/admin/clients/{acme.id}/contracts/new", {**CONTRACT, field: value}
    )
    assert response.status_code == 422
    assert message in response.text.replace("&#39;", "'")
    assert count(db, Contract) == 0


@pytest.mark.usefixtures("admin")
def test_contract_of_another_client_is_404(client: TestClient, db: Session) -> None:
    first, second = ClientFactory(), ClientFactory()
    contract = ContractFactory(client=first)
    assert client.get(f"/admin/clients/{second.id}/contracts/{contract.id}").status_code == 404
    response = post_form(client, f"/admin/clients/{second.id}/contracts/{contract.id}", CONTRACT)
    assert response.status_code == 404
    db.refresh(contract)
    assert contract.reference != "ACME-2026"


@pytest.mark.usefixtures("admin")
def test_malformed_ids_are_422_and_missing_ones_404(client: TestClient) -> None:
    assert client.get("/admin/clients/not-a-number").status_code == 422
    missing = client.get("/admin/clients/999999")
    assert missing.status_code == 404
    assert "There is no such client" in missing.text


@pytest.mark.usefixtures("admin")
def test_client_page_totals_its_cases(client: TestClient, db: Session) -> None:
    acme = ClientFactory()
    contract = ContractFactory(client=acme, effective_from=date(2020, 1, 1))
    case_for(acme, contract=contract, principal_minor=20_000, interest_minor=0)
    case_for(acme, contract=contract, principal_minor=5_000, interest_minor=50)
    page = client.get(f"/admin/clients/{acme.id}")
    # The figures are cases': the page loads them as htmx does, from the URL it names.
    loader = re.search(r'id="case-figures" hx-get="([^"]+)" hx-trigger="load"', page.text)
    assert loader is not None
    assert "$250.50" not in page.text
    swap = client.get(loader[1], headers={"HX-Request": "true", "HX-Target": "case-figures"})
    assert swap.status_code == 200
    assert "<html" not in swap.text
    assert "$250.50" in swap.text
    assert "2</div>" in swap.text  # cases placed
