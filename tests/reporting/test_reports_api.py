"""The reports API with a client's key: the same figures as the portal, the accounts a
keyset page at a time and one by reference — and nothing of another client's, whichever
reference or page it asks for."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.clients import service as clients_service
from agency.clients.models import Client
from agency.config import get_settings
from agency.kit import clock
from agency.reporting import refresh
from tests.fixtures.factories import ClientFactory, UserFactory, case_for
from tests.reporting import world
from tests.reporting.world import PAID

NOW = PAID + timedelta(hours=3)


@pytest.fixture(autouse=True)
def new_york(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "time_zone", "America/New_York")


def key_of(db: Session, client: Client) -> dict[str, str]:
    admin = UserFactory(role=Role.ADMIN)
    _, secret = clients_service.create_api_key(db, client=client, name="reports",
                                               created_by_id=admin.id)  # fmt: skip
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def book(db: Session) -> world.Book:
    made = world.make_book(db)
    other = ClientFactory(industry="Streaming")
    case_for(other, client_reference=made.october[0].case.client_reference, principal_minor=777)
    with clock.frozen(NOW):
        refresh.refresh(db)
    return made


def test_the_figures_match_the_portal(client: TestClient, db: Session, book: world.Book) -> None:
    key = key_of(db, book.client)
    with clock.frozen(NOW):
        summary = client.get("/api/v1/reports/summary", headers=key).json()
        vintages = client.get("/api/v1/reports/vintages", headers=key).json()
        recoveries = client.get("/api/v1/reports/recoveries?start=2026-11-01&end=2026-11-30",
                                headers=key).json()  # fmt: skip
    totals = summary["totals"]
    assert (totals["placed_cases"], totals["placed_minor"]) == (3, 170_000)
    assert (totals["collected_minor"], totals["direct_minor"]) == (12_000, 2_000)
    assert summary["liquidation_percent"] == "7.1"
    assert summary["contact_rate_percent"] == "66.7"
    october = vintages["vintages"][0]
    assert october["month"] == "2026-10" and october["cumulative_percent"][:2] == ["0.0", "6.7"]
    assert vintages["industry_average_percent"][0] is None  # two Streaming clients, not five
    day = recoveries["days"][0]
    assert (day["day"], day["payments"], day["paid_minor"], day["reversed_minor"]) == (
        "2026-11-18", 3, 16_000, 4_000)  # fmt: skip
    assert recoveries["totals"]["commission_minor"] == 3_000


def test_accounts_page_by_page_and_by_reference(
    client: TestClient, db: Session, book: world.Book
) -> None:
    key = key_of(db, book.client)
    first = client.get("/api/v1/reports/accounts?limit=2", headers=key).json()
    assert len(first["accounts"]) == 2 and first["next_after"] is not None
    rest = client.get(f"/api/v1/reports/accounts?limit=2&after={first['next_after']}",
                      headers=key).json()  # fmt: skip
    assert len(rest["accounts"]) == 1 and rest["next_after"] is None
    references = {a["client_reference"] for a in first["accounts"] + rest["accounts"]}
    assert references == {d.case.client_reference for d in book.october + book.november}
    reached = book.october[0].case.client_reference
    one = client.get(f"/api/v1/reports/accounts/{reached}", headers=key).json()
    assert one["placed_minor"] == 100_000 and one["collected_minor"] == 10_000  # not B's 777
    assert one["last_contact_channel"] == "call" and one["arrangement"] == "promise"
    assert "notes" not in one
    unknown = client.get("/api/v1/reports/accounts/NOPE-1", headers=key)
    assert unknown.status_code == 404
