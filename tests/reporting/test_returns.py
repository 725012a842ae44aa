"""Return files: the accounts closed or recalled on a day, in the documented layout, from
the portal and the API; and the webhook that says a finished day's file is ready."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.config import get_settings
from agency.kit import clock
from agency.reporting import returns
from agency.reporting.webhooks import emission, endpoints
from agency.reporting.webhooks.models import WebhookDelivery
from tests.fixtures.factories import UserFactory
from tests.fixtures.web import sign_in
from tests.reporting import world
from tests.reporting.test_reports_api import key_of

RETURNED = "2026-12-02"  # world.LATER, 12:00 in New York


@pytest.fixture(autouse=True)
def new_york(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "time_zone", "America/New_York")
    monkeypatch.setattr(get_settings(), "webhook_allow_private", True)


@pytest.fixture
def book(db: Session) -> world.Book:
    made = world.make_book(db)
    world.later_changes(db, made)  # … the November account recalled
    return made


def test_the_days_file_from_the_portal_and_the_api(
    client: TestClient, db: Session, book: world.Book
) -> None:
    sign_in(client, db, UserFactory(role=Role.MERCHANT, client=book.client))
    with clock.frozen(world.LATER + timedelta(days=1)):
        listed = client.get("/portal/returns")
        portal = client.get(f"/portal/returns/{RETURNED}.csv")
    assert f"/portal/returns/{RETURNED}.csv" in listed.text
    rows = list(csv.DictReader(io.StringIO(portal.text)))
    assert tuple(rows[0]) == returns.COLUMNS
    (row,) = rows
    recalled = book.november[0].case
    assert row["client_reference"] == recalled.client_reference
    assert (row["status"], row["returned_on"], row["placed_minor"]) == (
        "recalled",
        RETURNED,
        "20000",
    )
    assert (row["collected_to_agency_minor"], row["collected_direct_minor"]) == ("0", "2000")
    assert row["balance_minor"] == "18000"
    api = client.get(f"/api/v1/reports/returns/{RETURNED}", headers=key_of(db, book.client))
    assert api.status_code == 200 and api.headers["content-type"].startswith("text/csv")
    assert api.text == portal.text
    empty = client.get("/api/v1/reports/returns/2026-12-01", headers=key_of(db, book.client))
    assert empty.text.strip() == ",".join(returns.COLUMNS)


def test_a_finished_days_file_is_announced_once(db: Session, book: world.Book) -> None:
    with clock.frozen(world.LATER - timedelta(days=3)):
        hook = endpoints.register(
            db,
            client_id=book.client.id,
            url="http://127.0.0.1:9/r",
            description="",
            events=["returns.ready"],
            by_user_id=None,
        )
    with clock.frozen(world.LATER + timedelta(hours=1)):
        emission.emit(db, since=world.LATER - timedelta(minutes=10))  # the day is not over
    with clock.frozen(world.LATER + timedelta(days=1)):
        emission.emit(db, since=world.LATER)
        emission.emit(db, since=world.LATER)
    query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == hook.endpoint.id)
    (ready,) = db.scalars(query)
    assert ready.payload["data"]["day"] == RETURNED and ready.payload["data"]["accounts"] == 1
    assert ready.payload["data"]["url"].endswith(f"/api/v1/reports/returns/{RETURNED}")
