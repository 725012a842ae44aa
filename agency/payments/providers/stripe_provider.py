"""Stripe through the official SDK: a PaymentIntent per payment, for a card or a US bank
account, created with an idempotency key (a retried create, or two clicks, is one
intent).  The payer enters the card in Stripe.js's Payment Element with the intent's
client secret: card numbers never reach this server.  The money is posted when Stripe's
signed webhook says the intent succeeded (``webhooks``).

``http_client`` is the SDK's own seam (``stripe.HTTPClient``): a deployment may put a
proxy there, and tests a fake that answers in process.
"""

from __future__ import annotations

import logging

import stripe

from agency.payments.models import PaymentMethod
from agency.payments.providers.base import (
    IntentRequest,
    IntentResult,
    IntentStatus,
    ProviderUnavailable,
)

log = logging.getLogger("agency.payments.stripe")
NAME = "stripe"
METHOD_TYPES = {PaymentMethod.CARD: "card", PaymentMethod.ACH: "us_bank_account"}
# The SDK retries a connection error or a 5xx itself, with the same Idempotency-Key.
NETWORK_RETRIES = 2
STATUSES = {
    "succeeded": IntentStatus.SUCCEEDED,
    "processing": IntentStatus.PROCESSING,
    "requires_payment_method": IntentStatus.REQUIRES_ACTION,
    "requires_confirmation": IntentStatus.REQUIRES_ACTION,
    "requires_action": IntentStatus.REQUIRES_ACTION,
    "requires_capture": IntentStatus.PROCESSING,
    "canceled": IntentStatus.FAILED,
}


class StripeProvider:
    """A PaymentProvider over ``stripe.StripeClient``."""

    name = NAME

    def __init__(self, secret_key: str, *, http_client: stripe.HTTPClient | None = None) -> None:
        self.client = stripe.StripeClient(
            secret_key, http_client=http_client, max_network_retries=NETWORK_RETRIES
        )

    def create_intent(self, request: IntentRequest) -> IntentResult:
        """``POST /v1/payment_intents``: the amount in minor units, the currency in lower
        case, the one payment method type, ids as metadata, and the idempotency key."""
        method_type = METHOD_TYPES.get(request.method)
        if method_type is None:
            raise ValueError(f"Stripe does not take {request.method.value} payments here")
        try:
            intent = self.client.v1.payment_intents.create(
                params={
                    "amount": request.amount_minor,
                    "currency": request.currency.lower(),
                    "payment_method_types": [method_type],
                    "metadata": dict(request.metadata),
                },
                options={"idempotency_key": request.idempotency_key},
            )
        except (stripe.CardError, stripe.InvalidRequestError) as exc:
            # Refused as asked (an amount below Stripe's minimum): Stripe's message says why.
            log.warning("stripe refused an intent: %s", type(exc).__name__)
            error = exc.error
            return IntentResult(
                intent_id="",
                status=IntentStatus.FAILED,
                failure=exc.user_message or "Stripe refused the payment.",
                failure_code=(error.decline_code or error.code) if error else exc.code,
            )
        except stripe.StripeError as exc:
            log.warning("stripe unavailable: %s", type(exc).__name__)
            raise ProviderUnavailable(
                "The card service (Stripe) could not be reached; nothing was charged. "
                "Try again in a moment."
            ) from exc
        status = STATUSES.get(intent.status, IntentStatus.PROCESSING)
        failure = None
        if status is IntentStatus.FAILED:
            failure = "Stripe cancelled the payment."
        return IntentResult(
            intent_id=intent.id,
            status=status,
            client_secret=intent.client_secret,
            failure=failure,
        )
