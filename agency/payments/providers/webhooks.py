"""Stripe's webhook, ``POST /webhooks/stripe``: each event verified with
``stripe.Webhook.construct_event`` against the endpoint's signing secret
(``AGENCY_STRIPE_WEBHOOK_SECRET``) before anything is read from it, then applied by
``events.handle``.

A missing or wrong ``Stripe-Signature``, a body that is not Stripe's JSON, or no secret
configured: 400 and nothing written.  A body over 256 KiB: 413 (Stripe's events are a
few KiB).  Every event verified is answered 200, matched or not, so Stripe stops
retrying it; an error of ours is a 500 and Stripe delivers the event again, which
posting's idempotency makes harmless.  CSRF does not apply (``/webhooks/`` carries no
session: the signature is the credential), as for Twilio's webhooks.
"""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any

import stripe
from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse

from agency.config import get_settings
from agency.db import DbSession
from agency.kit.errors import ApiError
from agency.payments.providers import events
from agency.payments.providers.stripe_provider import NAME as STRIPE

router = APIRouter(prefix="/webhooks/stripe", include_in_schema=False)
log = logging.getLogger("agency.payments.providers")
PATH = "/webhooks/stripe"
MAX_BYTES = 256 * 1024
SIGNATURE_MAX = 2048


async def _body(request: Request) -> bytes:
    """The raw body, received on the event loop (the verification needs its exact bytes).
    A form already read (CSRF reads the form of a post that carries a session cookie)
    is not Stripe's JSON."""
    try:
        return await request.body()
    except RuntimeError:  # the stream was consumed as a form
        raise ApiError(400, "the body is not a JSON event") from None


def verified_event(
    raw: Annotated[bytes, Depends(_body)],
    stripe_signature: Annotated[str | None, Header(max_length=SIGNATURE_MAX)] = None,
) -> dict[str, Any]:
    """The event, once its signature is checked (ApiError 400 otherwise)."""
    if len(raw) > MAX_BYTES:
        raise ApiError(413, f"the body is larger than {MAX_BYTES // 1024} KiB")
    secret = get_settings().stripe_webhook_secret
    if not secret:
        raise ApiError(400, "no webhook signing secret is configured: every event is refused")
    if not stripe_signature:
        raise ApiError(400, "the Stripe-Signature header is missing")
    try:
        event = json.loads(raw)  # the SDK's Event is built of an object only
    except ValueError:  # not UTF-8, not JSON
        raise ApiError(400, "the body is not a JSON event") from None
    if not isinstance(event, dict):
        raise ApiError(400, "the body is not a JSON event")
    try:
        stripe.Webhook.construct_event(raw, stripe_signature, secret)  # type: ignore[no-untyped-call]
    except stripe.SignatureVerificationError:
        raise ApiError(400, "the Stripe-Signature does not match this body") from None
    return event


VerifiedEvent = Annotated[dict[str, Any], Depends(verified_event)]


@router.post("")
def stripe_webhook(event: VerifiedEvent, db: DbSession) -> JSONResponse:
    """An event from Stripe: a PaymentIntent succeeded or failed, or a card payment was
    disputed."""
    outcome = events.handle(db, provider=STRIPE, event=event)
    return JSONResponse({"received": True, "outcome": outcome.value})
