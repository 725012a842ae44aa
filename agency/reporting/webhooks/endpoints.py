"""A client's webhook endpoints: registered with the events chosen (the secret shown
once, in the answer to the registration), rotated with an overlap, disabled; and their
delivery logs.  Every function takes the client: an endpoint of another is not found."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.kit import clock
from agency.kit.forms import FormError
from agency.reporting.webhooks import signing
from agency.reporting.webhooks.deliveries import UnsafeUrl, check_url
from agency.reporting.webhooks.events import EVENTS
from agency.reporting.webhooks.models import WebhookDelivery, WebhookEndpoint

OVERLAP = timedelta(hours=24)  # a rotated-out secret still signs for this long
MAX_ENDPOINTS = 10
LOG_PAGE = 100


@dataclass(frozen=True, slots=True)
class Registered:
    endpoint: WebhookEndpoint
    secret: str  # shown once


def of_client(db: Session, *, client_id: int) -> list[WebhookEndpoint]:
    query = select(WebhookEndpoint).where(WebhookEndpoint.client_id == client_id)
    return list(db.scalars(query.order_by(WebhookEndpoint.id)))


def get(db: Session, *, client_id: int, endpoint_id: int) -> WebhookEndpoint | None:
    found = db.get(WebhookEndpoint, endpoint_id)
    return found if found is not None and found.client_id == client_id else None


def register(db: Session, *, client_id: int, url: str, description: str, events: list[str],
             by_user_id: int | None) -> Registered:  # fmt: skip
    """A new endpoint and its secret; FormError naming every field that is wrong."""
    errors: dict[str, str] = {}
    checked = ""
    try:
        checked = check_url(url)
    except UnsafeUrl as exc:
        errors["url"] = str(exc)
    chosen = sorted(set(events))
    unknown = [e for e in chosen if e not in EVENTS]
    if unknown:
        errors["events"] = f"include unknown ones: {', '.join(unknown)}"
    elif not chosen:
        errors["events"] = "must include at least one"
    if len(description) > 120:
        errors["description"] = "must be at most 120 characters"
    active = [e for e in of_client(db, client_id=client_id) if e.disabled_at is None]
    if len(active) >= MAX_ENDPOINTS:
        errors["url"] = f"cannot be added: at most {MAX_ENDPOINTS} endpoints are active"
    if errors:
        raise FormError(errors)
    nonce = secrets.token_hex(32)
    endpoint = WebhookEndpoint(
        client_id=client_id,
        url=checked,
        description=description.strip(),
        events=chosen,
        secret_nonce=nonce,
        created_by_id=by_user_id,
    )
    db.add(endpoint)
    db.flush()
    return Registered(endpoint, signing.secret_of(nonce))


def rotate(db: Session, *, endpoint: WebhookEndpoint) -> str:
    """A new secret (returned, to be shown once); the old one signs too for 24 hours."""
    now = clock.now()
    endpoint.previous_nonce = endpoint.secret_nonce
    endpoint.previous_until = now + OVERLAP
    endpoint.secret_nonce = secrets.token_hex(32)
    endpoint.secret_created_at = now
    db.flush()
    return signing.secret_of(endpoint.secret_nonce)


def disable(db: Session, *, endpoint: WebhookEndpoint) -> None:
    if endpoint.disabled_at is None:
        endpoint.disabled_at = clock.now()
        db.flush()


def log(db: Session, *, endpoint: WebhookEndpoint, before: int | None) -> list[WebhookDelivery]:
    """The endpoint's deliveries, newest first, a page at a time (``before``: an id)."""
    query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    if before is not None:
        query = query.where(WebhookDelivery.id < before)
    return list(db.scalars(query.order_by(WebhookDelivery.id.desc()).limit(LOG_PAGE)))


def delivery_of(
    db: Session, *, endpoint: WebhookEndpoint, delivery_id: int
) -> WebhookDelivery | None:
    found = db.get(WebhookDelivery, delivery_id)
    return found if found is not None and found.endpoint_id == endpoint.id else None
