"""The merchant's webhooks screens, forms submitted as rendered: an endpoint registered
(the secret on that page only), a test event sent and delivered to a real server on
loopback, verifiable with that secret; a delivery resent with the same id; a bad URL and
no events refused with the fields named; the secret rotated."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.reporting.webhooks import deliveries, signing
from agency.reporting.webhooks.models import DeliveryStatus, WebhookDelivery
from tests.fixtures.factories import ClientFactory, UserFactory
from tests.fixtures.forms import form_fields, with_values
from tests.fixtures.web import sign_in
from tests.outreach.strategies.test_editor_views import as_data
from tests.reporting.test_webhooks import Receiver, here


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    from agency.config import get_settings

    monkeypatch.setattr(get_settings(), "webhook_allow_private", True)
    made = Receiver([])
    yield made
    made.server.shutdown()


def sweep(db: Session) -> None:
    """The minute's sweep, in the test's transaction (the requests' jobs go after a
    commit this test never makes; the browser test runs them for real)."""
    for delivery_id in deliveries.due_ids(db):
        deliveries.attempt(here(db), delivery_id)


def test_register_send_a_test_event_and_resend(
    client: TestClient, db: Session, receiver: Receiver
) -> None:
    sign_in(client, db, UserFactory(role=Role.MERCHANT, client=ClientFactory()))
    page = client.get("/portal/webhooks")
    fields = form_fields(page.text, "/portal/webhooks")
    refused = client.post(
        "/portal/webhooks", data=as_data(with_values(fields, url="ftp://x.example"))
    )
    assert refused.status_code == 422
    assert "URL must start with https://." in refused.text
    assert "Events must include at least one." in refused.text
    chosen = [*with_values(fields, url=receiver.url, description="orders"),
              ("events", "payment.posted"), ("events", "account.closed")]  # fmt: skip
    made = client.post("/portal/webhooks", data=as_data(chosen))
    assert made.status_code == 200 and made.headers["Cache-Control"] == "no-store"
    secret = re.search(r'id="endpoint-secret" class="secret">([^<]+)<', made.text)
    assert secret is not None
    endpoint_url = re.search(r'href="(/portal/webhooks/\d+)"', made.text)
    assert endpoint_url is not None
    detail = client.get(endpoint_url.group(1))
    assert secret.group(1) not in detail.text  # shown once
    test_form = form_fields(detail.text, f"{endpoint_url.group(1)}/test")
    assert client.post(f"{endpoint_url.group(1)}/test", data=as_data(test_form)).status_code == 303
    sweep(db)
    headers, body = receiver.requests[-1]
    assert signing.verify(secret.group(1), body, headers["Agency-Webhook-Timestamp"],
                          headers["Agency-Webhook-Signature"])  # fmt: skip
    delivery = db.scalars(select(WebhookDelivery)).one()
    db.refresh(delivery)
    assert delivery.status is DeliveryStatus.DELIVERED and delivery.event_type == "test"
    logged = client.get(endpoint_url.group(1))
    assert 'class="delivery-status">delivered' in logged.text
    resend = f"{endpoint_url.group(1)}/deliveries/{delivery.id}/resend"
    assert client.post(resend, data=as_data(form_fields(logged.text, resend))).status_code == 303
    sweep(db)
    assert [h["Agency-Webhook-Id"] for h, _ in receiver.requests] == [delivery.event_id] * 2
    rotate = f"{endpoint_url.group(1)}/rotate"
    rotated = client.post(rotate, data=as_data(form_fields(logged.text, rotate)))
    assert "The previous secret keeps signing" in rotated.text
    assert secret.group(1) not in rotated.text
