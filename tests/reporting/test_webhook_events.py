"""The events found in the real facts of the book in ``world`` (cases placed, calls and
a reply, arrangements, payments and a reversal, a recall) queued once each for the
endpoint that wants them, whatever number of runs see them, and none from before an
endpoint was registered."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.config import get_settings
from agency.kit import clock
from agency.reporting.webhooks import emission, endpoints
from agency.reporting.webhooks.events import EVENTS
from agency.reporting.webhooks.models import WebhookDelivery
from tests.fixtures.factories import ClientFactory
from tests.reporting import world

BEFORE = datetime(2026, 10, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "webhook_allow_private", True)


def kinds(db: Session, endpoint_id: int) -> Counter[str]:
    query = select(WebhookDelivery.event_type).where(WebhookDelivery.endpoint_id == endpoint_id)
    return Counter(db.scalars(query))


def test_each_fact_once_to_the_endpoint_that_wants_it(db: Session) -> None:
    client = ClientFactory(industry="Streaming")
    with clock.frozen(BEFORE):
        everything = endpoints.register(
            db,
            client_id=client.id,
            url="http://127.0.0.1:9/all",
            description="",
            events=list(EVENTS),
            by_user_id=None,
        )
        payments = endpoints.register(
            db,
            client_id=client.id,
            url="http://127.0.0.1:9/pay",
            description="",
            events=["payment.posted"],
            by_user_id=None,
        )
        other = endpoints.register(
            db,
            client_id=ClientFactory().id,
            url="http://127.0.0.1:9/x",
            description="",
            events=list(EVENTS),
            by_user_id=None,
        )
    book = world.make_book(db, client=client)
    with clock.frozen(world.PAID + timedelta(hours=3)):
        emission.emit(db, since=BEFORE)
        assert emission.emit(db, since=BEFORE) == 0  # seen again: nothing new
    assert kinds(db, everything.endpoint.id) == Counter({
        "account.acknowledged": 3, "account.first_contact": 2, "arrangement.made": 1,
        "payment.posted": 3, "payment.reversed": 1})  # fmt: skip
    assert kinds(db, payments.endpoint.id) == Counter({"payment.posted": 3})
    assert kinds(db, other.endpoint.id) == Counter()
    with clock.frozen(world.LATER - timedelta(days=1)):
        late = endpoints.register(
            db,
            client_id=client.id,
            url="http://127.0.0.1:9/late",
            description="",
            events=list(EVENTS),
            by_user_id=None,
        )
    world.later_changes(db, book)
    with clock.frozen(world.LATER + timedelta(minutes=1)):
        emission.emit(db, since=world.LATER - timedelta(minutes=10))
    assert kinds(db, late.endpoint.id) == Counter({
        "payment.posted": 1, "arrangement.made": 1, "account.first_contact": 1,
        "account.recalled": 1})  # fmt: skip
    recalled = db.scalars(select(WebhookDelivery).where(
        WebhookDelivery.endpoint_id == late.endpoint.id,
        WebhookDelivery.event_type == "account.recalled")).one()  # fmt: skip
    data = recalled.payload["data"]
    assert data["client_reference"] == book.november[0].case.client_reference
    assert set(data) == {"client_reference", "case_id", "status", "balance_minor", "currency",
                         "close_reason"}  # fmt: skip
