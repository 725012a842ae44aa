"""``compute``: an offer made a schedule by the rules of ``payment-schedules.md`` — the
same function for the agent's page, the consumer's page, the API and the command.  A
refused offer raises PaymentError naming the scenario path; an offer beyond the client's
authority is computed all the same, with ``needs_approval`` and its reasons."""

from __future__ import annotations

from datetime import date, timedelta

from agency.kit.business_days import next_business_day
from agency.kit.money import MoneyError, max_minor, minor_digits
from agency.kit.scenarios import format_amount
from agency.payments.kinds import PlanKind
from agency.payments.schedule import authority as limits
from agency.payments.schedule.amounts import (
    MAX_INSTALLMENTS,
    split_by_count,
    split_by_installment,
)
from agency.payments.schedule.dates import check_place, nominal_dates
from agency.payments.schemas import Authority, Offer, PaymentError, Schedule, ScheduledPayment

# How far ahead a first due date may be: the dates stay well inside the calendar.
MAX_LEAD = timedelta(days=3660)


def compute(
    *,
    today: date,
    balance_minor: int,
    currency: str,
    country: str,
    region: str | None,
    authority: Authority,
    offer: Offer,
) -> Schedule:
    """The payments of ``offer`` on a case owing ``balance_minor`` (in ``currency``'s
    minor units), dated for a consumer in ``country``/``region``, in date order with the
    down payment first, and whether it needs a supervisor's approval."""
    _check_case(today, balance_minor, currency, country, region)
    total = _total(offer, balance_minor, currency)
    _check_dates(today, offer)
    down = offer.down_payment
    rest = total - (down.amount_minor if down else 0)
    amounts = _installments(offer, rest, currency)
    if len(amounts) > 1 and offer.frequency is None:
        raise PaymentError("offer.frequency", "is needed for more than one installment")
    payments = [
        ScheduledPayment(next_business_day(day, country, region), amount)
        for day, amount in zip(
            nominal_dates(offer.first_due, offer.frequency, len(amounts)), amounts, strict=True
        )
    ]
    if down is not None:
        moved = next_business_day(down.due, country, region)
        payments.insert(0, ScheduledPayment(moved, down.amount_minor, down_payment=True))
    schedule = tuple(payments)
    reasons = limits.reasons(
        today=today,
        balance_minor=balance_minor,
        currency=currency,
        authority=authority,
        kind=offer.kind,
        total_minor=total,
        payments=schedule,
    )
    return Schedule(offer.kind, currency, total, bool(reasons), reasons, schedule)


def _check_case(
    today: date, balance_minor: int, currency: str, country: str, region: str | None
) -> None:
    try:
        minor_digits(currency)
    except MoneyError:
        raise PaymentError("case.currency", f"{currency!r} is not an ISO 4217 currency") from None
    if not 0 < balance_minor <= max_minor(currency):
        raise PaymentError("case.balance", "must be more than zero and at most the largest amount")
    if today.year > 9000:
        raise PaymentError("today", "is too far in the future")
    check_place(country, region)


def _total(offer: Offer, balance: int, currency: str) -> int:
    """The arrangement's total: the balance for a plan, the offer's otherwise."""
    whole = format_amount(balance, currency)
    total = offer.total_minor
    if offer.kind is PlanKind.PLAN:
        if total is not None and total != balance:
            raise PaymentError(
                "offer.total",
                f"a plan is for the whole balance ({whole}); for less, make a settlement",
            )
        return balance
    if total is None:
        raise PaymentError("offer.total", f"is needed for a {offer.kind.value}")
    if total <= 0:
        raise PaymentError("offer.total", "must be more than zero")
    if total > balance:
        raise PaymentError("offer.total", f"is more than the balance ({whole})")
    if offer.kind is PlanKind.SETTLEMENT and total == balance:
        raise PaymentError(
            "offer.total",
            f"a settlement is for less than the balance ({whole}); for all of it, make a plan",
        )
    return total


def _check_dates(today: date, offer: Offer) -> None:
    if offer.first_due < today:
        raise PaymentError("offer.first_due", f"cannot be before today ({today.isoformat()})")
    if offer.first_due > today + MAX_LEAD:
        raise PaymentError("offer.first_due", "must be within 10 years of today")
    down = offer.down_payment
    if down is None:
        return
    if down.due < today:
        raise PaymentError(
            "offer.down_payment.due", f"cannot be before today ({today.isoformat()})"
        )
    if down.due > offer.first_due:
        raise PaymentError(
            "offer.down_payment.due",
            f"cannot be after the first installment's date ({offer.first_due.isoformat()})",
        )


def _installments(offer: Offer, rest: int, currency: str) -> tuple[int, ...]:
    """The installment amounts of what the down payment leaves."""
    down = offer.down_payment
    if down is not None:
        if down.amount_minor <= 0:
            raise PaymentError("offer.down_payment.amount", "must be more than zero")
        if rest <= 0:
            raise PaymentError(
                "offer.down_payment.amount",
                "must be less than the total, so that installments are left to pay",
            )
    one_payment = offer.kind is PlanKind.PROMISE or (
        offer.kind is PlanKind.SETTLEMENT
        and offer.count is None
        and offer.installment_minor is None
    )
    if one_payment:
        what = "a promise" if offer.kind is PlanKind.PROMISE else "a one-payment settlement"
        if offer.count is not None or offer.installment_minor is not None:
            field = "offer.count" if offer.count is not None else "offer.installment"
            raise PaymentError(field, f"{what} is one payment: leave out count and installment")
        if down is not None:
            raise PaymentError(
                "offer.down_payment",
                f"{what} is one payment: give a count or an installment to pay the rest later",
            )
        return (rest,)
    if offer.count is not None and offer.installment_minor is not None:
        raise PaymentError("offer.installment", "give either a count or an installment, not both")
    if offer.count is not None:
        if not 1 <= offer.count <= MAX_INSTALLMENTS:
            raise PaymentError("offer.count", "must be a whole number from 1 to 120")
        return split_by_count(rest, offer.count)
    if offer.installment_minor is None:
        raise PaymentError("offer.count", "give either a count or an installment for a plan")
    if offer.installment_minor <= 0:
        raise PaymentError("offer.installment", "must be more than zero")
    return split_by_installment(rest, offer.installment_minor, currency)
