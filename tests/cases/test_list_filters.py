"""The case lists' filter bar submitted as the page renders it: every control, those left
at "Any" too.  An empty value means no filter; a bad one is a readable error."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.cases.models import CaseStatus
from tests.fixtures.factories import (
    ClientFactory,
    ConsumerFactory,
    ContractFactory,
    UserFactory,
    case_for,
)
from tests.fixtures.forms import form_fields, with_values
from tests.fixtures.web import sign_in


def references(html: str) -> list[str]:
    return sorted(re.findall(r'<a href="/cases/\d+">([^<]+)</a>', html))


def _book(db: Session) -> int:
    """Two cases of one client, one new and one paid; returns the client's id."""
    acme = ClientFactory(name="Acme")
    contract = ContractFactory(client=acme)
    case_for(acme, contract=contract, client_reference="DE0111", status=CaseStatus.NEW)
    case_for(acme, contract=contract, client_reference="DE0122", status=CaseStatus.PAID)
    return int(acme.id)


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.COMPLIANCE, Role.ADMIN, Role.AGENT])
def test_the_staff_filter_bar_as_rendered(client: TestClient, db: Session, role: Role) -> None:
    client_id = _book(db)
    sign_in(client, db, UserFactory(role=role))
    start = "/cases?agent=none" if role is Role.AGENT else "/cases"
    page = client.get(start)
    fields = form_fields(page.text, "/cases")
    assert {"q", "status"} <= {name for name, _ in fields}
    assert ("status", "") in fields  # left at "Any": sent blank
    everything = client.get("/cases", params=fields)
    assert everything.status_code == 200, everything.text
    assert references(everything.text) == ["DE0111", "DE0122"]
    paid = client.get("/cases", params=with_values(fields, status="paid"))
    assert paid.status_code == 200
    assert references(paid.text) == ["DE0122"]
    swapped = client.get(
        "/cases",
        params=with_values(fields, status="new"),
        headers={"HX-Request": "true", "HX-Target": "case-table"},
    )
    assert swapped.status_code == 200
    assert references(swapped.text) == ["DE0111"]
    if role is not Role.AGENT:
        chosen = with_values(fields, client_id=str(client_id), agent="none")
        assert references(client.get("/cases", params=chosen).text) == ["DE0111", "DE0122"]


def test_a_partial_reference_finds_the_cases_it_starts(client: TestClient, db: Session) -> None:
    _book(db)
    acme = ClientFactory()
    case_for(acme, client_reference="XDE01")  # contains "DE01" but does not start with it
    sign_in(client, db, UserFactory(role=Role.SUPERVISOR))
    fields = form_fields(client.get("/cases").text, "/cases")
    assert references(client.get("/cases", params=with_values(fields, q="de01")).text) == [
        "DE0111",
        "DE0122",
    ]
    assert references(client.get("/cases", params=with_values(fields, q=" DE012 ")).text) == [
        "DE0122"
    ]
    assert references(client.get("/cases", params=with_values(fields, q="100%")).text) == []


def test_the_merchant_accounts_filter_bar_as_rendered(client: TestClient, db: Session) -> None:
    client_id = _book(db)
    sign_in(client, db, UserFactory(role=Role.MERCHANT, client_id=client_id))
    fields = form_fields(client.get("/portal/accounts").text, "/portal/accounts")
    assert ("status", "") in fields
    everything = client.get("/portal/accounts", params=fields)
    assert everything.status_code == 200, everything.text
    assert references(everything.text) == ["DE0111", "DE0122"]
    paid = client.get("/portal/accounts", params=with_values(fields, status="paid"))
    assert references(paid.text) == ["DE0122"]


def test_a_bad_filter_value_is_a_readable_error(client: TestClient, db: Session) -> None:
    _book(db)
    sign_in(client, db, UserFactory(role=Role.SUPERVISOR))
    fields = form_fields(client.get("/cases").text, "/cases")
    bad = client.get(
        "/cases",
        params=with_values(fields, status="bogus"),
        headers={"HX-Request": "true", "HX-Target": "case-table"},
    )
    assert bad.status_code == 422
    assert "Invalid request" not in bad.text
    assert "Status must be one of" in bad.text
    whole = client.get("/cases", params=with_values(fields, client_id="12x"))
    assert whole.status_code == 422
    assert "Client must be a whole number" in whole.text
    long = client.get("/cases", params=with_values(fields, q="x" * 101))
    assert long.status_code == 422
    assert "Search must be at most 100 characters" in long.text


@pytest.mark.parametrize(("page", "action"), [("/cases", "/cases"), ("/consumers", "/consumers")])
@pytest.mark.parametrize("q", ["_", "%", "a_e"])
def test_wildcards_in_a_search_are_plain_characters(
    client: TestClient, db: Session, page: str, action: str, q: str
) -> None:
    case_for(
        ClientFactory(),
        client_reference="W-1",
        consumer=ConsumerFactory(first_name="Jane", last_name="Able"),
        first_name="Jane",
        last_name="Able",
    )
    sign_in(client, db, UserFactory(role=Role.SUPERVISOR))
    fields = form_fields(client.get(page).text, action)
    found = client.get(action, params=with_values(fields, q=q))
    assert found.status_code == 200
    assert "Able" not in found.text.split("<tbody>", 1)[1]
