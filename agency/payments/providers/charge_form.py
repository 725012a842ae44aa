"""The "take a payment" form, for the case page and the consumer's page alike: what it
shows (``ChargeForm``: the amount, card or bank account, in the sandbox its test numbers,
with Stripe nothing more — the card is entered in Stripe.js), and what it posts, read
and checked (``read``).

PCI: no card or account number is ever accepted by our forms but the sandbox's own test
numbers, in sandbox mode, from a list (``sandbox.INSTRUMENTS``); with Stripe the payer
types the card into Stripe's Payment Element, loaded from js.stripe.com (``STRIPE_CSP``:
the one page whose Content-Security-Policy allows a script from elsewhere).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from agency.config import get_settings
from agency.kit.money import Money, MoneyError
from agency.payments.models import PaymentMethod
from agency.payments.providers import charging, configured, sandbox
from agency.payments.providers.charging import AttemptResult
from agency.payments.schemas import PaymentError

STRIPE_JS = "https://js.stripe.com/v3/"
# The Stripe payment page's policy: Stripe.js and its frames (PCI DSS requires Stripe.js
# to be loaded from Stripe), and nothing else from elsewhere.
STRIPE_CSP = (
    "default-src 'self'; img-src 'self' data: https://*.stripe.com; style-src 'self'; "
    "script-src 'self' https://js.stripe.com; "
    "frame-src https://js.stripe.com https://hooks.stripe.com; "
    "connect-src 'self' https://api.stripe.com; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
HEX_DIGITS = frozenset("0123456789abcdef")


@dataclass(frozen=True, slots=True)
class ChargeForm:
    """The form as a template shows it.  ``action`` is where it posts (the case page's
    route, or the consumer page's); ``token`` is the payment's idempotency key."""

    action: str
    currency: str
    token: str
    in_sandbox: bool
    values: Mapping[str, str] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)
    result: AttemptResult | None = None
    cards: tuple[sandbox.SandboxNumber, ...] = ()
    accounts: tuple[sandbox.SandboxNumber, ...] = ()
    routing: str = sandbox.ROUTING


def form(
    *,
    action: str,
    currency: str,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    result: AttemptResult | None = None,
    token: str | None = None,
) -> ChargeForm:
    """A fresh form (a new token), or the posted one again with its errors."""
    in_sandbox = configured.is_sandbox()
    return ChargeForm(
        action=action,
        currency=currency,
        token=token or charging.new_key(),
        in_sandbox=in_sandbox,
        values=values or {},
        errors=errors or {},
        result=result,
        cards=tuple(i for i in sandbox.INSTRUMENTS if i.method is PaymentMethod.CARD)
        if in_sandbox
        else (),
        accounts=tuple(i for i in sandbox.INSTRUMENTS if i.method is PaymentMethod.ACH)
        if in_sandbox
        else (),
    )


@dataclass(frozen=True, slots=True)
class Posted:
    amount_minor: int
    method: PaymentMethod
    test_number: str | None
    installment_id: int | None
    token: str


def read(values: Mapping[str, str], *, currency: str) -> Posted:
    """The posted form; PaymentError names the first bad field."""
    token = values.get("token", "")
    if len(token) != 32 or any(c not in HEX_DIGITS for c in token):
        raise PaymentError("token", "the form has expired: reload the page")
    try:
        method = PaymentMethod(values.get("method", ""))
    except ValueError:
        method = None
    if method not in (PaymentMethod.CARD, PaymentMethod.ACH):
        raise PaymentError("method", "choose a card or a bank account")
    assert method is not None
    text = values.get("amount", "").strip().replace(",", "")
    if not text:
        raise PaymentError("amount", "enter the amount")
    try:
        amount = Money.from_major(text, currency)
    except MoneyError as exc:
        raise PaymentError("amount", str(exc)) from None
    number = None
    if configured.is_sandbox():
        number = values.get("test_card" if method is PaymentMethod.CARD else "test_account")
    installment = values.get("installment_id", "").strip()
    if installment and not (installment.isdigit() and len(installment) < 19):
        raise PaymentError("installment_id", "is not an installment")
    return Posted(
        amount_minor=amount.minor,
        method=method,
        test_number=number or None,
        installment_id=int(installment) if installment else None,
        token=token,
    )


def publishable_key() -> str:
    return get_settings().stripe_publishable_key
