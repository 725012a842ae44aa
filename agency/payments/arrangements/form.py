"""The case page's arrangement builder as posted: every control read from text into an
``Offer`` (``PaymentError`` naming the control), and the schedule's paths (``offer.count``)
mapped back to the control that shows their message."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import date

from agency.kit.values import BadValue, parse_amount
from agency.payments.models import Frequency, PlanKind
from agency.payments.schemas import DownPayment, Offer, PaymentError

TOKEN_LENGTH = 32
# What each control is called in a sentence, and the schedule's paths it answers for.
LABELS = {
    "kind": "Kind",
    "total": "Total",
    "first_due": "First due",
    "frequency": "Frequency",
    "count": "Number of installments",
    "installment": "Installment amount",
    "down_amount": "Down payment",
    "down_due": "Down payment due",
    "reason": "Reason",
    "new_due": "New date",
}
PATHS = {
    "offer.kind": "kind",
    "offer.total": "total",
    "offer.first_due": "first_due",
    "offer.frequency": "frequency",
    "offer.count": "count",
    "offer.installment": "installment",
    "offer.down_payment": "down_amount",
    "offer.down_payment.amount": "down_amount",
    "offer.down_payment.due": "down_due",
}
FIELDS = (
    "kind",
    "total",
    "first_due",
    "frequency",
    "count",
    "installment",
    "down_amount",
    "down_due",
)


def new_token() -> str:
    return secrets.token_hex(TOKEN_LENGTH // 2)


def control_of(error: PaymentError) -> str:
    """The control of the builder that shows ``error`` (``__all__``: the form's top)."""
    field = PATHS.get(error.field, error.field)
    return field if field in LABELS else "__all__"


def errors_of(error: PaymentError) -> dict[str, str]:
    control = control_of(error)
    if control == "__all__":
        return {"__all__": f"{error.field}: {error.message}"}
    return {control: error.message, "__all__": f"{LABELS[control]}: {error.message}"}


def read_offer(values: Mapping[str, str], currency: str) -> Offer:
    """The builder's values as an offer; blank controls are no value."""

    def text(name: str) -> str:
        return values.get(name, "").strip()

    try:
        kind = PlanKind(text("kind"))
    except ValueError:
        raise PaymentError("kind", "choose promise, plan or settlement") from None
    frequency = None
    if text("frequency"):
        try:
            frequency = Frequency(text("frequency"))
        except ValueError:
            raise PaymentError("frequency", "choose weekly, fortnightly or monthly") from None
    first_due = _day(text("first_due"), "first_due", required=True)
    assert first_due is not None
    down_amount = _amount(text("down_amount"), currency, "down_amount")
    down_due = _day(text("down_due"), "down_due", required=False)
    if (down_amount is None) != (down_due is None):
        missing = "down_due" if down_due is None else "down_amount"
        raise PaymentError(missing, "give both the down payment's amount and its date")
    count = None
    if text("count"):
        if not text("count").isdigit() or not 1 <= int(text("count")) <= 120:
            raise PaymentError("count", "must be a whole number from 1 to 120")
        count = int(text("count"))
    return Offer(
        kind=kind,
        first_due=first_due,
        total_minor=_amount(text("total"), currency, "total"),
        frequency=frequency,
        count=count,
        installment_minor=_amount(text("installment"), currency, "installment"),
        down_payment=DownPayment(down_amount, down_due)
        if down_amount is not None and down_due is not None
        else None,
    )


def _amount(value: str, currency: str, control: str) -> int | None:
    if not value:
        return None
    try:
        minor = parse_amount(value, currency)
    except BadValue as exc:
        raise PaymentError(control, str(exc)) from None
    if minor <= 0:
        raise PaymentError(control, "must be more than zero")
    return minor


def _day(value: str, control: str, *, required: bool) -> date | None:
    if not value:
        if required:
            raise PaymentError(control, "give a date")
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PaymentError(control, "must be a date (YYYY-MM-DD)") from None
