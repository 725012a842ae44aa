"""A Stripe that lives in the process: a ``stripe.HTTPClient`` for the real SDK that
answers ``POST /v1/payment_intents`` as Stripe does (the intent, ``requires_payment_method``
with its client secret; the same Idempotency-Key answered with the same intent), keeps
every request it was sent (method, URL, headers, the form-encoded body parsed), and can
be told to fail the next requests (a 500, a connection error, a 400 with Stripe's
error body).  Also Stripe's webhook signature, made as Stripe makes it."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import stripe

SECRET_KEY = "sk_test_" + "4" * 24
PUBLISHABLE_KEY = "pk_test_" + "5" * 24
WEBHOOK_SECRET = "whsec_" + "6" * 32


@dataclass
class Sent:
    method: str
    url: str
    headers: dict[str, str]
    form: dict[str, str]


@dataclass
class FakeStripe(stripe.HTTPClient):  # type: ignore[misc]
    requests: list[Sent] = field(default_factory=list)
    intents: dict[str, dict[str, Any]] = field(default_factory=dict)  # by idempotency key
    # What the next requests get instead of success: 500, 400, 402 or "connection".
    failures: deque[int | str] = field(default_factory=deque)

    name = "fake"

    def __post_init__(self) -> None:
        super().__init__()

    def _sleep_time_seconds(self, num_retries: int, response: Any = None) -> float:
        return 0.0  # the SDK's retries, without its back-off

    def request(
        self,
        method: str,
        url: str,
        headers: Any,
        post_data: Any = None,
        *,
        _usage: Any = None,
    ) -> tuple[str, int, dict[str, str]]:
        form = dict(parse_qsl(post_data or "", keep_blank_values=True))
        self.requests.append(Sent(method, url, dict(headers or {}), form))
        if self.failures:
            failure = self.failures.popleft()
            if failure == "connection":
                raise stripe.APIConnectionError("connection reset", should_retry=True)
            if failure == 400:
                error = {
                    "type": "invalid_request_error",
                    "message": "Amount must be at least $0.50 usd",
                }
                return json.dumps({"error": error}), 400, {}
            if failure == 402:  # a card error, as Stripe answers a declined confirmation
                error = {
                    "type": "card_error",
                    "code": "card_declined",
                    "decline_code": "insufficient_funds",
                    "message": "Your card has insufficient funds.",
                }
                return json.dumps({"error": error}), 402, {}
            return json.dumps({"error": {"type": "api_error", "message": "boom"}}), 500, {}
        key = (headers or {}).get("Idempotency-Key", "")
        intent = self.intents.get(key)
        if intent is None:
            number = hashlib.sha256(key.encode()).hexdigest()[:24]
            intent = self.intents[key] = {
                "id": f"pi_{number}",
                "object": "payment_intent",
                "amount": int(form["amount"]),
                "currency": form["currency"],
                "status": "requires_payment_method",
                "client_secret": f"pi_{number}_secret_{number[:8]}",
                "payment_method_types": [form["payment_method_types[0]"]],
                "metadata": {
                    k.removeprefix("metadata[").removesuffix("]"): v
                    for k, v in form.items()
                    if k.startswith("metadata[")
                },
            }
        return json.dumps(intent), 200, {"Request-Id": "req_fake"}


def signature(payload: bytes, *, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """``Stripe-Signature`` as Stripe makes it: ``t=<unix time>,v1=HMAC-SHA256(secret,
    "<t>.<payload>")``."""
    timestamp = int(time.time()) if at is None else at
    signed = f"{timestamp}.".encode() + payload
    mac = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def event(kind: str, obj: dict[str, Any], *, event_id: str = "evt_1") -> bytes:
    return json.dumps(
        {"id": event_id, "object": "event", "type": kind, "data": {"object": obj}}
    ).encode()
