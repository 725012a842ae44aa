"""How a delivery is signed, and how a receiver checks it (the example in
``docs/reporting.md`` is ``verify``, copied there word for word).

Headers of every delivery:

- ``Agency-Webhook-Id``: the event's idempotency id (the same on retries and resends);
- ``Agency-Webhook-Timestamp``: Unix seconds when this attempt was signed;
- ``Agency-Webhook-Signature``: ``v1=<hex>``, HMAC-SHA256 with the endpoint's secret of
  ``<timestamp>.<body>``; during a rotation's overlap, two, comma-separated (the new
  secret's first)."""

from __future__ import annotations

import hashlib
import hmac
import time

from agency.kit.crypto import keyed_hash

SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)
TOLERANCE_SECONDS = 300


def secret_of(nonce: str) -> str:
    """The signing secret of an endpoint's ``nonce`` (derived, never stored)."""
    return SECRET_PREFIX + keyed_hash(nonce, purpose="webhook-signing-secret")


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(secrets: list[str], timestamp: int, body: bytes) -> str:
    return ",".join(f"v1={signature(s, timestamp, body)}" for s in secrets)


def verify(secret: str, body: bytes, timestamp: str, signatures: str) -> bool:
    """True when one of ``signatures`` (the header) is ``secret``'s over ``timestamp``
    and ``body``, and the timestamp is within five minutes of now."""
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs(time.time() - sent_at) > TOLERANCE_SECONDS:
        return False
    expected = hmac.new(secret.encode(), f"{sent_at}.".encode() + body, hashlib.sha256).hexdigest()
    return any(
        hmac.compare_digest(expected, part.strip().removeprefix("v1="))
        for part in signatures.split(",")
    )
