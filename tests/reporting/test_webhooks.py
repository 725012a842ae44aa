"""Webhook deliveries to a real HTTP server on loopback: one that fails twice and then
answers 200 gets the event three times, with the same idempotency id and a signature the
documented example verifies, at the backoff's times; a worker that dies after claiming a
delivery loses nothing; a rotated secret overlaps for a day; a private address is refused
outside development."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy.orm import Session

from agency.config import get_settings
from agency.kit import clock
from agency.kit.forms import FormError
from agency.reporting.webhooks import deliveries, endpoints, signing
from agency.reporting.webhooks.models import DeliveryStatus
from tests.fixtures.factories import ClientFactory


class Receiver:
    """An endpoint that answers each request with the next status of ``answers``."""

    def __init__(self, answers: list[int]) -> None:
        self.answers = answers
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers.items()), body))
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    monkeypatch.setattr(get_settings(), "webhook_allow_private", True)
    made = Receiver([500, 503])
    yield made
    made.server.shutdown()


def here(db: Session) -> Any:
    def session() -> AbstractContextManager[Session]:
        return nullcontext(db)

    return session


def test_fails_twice_then_delivers_signed_at_the_backoffs_times(
    db: Session, receiver: Receiver
) -> None:
    client = ClientFactory()
    start = datetime.now(UTC).replace(microsecond=0)
    with clock.frozen(start):
        registered = endpoints.register(db, client_id=client.id, url=receiver.url,
                                        description="orders", events=["payment.posted"],
                                        by_user_id=None)  # fmt: skip
        data = {"client_reference": "A-1", "amount_minor": 1000}
        (delivery,) = deliveries.queue(db, client_id=client.id, event_type="payment.posted",
                                       data=data)  # fmt: skip
        assert (
            deliveries.queue(db, client_id=client.id, event_type="payment.reversed", data={}) == []
        )
        first = deliveries.attempt(here(db), delivery.id)
    assert first is not None and first.status is DeliveryStatus.PENDING
    assert first.next_attempt_at == start + timedelta(seconds=30) and first.last_status == 500
    with clock.frozen(start + timedelta(seconds=10)):
        assert deliveries.attempt(here(db), delivery.id) is None  # not due yet
    with clock.frozen(start + timedelta(seconds=30)):
        second = deliveries.attempt(here(db), delivery.id)
    assert second is not None and second.next_attempt_at == start + timedelta(seconds=90)
    with clock.frozen(start + timedelta(seconds=90)):
        assert deliveries.due_ids(db) == [delivery.id]
        third = deliveries.attempt(here(db), delivery.id)
    assert third is not None and third.status is DeliveryStatus.DELIVERED
    assert third.attempts == 3 and third.last_status == 200 and third.last_ms is not None
    assert len(receiver.requests) == 3
    ids = {headers["Agency-Webhook-Id"] for headers, _ in receiver.requests}
    assert ids == {delivery.event_id}
    for headers, body in receiver.requests:
        assert signing.verify(registered.secret, body, headers["Agency-Webhook-Timestamp"],
                              headers["Agency-Webhook-Signature"])  # fmt: skip
        assert not signing.verify("whsec_wrong", body, headers["Agency-Webhook-Timestamp"],
                                  headers["Agency-Webhook-Signature"])  # fmt: skip
        assert not signing.verify(registered.secret, body + b" ",
                                  headers["Agency-Webhook-Timestamp"],
                                  headers["Agency-Webhook-Signature"])  # fmt: skip


def test_the_backoff_doubles_and_gives_up_after_a_day() -> None:
    assert [deliveries.wait_after(n).total_seconds() for n in range(1, 6)] == [
        30,
        60,
        120,
        240,
        480,
    ]
    assert deliveries.wait_after(20) == timedelta(hours=2)


def test_attempts_end_after_24_hours(db: Session, receiver: Receiver) -> None:
    receiver.answers = [500] * 100
    client = ClientFactory()
    start = datetime.now(UTC).replace(microsecond=0)
    with clock.frozen(start):
        endpoints.register(db, client_id=client.id, url=receiver.url, description="",
                           events=["account.closed"], by_user_id=None)  # fmt: skip
        (delivery,) = deliveries.queue(db, client_id=client.id, event_type="account.closed",
                                       data={})  # fmt: skip
    at = start
    while True:
        with clock.frozen(at):
            done = deliveries.attempt(here(db), delivery.id)
        assert done is not None
        if done.status is not DeliveryStatus.PENDING:
            break
        assert done.next_attempt_at is not None
        at = done.next_attempt_at
    assert done.status is DeliveryStatus.FAILED
    assert at <= start + timedelta(hours=24) and done.attempts > 10


def test_a_worker_killed_after_its_claim_loses_nothing(db: Session, receiver: Receiver) -> None:
    receiver.answers = []
    client = ClientFactory()
    start = datetime.now(UTC).replace(microsecond=0)
    with clock.frozen(start):
        endpoints.register(db, client_id=client.id, url=receiver.url, description="",
                           events=["dispute.received"], by_user_id=None)  # fmt: skip
        (delivery,) = deliveries.queue(db, client_id=client.id, event_type="dispute.received",
                                       data={})  # fmt: skip
        assert deliveries.claim(db, delivery.id) is not None  # … and the worker dies here
        assert deliveries.due_ids(db) == []  # claimed: no one else takes it meanwhile
    with clock.frozen(start + deliveries.LEASE):
        assert deliveries.due_ids(db) == [delivery.id]
        done = deliveries.attempt(here(db), delivery.id)
    assert done is not None and done.status is DeliveryStatus.DELIVERED
    assert len(receiver.requests) == 1


def test_a_rotated_secret_signs_beside_the_new_one_for_a_day(
    db: Session, receiver: Receiver
) -> None:
    receiver.answers = []
    client = ClientFactory()
    start = datetime.now(UTC).replace(microsecond=0)
    with clock.frozen(start):
        old = endpoints.register(db, client_id=client.id, url=receiver.url, description="",
                                 events=["payment.posted"], by_user_id=None)  # fmt: skip
        new = endpoints.rotate(db, endpoint=old.endpoint)
        assert new != old.secret
        deliveries.send_test(db, endpoint=old.endpoint)
        for delivery_id in deliveries.due_ids(db):
            deliveries.attempt(here(db), delivery_id)
    headers, body = receiver.requests[-1]
    for secret in (old.secret, new):
        assert signing.verify(secret, body, headers["Agency-Webhook-Timestamp"],
                              headers["Agency-Webhook-Signature"])  # fmt: skip
    with clock.frozen(start + endpoints.OVERLAP + timedelta(seconds=1)):
        deliveries.send_test(db, endpoint=old.endpoint)
        for delivery_id in deliveries.due_ids(db):
            deliveries.attempt(here(db), delivery_id)
    headers, body = receiver.requests[-1]
    assert headers["Agency-Webhook-Signature"].count("v1=") == 1
    assert endpoints.get(db, client_id=ClientFactory().id, endpoint_id=old.endpoint.id) is None


@pytest.mark.parametrize(
    "url",
    ["http://example.com/hooks", "https://127.0.0.1/hooks", "https://10.0.0.7/x",
     "https://169.254.169.254/latest", "https://user:pw@example.com/", "ftp://example.com/"],
)  # fmt: skip
def test_an_endpoint_must_be_public_https(db: Session, url: str) -> None:
    with pytest.raises(FormError, match="url"):
        endpoints.register(db, client_id=ClientFactory().id, url=url, description="",
                           events=["payment.posted"], by_user_id=None)  # fmt: skip
