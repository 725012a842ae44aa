"""The payment sandbox: the PaymentProvider with no Stripe keys (``make run``), answering
as Stripe's test cards and test bank accounts do, at once and with no network.

Only these numbers are taken (a real card number is never accepted by our forms):

- cards: 4242 4242 4242 4242 succeeds; 4000 0000 0000 0002 is declined (card_declined);
  4000 0000 0000 9995 is declined for insufficient funds; 4000 0000 0000 0259 succeeds
  and is disputed later (``dispute_event``: a job delivers the dispute through the same
  handler as Stripe's webhook, and the payment is reversed as a chargeback);
- US bank accounts (routing 110000000): 000123456789 succeeds; 000111111116 fails;
  000111111113 fails, the account closed.

The intent id is derived from the idempotency key, as Stripe answers a retried create
with the same intent.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agency.payments.models import PaymentMethod
from agency.payments.providers.base import IntentRequest, IntentResult, IntentStatus

NAME = "sandbox"
ROUTING = "110000000"
INTENT_PREFIX = "pi_sandbox_"


@dataclass(frozen=True, slots=True)
class SandboxNumber:
    """A test card or bank account: what it is called, and what Stripe would answer."""

    number: str
    method: PaymentMethod
    label: str
    status: IntentStatus
    failure: str | None = None
    disputed_later: bool = False

    @property
    def failure_code(self) -> str | None:
        """Stripe's code, which the failure's words end with: ``(insufficient_funds)``."""
        found = re.search(r"\((\w+)\)$", self.failure or "")
        return found.group(1) if found else None


INSTRUMENTS: tuple[SandboxNumber, ...] = (
    SandboxNumber(
        "4242424242424242", PaymentMethod.CARD, "Visa 4242 — succeeds", IntentStatus.SUCCEEDED
    ),
    SandboxNumber(
        "4000000000000002",
        PaymentMethod.CARD,
        "Visa 0002 — declined",
        IntentStatus.FAILED,
        "Your card was declined. (card_declined)",
    ),
    SandboxNumber(
        "4000000000009995",
        PaymentMethod.CARD,
        "Visa 9995 — insufficient funds",
        IntentStatus.FAILED,
        "Your card has insufficient funds. (insufficient_funds)",
    ),
    SandboxNumber(
        "4000000000000259",
        PaymentMethod.CARD,
        "Visa 0259 — succeeds, disputed later",
        IntentStatus.SUCCEEDED,
        disputed_later=True,
    ),
    SandboxNumber(
        "000123456789",
        PaymentMethod.ACH,
        "Bank account 6789 — succeeds",
        IntentStatus.SUCCEEDED,
    ),
    SandboxNumber(
        "000111111116",
        PaymentMethod.ACH,
        "Bank account 1116 — fails",
        IntentStatus.FAILED,
        "The bank account payment failed. (payment_method_provider_decline)",
    ),
    SandboxNumber(
        "000111111113",
        PaymentMethod.ACH,
        "Bank account 1113 — account closed",
        IntentStatus.FAILED,
        "The bank account is closed. (account_closed)",
    ),
)
BY_NUMBER: Mapping[str, SandboxNumber] = {item.number: item for item in INSTRUMENTS}


def instrument(number: str | None, method: PaymentMethod) -> SandboxNumber | None:
    """The test card or account ``number`` (spaces and dashes ignored) of ``method``, or
    None when it is not one of the sandbox's."""
    if number is None:
        return None
    found = BY_NUMBER.get(number.replace(" ", "").replace("-", ""))
    return found if found is not None and found.method is method else None


def intent_id_for(idempotency_key: str) -> str:
    return INTENT_PREFIX + hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]


class SandboxProvider:
    """A PaymentProvider that answers at once, as Stripe's test numbers do."""

    name = NAME

    def create_intent(self, request: IntentRequest) -> IntentResult:
        """The outcome of the test card or account; ValueError for any other number
        (``charging`` refuses it before asking)."""
        found = instrument(request.test_instrument, request.method)
        if found is None:
            raise ValueError("not one of the sandbox's test numbers")
        return IntentResult(
            intent_id=intent_id_for(request.idempotency_key),
            status=found.status,
            failure=found.failure,
            failure_code=found.failure_code,
            disputed_later=found.disputed_later,
        )


def dispute_event(intent_id: str) -> dict[str, Any]:
    """The event Stripe sends when the payer disputes the card payment of ``intent_id``,
    in Stripe's shape (``charge.dispute.created``, the dispute as its object)."""
    suffix = intent_id.removeprefix(INTENT_PREFIX)
    return {
        "id": f"evt_sandbox_{suffix}",
        "object": "event",
        "type": "charge.dispute.created",
        "data": {
            "object": {
                "id": f"dp_sandbox_{suffix}",
                "object": "dispute",
                "payment_intent": intent_id,
                "charge": f"ch_sandbox_{suffix}",
                "reason": "fraudulent",
                "status": "needs_response",
            }
        },
    }
