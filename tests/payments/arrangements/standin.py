"""A minimal stand-in for helper A's ``agency.payments.schedule.rules.compute`` and
``agency.payments.schedule.authority.authority_of``, installed only while the real
modules are not on this branch (weekends move to Monday; no public holidays).  Load it
with ``-p tests.payments.arrangements.standin`` to run other suites before A lands."""

from __future__ import annotations

import calendar
import sys
import types
from datetime import date, timedelta
from typing import Any

from agency.payments.models import Frequency, PlanKind
from agency.payments.schemas import Authority, Offer, PaymentError, Schedule, ScheduledPayment


def _add_months(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _business(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _nth(first: date, frequency: Frequency | None, k: int) -> date:
    if frequency is Frequency.WEEKLY:
        return first + timedelta(days=7 * k)
    if frequency is Frequency.FORTNIGHTLY:
        return first + timedelta(days=14 * k)
    return _add_months(first, k)


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
    if offer.first_due < today:
        raise PaymentError("offer.first_due", "cannot be before today")
    total = balance_minor if offer.kind is PlanKind.PLAN else offer.total_minor
    if total is None:
        raise PaymentError("offer.total", "required")
    if total <= 0 or total > balance_minor:
        raise PaymentError("offer.total", "must be more than zero and at most the balance")
    if offer.kind is PlanKind.PLAN and offer.total_minor not in (None, balance_minor):
        raise PaymentError("offer.total", "a plan's total is the balance")
    rest, payments = total, []
    if offer.down_payment is not None:
        down = offer.down_payment
        if down.amount_minor <= 0 or down.amount_minor >= total:
            raise PaymentError("offer.down_payment.amount", "must be less than the total")
        if down.due < today or down.due > offer.first_due:
            raise PaymentError("offer.down_payment.due", "from today to the first due date")
        payments.append(ScheduledPayment(_business(down.due), down.amount_minor, True))
        rest -= down.amount_minor
    if offer.count is not None and offer.installment_minor is not None:
        raise PaymentError("offer.count", "give the count or the installment, not both")
    if offer.installment_minor is not None:
        if offer.installment_minor <= 0:
            raise PaymentError("offer.installment", "must be more than zero")
        n = -(-rest // offer.installment_minor)
        parts = [offer.installment_minor] * (n - 1) + [rest - offer.installment_minor * (n - 1)]
    else:
        n = offer.count or 1
        if not 1 <= n <= 120:
            raise PaymentError("offer.count", "must be a whole number from 1 to 120")
        parts = [rest // n] * (n - 1) + [rest - (rest // n) * (n - 1)]
    if len(parts) > 1 and offer.frequency is None:
        raise PaymentError("offer.frequency", "required for more than one installment")
    for k, amount in enumerate(parts):
        payments.append(
            ScheduledPayment(_business(_nth(offer.first_due, offer.frequency, k)), amount)
        )
    reasons = []
    if authority.max_months is not None and payments[-1].due > _add_months(
        today, authority.max_months
    ):
        reasons.append(f"max_months: the last payment is beyond {authority.max_months} months")
    if authority.min_installment_minor is not None and any(
        p.amount_minor < authority.min_installment_minor
        for p in payments[:-1]
        if not p.down_payment
    ):
        reasons.append("min_installment: an installment is below the client's minimum")
    if (
        offer.kind is PlanKind.SETTLEMENT
        and authority.settlement_floor is not None
        and total * 100 < authority.settlement_floor * balance_minor
    ):
        reasons.append("settlement_floor: below the client's floor")
    if (
        offer.kind is PlanKind.SETTLEMENT
        and len(parts) > 1
        and authority.min_down_payment_percent is not None
        and (offer.down_payment.amount_minor if offer.down_payment else 0) * 100
        < authority.min_down_payment_percent * total
    ):
        reasons.append("min_down_payment_percent: the down payment is below the minimum")
    return Schedule(
        kind=offer.kind,
        currency=currency,
        total_minor=total,
        needs_approval=bool(reasons),
        reasons=tuple(reasons),
        payments=tuple(payments),
    )


def authority_of(contract: Any) -> Authority:
    return Authority(
        settlement_floor=contract.settlement_floor,
        max_months=contract.max_months,
        min_installment_minor=contract.min_installment_minor,
        min_down_payment_percent=contract.min_down_payment_percent,
    )


def _install() -> None:
    try:
        import agency.payments.schedule.authority
        import agency.payments.schedule.rules  # noqa: F401
    except ImportError:
        import agency.payments.schedule as package

        for name, function in (("rules", compute), ("authority", authority_of)):
            module = types.ModuleType(f"agency.payments.schedule.{name}")
            setattr(module, function.__name__, function)
            sys.modules[module.__name__] = module
            setattr(package, name, module)


_install()
