"""Case lists, the case page, the supervisor's workload and the consumer list."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from agency.auth.models import Role, User
from agency.auth.permissions import Viewer
from agency.cases import repository
from agency.cases.models import CaseStatus
from agency.cases.schemas import CaseFilters
from agency.kit.pagination import PageRequest
from tests.fixtures.factories import (
    ClientFactory,
    ConsumerFactory,
    ContactPointFactory,
    ContractFactory,
    UserFactory,
    case_for,
)
from tests.fixtures.web import sign_in


def references(html: str) -> list[str]:
    return re.findall(r'<a href="/cases/\d+">([^<]+)</a>', html)


@pytest.fixture
def agent(client: TestClient, db: Session) -> User:
    user: User = UserFactory(role=Role.AGENT, full_name="Alex Agent")
    sign_in(client, db, user)
    return user


def test_agent_sees_the_cases_assigned_to_them(
    client: TestClient, db: Session, agent: User
) -> None:
    acme = ClientFactory(name="Acme Media")
    contract = ContractFactory(client=acme)
    mine = case_for(
        acme,
        contract=contract,
        client_reference="MINE-1",
        assigned_agent_id=agent.id,
        consumer=ConsumerFactory(first_name="Pat", last_name="Doe"),
        principal_minor=123_456,
        interest_minor=0,
        status=CaseStatus.ACTIVE,
    )
    other_agent = UserFactory(role=Role.AGENT)
    case_for(acme, contract=contract, client_reference="THEIRS-1", assigned_agent_id=other_agent.id)
    page = client.get("/cases?agent=me")
    assert page.status_code == 200
    assert references(page.text) == ["MINE-1"]
    row = page.text[page.text.index("MINE-1") :]
    for shown in ("Pat Doe", "Acme Media", "$1,234.56", ">active<"):
        assert shown in row
    assert f'href="/cases/{mine.id}"' in page.text


def test_filters_search_and_bad_values(client: TestClient, db: Session, agent: User) -> None:
    acme = ClientFactory()
    contract = ContractFactory(client=acme)
    case_for(
        acme,
        contract=contract,
        client_reference="R-NEW",
        status=CaseStatus.NEW,
        consumer=ConsumerFactory(first_name="Jamie", last_name="Zimmerman"),
    )
    case_for(acme, contract=contract, client_reference="R-PAID", status=CaseStatus.PAID)
    assert references(client.get("/cases?status=paid").text) == ["R-PAID"]
    assert references(client.get("/cases?q=zimmer").text) == ["R-NEW"]
    assert references(client.get("/cases?q=jamie zimmerman").text) == ["R-NEW"]
    assert references(client.get("/cases?q=r-paid").text) == ["R-PAID"]
    assert sorted(references(client.get("/cases?agent=none").text)) == ["R-NEW", "R-PAID"]
    assert references(client.get(f"/cases?agent={agent.id}").text) == []
    bad = client.get("/cases?status=bogus")
    assert bad.status_code == 422
    assert "Status must be one of" in bad.text
    assert client.get("/cases?agent=someone").status_code == 422
    assert client.get("/cases?page=0").status_code == 422


def test_sorting_and_paging(client: TestClient, db: Session, agent: User) -> None:
    acme = ClientFactory()
    contract = ContractFactory(client=acme)
    for n, amount in enumerate([300, 100, 200, 500, 400]):
        case_for(
            acme,
            contract=contract,
            client_reference=f"S-{n}",
            principal_minor=amount,
            interest_minor=0,
        )
    by_balance = references(client.get("/cases?sort=balance&dir=asc").text)
    assert by_balance == ["S-1", "S-2", "S-0", "S-4", "S-3"]
    page_two = client.get("/cases?sort=balance&dir=desc&size=2&page=2")
    assert references(page_two.text) == ["S-0", "S-2"]
    assert "3–4 of 5 cases" in page_two.text
    beyond = client.get("/cases?sort=balance&dir=desc&size=2&page=99")
    assert references(beyond.text) == ["S-1"]  # clamped to the last page
    unknown = client.get("/cases?sort=__class__")
    assert unknown.status_code == 200  # unknown sort keys fall back to the default


def test_htmx_request_gets_only_the_table_fragment(
    client: TestClient, db: Session, agent: User
) -> None:
    case_for(ClientFactory(), client_reference="FRAG-1")
    full = client.get("/cases")
    assert "<html" in full.text and 'id="case-table"' in full.text
    fragment = client.get(
        "/cases?sort=reference", headers={"HX-Request": "true", "HX-Target": "case-table"}
    )
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert fragment.text.lstrip().startswith('<div class="table-wrap" id="case-table">')
    assert "FRAG-1" in fragment.text


def test_case_page_shows_debt_consumer_and_contact_state(
    client: TestClient, db: Session, agent: User
) -> None:
    consumer = ConsumerFactory(first_name="Robin", last_name="Hart")
    ContactPointFactory(consumer=consumer, value="+13125550111", consent=True, opted_out=True)
    acme = ClientFactory(name="Acme Media")
    case = case_for(
        acme,
        consumer=consumer,
        client_reference="CASE-9",
        principal_minor=10_000,
        interest_minor=250,
        fees_minor=1_000,
    )
    other = case_for(
        ClientFactory(name="Other Lender"), consumer=consumer, client_reference="CASE-10"
    )
    page = client.get(f"/cases/{case.id}")
    assert page.status_code == 200
    for shown in (
        "Robin Hart",
        "CASE-9",
        "$112.50",
        "$2.50",
        "$10.00",
        "…0111",  # masked: this reader may not call from here
        "opted out",
        "consent",
        "Other Lender",
        f"/cases/{other.id}",
    ):
        assert shown in page.text


def test_repository_scopes_merchants_to_their_client(db: Session) -> None:
    mine, theirs = ClientFactory(), ClientFactory()
    case_for(mine, client_reference="M-1")
    case_for(theirs, client_reference="T-1")
    merchant = Viewer(user_id=1, role=Role.MERCHANT, client_id=mine.id, full_name="m")
    staff = Viewer(user_id=2, role=Role.SUPERVISOR, client_id=None, full_name="s")
    everything = PageRequest(size=100)
    listed = repository.list_cases(db, merchant, CaseFilters(client_id=theirs.id), everything)
    assert listed.total == 0  # asking for the other client's rows yields nothing
    assert [
        c.client_reference
        for c in repository.list_cases(db, merchant, CaseFilters(), everything).items
    ] == ["M-1"]
    assert repository.list_cases(db, staff, CaseFilters(), everything).total == 2
    assert repository.totals(db, merchant).cases == 1
    assert repository.list_consumers(db, merchant, everything).total == 1


def test_supervisor_sees_open_cases_per_agent_and_client(client: TestClient, db: Session) -> None:
    sign_in(client, db, UserFactory(role=Role.SUPERVISOR))
    acme, bolt = ClientFactory(name="Acme"), ClientFactory(name="Bolt")
    alex = UserFactory(role=Role.AGENT, full_name="Alex Agent")
    gone = UserFactory(role=Role.AGENT, full_name="Gone Agent", is_active=False)
    UserFactory(role=Role.AGENT, full_name="Idle Agent")
    for _ in range(3):
        case_for(acme, assigned_agent_id=alex.id)
    case_for(bolt, assigned_agent_id=alex.id)
    case_for(bolt, assigned_agent_id=alex.id, status=CaseStatus.PAID)  # closed: not counted
    case_for(acme, assigned_agent_id=gone.id)
    case_for(acme)
    case_for(acme)
    page = client.get("/supervisor").text
    assert f'href="/cases?agent={alex.id}&amp;client_id={acme.id}">3<' in page
    assert f'href="/cases?agent={alex.id}">4<' in page
    assert "Gone Agent" in page and "disabled" in page  # still holds a case
    assert "Idle Agent" in page  # an empty book still has a row
    assert f'href="/cases?agent=none&amp;client_id={acme.id}">2<' in page


def test_compliance_lists_consumers_read_only(client: TestClient, db: Session) -> None:
    sign_in(client, db, UserFactory(role=Role.COMPLIANCE))
    consumer = ConsumerFactory(first_name="Quinn", last_name="Adler")
    ContactPointFactory(consumer=consumer, opted_out=True)
    case_for(ClientFactory(), consumer=consumer)
    case_for(ClientFactory(), consumer=consumer)
    page = client.get("/consumers?q=adler")
    assert page.status_code == 200
    assert "Adler, Quinn" in page.text
    assert "opted out" in page.text
    assert ">2</a>" in page.text
    assert '<form method="post"' not in page.text.split("<main>")[1]  # nothing to change
    assert client.get("/cases").status_code == 200


def test_a_merchant_sees_only_the_contact_points_its_client_gave(
    client: TestClient,
    db: Session,
) -> None:
    mine, theirs = ClientFactory(), ClientFactory()
    consumer = ConsumerFactory()
    ContactPointFactory(consumer=consumer, value="+13125550101", source_client_id=mine.id)
    ContactPointFactory(consumer=consumer, value="+13125550202", source_client_id=theirs.id)
    case = case_for(mine, consumer=consumer)
    sign_in(client, db, UserFactory(role=Role.MERCHANT, client=mine))
    page = client.get(f"/cases/{case.id}").text
    assert "…0101" in page and "…0202" not in page  # masked, and only its own
