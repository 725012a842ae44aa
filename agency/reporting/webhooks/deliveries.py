"""The webhook outbox: an event queued for each endpoint that wants it (in the caller's
transaction, so a rolled-back change sends nothing), each delivery then attempted by a
job after the commit, retried with exponential backoff for 24 hours, and swept up every
minute (a worker killed mid-attempt leaves its delivery due again when its lease ends).

An attempt is two short transactions around the HTTP call, never a lock held across
it: the claim (attempts + 1, the lease as the next attempt) and the result."""

from __future__ import annotations

import ipaddress
import json
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from agency.config import get_settings
from agency.kit import clock
from agency.reporting.webhooks import signing
from agency.reporting.webhooks.events import TEST_EVENT
from agency.reporting.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from agency.worker import enqueue

RETRY_FOR = timedelta(hours=24)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=2)
LEASE = timedelta(minutes=2)  # an attempt's claim: past it, the sweep tries again
TIMEOUT_SECONDS = 10
MAX_BODY = 256 * 1024
TASK = "agency.reporting.tasks.deliver_webhook"


class UnsafeUrl(ValueError):
    """An endpoint URL we will not call."""


def check_url(url: str) -> str:
    """``url`` if it may be an endpoint: https (http only where private addresses are
    allowed), a host name, at most 500 characters, resolving to public addresses only."""
    url = url.strip()
    if len(url) > 500:
        raise UnsafeUrl("must be at most 500 characters")
    parts = urlsplit(url)
    allow_private = get_settings().webhook_allow_private
    if parts.scheme != "https" and not (allow_private and parts.scheme == "http"):
        raise UnsafeUrl("must start with https://")
    if not parts.hostname or parts.username or parts.password:
        raise UnsafeUrl("must name a host, without a user name or password")
    if not allow_private:
        try:
            found = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError):
            raise UnsafeUrl(f"names a host that cannot be found ({parts.hostname})") from None
        for *_, address in found:
            ip = ipaddress.ip_address(address[0])
            if not ip.is_global:
                raise UnsafeUrl(f"points at a private or local address ({parts.hostname})")
    return url


def queue(db: Session, *, client_id: int, event_type: str, data: dict[str, Any],
          event_id: str | None = None) -> list[WebhookDelivery]:  # fmt: skip
    """The event, for every active endpoint of the client subscribed to it."""
    endpoints = db.scalars(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.client_id == client_id, WebhookEndpoint.disabled_at.is_(None))
        .order_by(WebhookEndpoint.id)
    )
    event_id = event_id or _new_event_id()
    made = [queue_once(db, endpoint, event_type, event_id, data)
            for endpoint in endpoints if event_type in endpoint.events]  # fmt: skip
    return [found for delivery_id in made if delivery_id is not None
            and (found := db.get(WebhookDelivery, delivery_id)) is not None]  # fmt: skip


def send_test(db: Session, *, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A test event to this endpoint alone."""
    data = {"message": "a test event from agency", "endpoint": endpoint.id}
    delivery_id = queue_once(db, endpoint, TEST_EVENT, _new_event_id(), data)
    found = db.get(WebhookDelivery, delivery_id)
    assert found is not None  # a fresh id: never already there
    return found


def _new_event_id() -> str:
    return f"evt_{uuid.uuid4().hex}"


def queue_once(db: Session, endpoint: WebhookEndpoint, event_type: str, event_id: str,
               data: dict[str, Any], *, job: bool = True) -> int | None:  # fmt: skip
    """The event for ``endpoint``, unless it already has it (the same ``event_id``):
    the new delivery's id, sent a job after the commit when ``job``; None if it had."""
    now = clock.now()
    payload = {"id": event_id, "type": event_type, "created": now.isoformat(), "data": data}
    values = {"endpoint_id": endpoint.id, "client_id": endpoint.client_id, "event_id": event_id,
              "event_type": event_type, "payload": payload, "status": DeliveryStatus.PENDING,
              "attempts": 0, "created_at": now, "retry_from": now,
              "next_attempt_at": now}  # fmt: skip
    maker = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        maker(WebhookDelivery)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["endpoint_id", "event_id"])
        .returning(WebhookDelivery.id)
    )
    delivery_id: int | None = db.scalar(statement)
    if delivery_id is not None and job:
        enqueue(db, TASK, delivery_id)
    return delivery_id


