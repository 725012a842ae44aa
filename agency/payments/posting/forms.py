"""The case page's payment forms read into what posting takes: "Post a payment" (a
payment taken outside the system: cheque, cash, bank transfer, a card taken by phone)
and "Reverse".  Each refusal names its form field; nothing here touches the database.

The post form carries a token of its own (``new_token``): the payment's provider
reference is made of it, so the same form posted twice (two clicks, a retry) posts once.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from agency.kit.money import Money, MoneyError
from agency.payments.models import PaymentMethod, ReversalKind
from agency.payments.schemas import PaymentInput

# What staff may post by hand: money that reached us outside any provider.
MANUAL_METHODS = (
    PaymentMethod.CHEQUE,
    PaymentMethod.CASH,
    PaymentMethod.BANK_TRANSFER,
    PaymentMethod.CARD,
)
METHOD_LABELS = {
    PaymentMethod.CHEQUE: "Cheque",
    PaymentMethod.CASH: "Cash",
    PaymentMethod.BANK_TRANSFER: "Bank transfer",
    PaymentMethod.CARD: "Card taken by phone",
    PaymentMethod.ACH: "ACH debit",
    PaymentMethod.DIRECT: "Paid to the client",
}
KIND_LABELS = {
    ReversalKind.NSF: "NSF (bounced)",
    ReversalKind.RETURNED_ACH: "Returned ACH",
    ReversalKind.CHARGEBACK: "Chargeback",
    ReversalKind.CORRECTION: "Correction (posted in error)",
}
TOKEN = re.compile(r"^[0-9a-f]{32}$")
REFERENCE_MAX = 100
REASON_MAX = 500


def new_token() -> str:
    """A fresh post form's token."""
    return secrets.token_hex(16)


@dataclass(slots=True)
class PostForm:
    """The post form's state: its values as typed and its errors by field."""

    token: str
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def _date(values: Mapping[str, str], name: str, errors: dict[str, str]) -> date | None:
    text = values.get(name, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = "must be a date, such as 2025-06-30"
        return None


def read_post(values: Mapping[str, str], currency: str) -> tuple[PaymentInput | None, PostForm]:
    """The payment the post form asks for, or None with the form's errors."""
    token = values.get("token", "")
    form = PostForm(token=token if TOKEN.match(token) else new_token(), values=dict(values))
    errors = form.errors
    if not TOKEN.match(token):
        errors["amount"] = "the form has expired: reload the page and post again"
    amount_text = values.get("amount", "").strip()
    amount: int | None = None
    if not amount_text:
        errors["amount"] = "is required"
    else:
        try:
            amount = Money.from_major(amount_text.replace(",", ""), currency).minor
        except MoneyError as refused:
            errors["amount"] = str(refused)
    method = values.get("method", "")
    if method not in {m.value for m in MANUAL_METHODS}:
        errors["method"] = "pick how the payment was made"
    received = _date(values, "received_on", errors)
    if received is None and "received_on" not in errors:
        errors["received_on"] = "is required"
    effective = _date(values, "effective_on", errors)
    reference = " ".join(values.get("reference", "").split())
    if len(reference) > REFERENCE_MAX:
        errors["reference"] = f"must be at most {REFERENCE_MAX} characters"
    installment_text = values.get("installment_id", "").strip()
    installment: int | None = None
    if installment_text:
        if not installment_text.isdigit() or len(installment_text) > 18:
            errors["installment_id"] = "pick an installment of the list"
        else:
            installment = int(installment_text)
    if errors or amount is None or received is None:
        return None, form
    return (
        PaymentInput(
            amount_minor=amount,
            currency=currency,
            method=PaymentMethod(method),
            received_on=received,
            effective_on=effective,
            reference=reference or None,
            installment_id=installment,
            provider="manual",
            provider_reference=f"form {token}",
        ),
        form,
    )


def read_reversal(values: Mapping[str, str]) -> tuple[ReversalKind | None, str, dict[str, str]]:
    """The reversal form's kind and reason, with its errors by field."""
    errors: dict[str, str] = {}
    kind_text = values.get("kind", "")
    kind = ReversalKind(kind_text) if kind_text in {k.value for k in ReversalKind} else None
    if kind is None:
        errors["kind"] = "pick why the payment is reversed"
    reason = " ".join(values.get("reason", "").split())
    if not reason:
        errors["reason"] = "is required: say what happened"
    elif len(reason) > REASON_MAX:
        errors["reason"] = f"must be at most {REASON_MAX} characters"
    return kind, reason, errors
