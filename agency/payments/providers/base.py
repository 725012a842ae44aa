"""The PaymentProvider interface: what charging asks of a provider (an intent for an
amount, by card or US bank account, under an idempotency key) and what it answers.

A provider never posts: it says what happened, and ``charging`` (or the webhook, for
Stripe's later answer) posts through ``agency.payments.posting``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from agency.payments.models import PaymentMethod

# The methods a provider charges (staff post cheques, cash and transfers by hand).
CHARGED = (PaymentMethod.CARD, PaymentMethod.ACH)


class IntentStatus(StrEnum):
    SUCCEEDED = "succeeded"  # the money is taken: post it
    PROCESSING = "processing"  # the provider answers later (a webhook)
    REQUIRES_ACTION = "requires_action"  # the payer still enters the card (Stripe.js)
    FAILED = "failed"  # declined, insufficient funds, account closed


class ProviderUnavailable(Exception):
    """The provider could not be reached or refused to answer (a 5xx, a timeout, a bad
    key).  Nothing was charged that could be confirmed; the same idempotency key may be
    tried again.  ``str()`` is safe to show: no personal data, no secret."""


@dataclass(frozen=True, slots=True)
class IntentRequest:
    """A payment asked of a provider.  ``metadata`` holds ids only (no personal data:
    it is stored at the provider).  ``test_instrument`` is the sandbox's test card or
    bank account; a real provider never receives one (the card is entered at Stripe)."""

    amount_minor: int
    currency: str
    method: PaymentMethod
    idempotency_key: str
    metadata: Mapping[str, str]
    test_instrument: str | None = None


@dataclass(frozen=True, slots=True)
class IntentResult:
    """The provider's answer.  ``client_secret`` is what Stripe.js confirms the intent
    with; ``failure`` says why it failed, in words the payer may read;
    ``failure_code`` is the provider's code for it (``insufficient_funds``);
    ``disputed_later`` (the sandbox only) says a dispute will follow the success."""

    intent_id: str
    status: IntentStatus
    client_secret: str | None = None
    failure: str | None = None
    failure_code: str | None = None
    disputed_later: bool = False


class PaymentProvider(Protocol):
    """Where money is taken.  ``name`` is what payments record as their provider."""

    @property
    def name(self) -> str: ...

    def create_intent(self, request: IntentRequest) -> IntentResult:
        """Create (or, with the same idempotency key, find again) the intent; raise
        ProviderUnavailable when the provider cannot answer."""
        ...