def resend(db: Session, *, delivery: WebhookDelivery) -> None:
    """Attempt it again from now, with 24 hours of retries (the same id and body)."""
    now = clock.now()
    delivery.status = DeliveryStatus.PENDING
    delivery.retry_from = now
    delivery.next_attempt_at = now
    db.flush()
    enqueue(db, TASK, delivery.id)


def wait_after(attempts: int) -> timedelta:
    """30 s after the first failure, doubling, at most two hours between attempts."""
    wait: timedelta = FIRST_RETRY * 2 ** max(attempts - 1, 0)
    return min(wait, LONGEST_WAIT)


def due_ids(db: Session, *, limit: int = 500) -> list[int]:
    """Deliveries whose next attempt is due (retries, and claims whose worker died)."""
    query = (
        select(WebhookDelivery.id)
        .where(WebhookDelivery.status == DeliveryStatus.PENDING,
               WebhookDelivery.next_attempt_at <= clock.now())
        .order_by(WebhookDelivery.next_attempt_at)
        .limit(limit)
    )  # fmt: skip
    return list(db.scalars(query))


@dataclass(frozen=True, slots=True)
class Claim:
    url: str
    body: bytes
    headers: dict[str, str]


def claim(db: Session, delivery_id: int) -> Claim | None:
    """Take a due delivery for one attempt (None: not due, or another worker has it)."""
    row = db.scalar(
        select(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    now = clock.now()
    if row is None or row.status is not DeliveryStatus.PENDING:
        return None
    if row.next_attempt_at is not None and row.next_attempt_at > now:
        return None
    endpoint = db.get(WebhookEndpoint, row.endpoint_id)
    if endpoint is None or endpoint.disabled_at is not None:
        row.status = DeliveryStatus.FAILED
        row.last_error = "the endpoint was disabled"
        row.next_attempt_at = None
        return None
    row.attempts += 1
    row.last_attempt_at = now
    row.next_attempt_at = now + LEASE
    body = json.dumps(row.payload, separators=(",", ":"), sort_keys=True).encode()
    secrets = [signing.secret_of(endpoint.secret_nonce)]
    if endpoint.previous_nonce and endpoint.previous_until and endpoint.previous_until > now:
        secrets.append(signing.secret_of(endpoint.previous_nonce))
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "agency-webhooks/1",
        "Agency-Webhook-Id": row.event_id,
        "Agency-Webhook-Timestamp": str(timestamp),
        "Agency-Webhook-Signature": signing.signature_header(secrets, timestamp, body),
    }
    return Claim(endpoint.url, body, headers)


@dataclass(frozen=True, slots=True)
class Answer:
    status: int | None
    ms: int
    error: str | None


def post(claim: Claim) -> Answer:
    """The HTTP attempt: no redirects followed, a 10-second timeout, the address checked
    again (DNS may have changed since the endpoint was saved)."""
    started = time.monotonic()
    try:
        check_url(claim.url)
        response = requests.post(claim.url, data=claim.body, headers=claim.headers,
                                 timeout=TIMEOUT_SECONDS, allow_redirects=False)  # fmt: skip
        status, error = response.status_code, None
        response.close()
    except UnsafeUrl as exc:
        status, error = None, f"not sent: the URL {exc}"
    except requests.RequestException as exc:
        status, error = None, type(exc).__name__
    return Answer(status, int((time.monotonic() - started) * 1000), error)


def record(db: Session, delivery_id: int, answer: Answer) -> WebhookDelivery | None:
    row = db.scalar(
        select(WebhookDelivery).where(WebhookDelivery.id == delivery_id).with_for_update()
    )
    if row is None:
        return None
    now = clock.now()
    row.last_status, row.last_ms = answer.status, answer.ms
    ok = answer.status is not None and 200 <= answer.status < 300
    row.last_error = None if ok else (answer.error or f"answered {answer.status}")
    if ok:
        row.status, row.delivered_at, row.next_attempt_at = DeliveryStatus.DELIVERED, now, None
    else:
        following = now + wait_after(row.attempts)
        if following > row.retry_from + RETRY_FOR:
            row.status, row.next_attempt_at = DeliveryStatus.FAILED, None
        else:
            row.next_attempt_at = following
    db.flush()
    return row


def attempt(session: Callable[[], Any], delivery_id: int) -> WebhookDelivery | None:
    """Claim, post, record: ``session`` opens a transaction (``db.session_scope``)."""
    with session() as db:
        claimed = claim(db, delivery_id)
    if claimed is None:
        return None
    answer = post(claimed)
    with session() as db:
        found = record(db, delivery_id, answer)
        if found is not None:
            db.expunge(found)
        return found
