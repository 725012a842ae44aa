"""Possible same people over HTTP: the preview and the result list them, the merchant
waits, staff confirm (one consumer) or keep them apart (recorded: who, when, which)."""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from agency.auth import service as auth_service
from agency.auth.models import Role
from agency.auth.permissions import SESSION_COOKIE
from agency.cases.models import Case, ConsumerPair, ContactPoint
from agency.compliance.models import ComplianceFact, FactKind, Source
from agency.db import session_scope
from agency.kit import clock
from agency.main import create_app
from agency.referrals.models import Placement
from agency.worker import drain
from tests.fixtures.factories import ClientFactory, ContractFactory, UserFactory, bind
from tests.fixtures.referral_files import csv_text, good
from tests.fixtures.web import post_form
from tests.referrals.test_views import upload


@pytest.fixture
def browsers(bound_engine: Engine) -> Iterator[dict[str, TestClient]]:
    """Signed-in browsers: a merchant of ACME, a supervisor, a merchant of another client."""
    with session_scope() as db:
        bind(db)
        acme = ClientFactory(code="ACME", name="Acme Media")
        ContractFactory(client=acme, effective_from=date(2020, 1, 1))
        other = ClientFactory(code="OTHER")
        ContractFactory(client=other, effective_from=date(2020, 1, 1))
        users = {
            "merchant": UserFactory(role=Role.MERCHANT, client=acme),
            "supervisor": UserFactory(role=Role.SUPERVISOR, full_name="Sam Supervisor"),
            "stranger": UserFactory(role=Role.MERCHANT, client=other),
        }
        tokens = {name: auth_service.start_session(db, user=u).token for name, u in users.items()}
    app = create_app()
    clients = {}
    for name, token in tokens.items():
        client = TestClient(app, base_url="https://testserver", follow_redirects=False)
        client.cookies.set(SESSION_COOKIE, token, domain="testserver.local")
        clients[name] = client.__enter__()
    yield clients
    for client in clients.values():
        client.__exit__(None, None, None)


def place(merchant: TestClient, rows: list[dict[str, str]], name: str) -> tuple[int, str]:
    """Upload, confirm and run a file as the merchant; (placement id, its preview page)."""
    response = upload(merchant, csv_text(rows).encode(), name)
    assert response.status_code == 303
    preview = html.unescape(merchant.get(response.headers["location"]).text)
    placement_id = int(response.headers["location"].rsplit("/", 1)[1])
    assert post_form(merchant, f"/placements/{placement_id}/confirm", {}).status_code == 303
    drain()
    return placement_id, preview


def consumer_of(reference: str) -> int:
    with session_scope() as db:
        found = db.scalar(select(Case.consumer_id).where(Case.client_reference == reference))
        assert found is not None
        return int(found)


def pair_of(reference: str) -> ConsumerPair:
    with session_scope() as db:
        pair = db.scalar(
            select(ConsumerPair)
            .join(Case, Case.id == ConsumerPair.case_id)
            .where(Case.client_reference == reference)
        )
        assert pair is not None
        db.expunge(pair)
        return pair


def test_shared_phone_is_listed_and_decided_by_staff(browsers: dict[str, TestClient]) -> None:
    merchant, supervisor = browsers["merchant"], browsers["supervisor"]
    place(merchant, [good("A1")], "first.csv")
    rows = [
        good("A2", first_name="John", last_name="Smith", date_of_birth="1991-07-08"),
        good("A3", first_name="Janet", last_name="Roe", date_of_birth=""),
    ]
    placement_id, preview = place(merchant, rows, "second.csv")

    assert "Possible same person" in preview
    for shown in ("A2", "John Smith", "A3", "Janet Roe", "A1", "Jane Doe", "phone"):
        assert shown in preview
    assert consumer_of("A2") != consumer_of("A1") != consumer_of("A3")

    result = html.unescape(merchant.get(f"/placements/{placement_id}").text)
    assert "Possible same person" in result and "waiting for our staff" in result
    assert "Keep apart" not in result  # the merchant does not decide
    two, three = pair_of("A2"), pair_of("A3")
    url = f"/placements/{placement_id}/pairs/{two.id}"
    assert post_form(merchant, url, {"decision": "same"}).status_code == 403
    assert browsers["stranger"].get(f"/placements/{placement_id}").status_code == 404

    staff_page = html.unescape(supervisor.get(f"/placements/{placement_id}").text)
    assert "Keep apart" in staff_page and "Same person" in staff_page
    bad = post_form(supervisor, url, {"decision": ""})
    assert bad.status_code == 422 and "decision: must be" in html.unescape(bad.text)

    assert post_form(supervisor, url, {"decision": "apart"}).status_code == 303
    kept = pair_of("A2")
    assert kept.decision == "apart" and kept.decided_at is not None
    assert consumer_of("A2") != consumer_of("A1")
    again = post_form(supervisor, url, {"decision": "same"})
    assert again.status_code == 409 and "already decided" in again.text

    joined = post_form(
        supervisor, f"/placements/{placement_id}/pairs/{three.id}", {"decision": "same"}
    )
    assert joined.status_code == 303
    assert consumer_of("A3") == consumer_of("A1")  # one person: the accounts joined
    with session_scope() as db:
        emails = set(
            db.scalars(
                select(ContactPoint.value).where(ContactPoint.consumer_id == consumer_of("A1"))
            )
        )
    assert {"a1@example.com", "a3@example.com"} <= emails
    assert "a2@example.com" not in emails
    decided = html.unescape(supervisor.get(f"/placements/{placement_id}").text)
    assert "kept apart · Sam Supervisor" in decided and "one person · Sam Supervisor" in decided


def test_a_pair_of_another_placement_is_404(browsers: dict[str, TestClient]) -> None:
    merchant, supervisor = browsers["merchant"], browsers["supervisor"]
    first, _ = place(merchant, [good("A1")], "first.csv")
    place(merchant, [good("A2", last_name="Smith", date_of_birth="")], "second.csv")
    pair = pair_of("A2")
    with session_scope() as db:
        assert db.get(Placement, first) is not None
    wrong = post_form(supervisor, f"/placements/{first}/pairs/{pair.id}", {"decision": "same"})
    assert wrong.status_code == 404


def test_a_consumer_with_contact_history_is_not_folded(browsers: dict[str, TestClient]) -> None:
    merchant, supervisor = browsers["merchant"], browsers["supervisor"]
    place(merchant, [good("A1")], "first.csv")
    placement_id, _ = place(
        merchant, [good("A2", last_name="Smith", date_of_birth="")], "second.csv"
    )
    with session_scope() as db:
        db.add(
            ComplianceFact(
                consumer_id=consumer_of("A2"),
                kind=FactKind.CALL_CONSENT,
                effective_at=clock.now(),
                source=Source.AGENT,
            )
        )
    url = f"/placements/{placement_id}/pairs/{pair_of('A2').id}"
    refused = post_form(supervisor, url, {"decision": "same"})
    assert refused.status_code == 409
    assert "has been contacted as a person of its own" in html.unescape(refused.text)
    assert consumer_of("A2") != consumer_of("A1") and pair_of("A2").decision is None
