"""Amounts of a schedule: a rest split into installments whose parts always sum to the
whole, and a part shown as a percentage (reading and writing the scenario's amounts is
``agency.kit.scenarios``'s)."""

from __future__ import annotations

from agency.kit.scenarios import format_amount
from agency.payments.schemas import PaymentError

MAX_INSTALLMENTS = 120


def percent_of(part: int, whole: int) -> str:
    """``part`` as a percentage of ``whole`` with two decimals, truncated: never shown
    above its true value (5499 of 10000 is ``"54.99"``)."""
    hundredths = part * 10000 // whole
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def split_by_count(rest: int, count: int) -> tuple[int, ...]:
    """``count`` parts: the first count-1 are floor(rest ÷ count), the last the remainder."""
    if not 1 <= count <= MAX_INSTALLMENTS:
        raise PaymentError("offer.count", "must be a whole number from 1 to 120")
    if count > rest:
        raise PaymentError(
            "offer.count",
            "leaves installments of nothing: the amount is too small to split so many ways",
        )
    base = rest // count
    return (base,) * (count - 1) + (rest - base * (count - 1),)


def split_by_installment(rest: int, installment: int, currency: str) -> tuple[int, ...]:
    """n = ceil(rest ÷ installment) parts: the first n-1 are ``installment``, the last
    what remains (never zero, never more than ``installment``); at most 120 parts."""
    count = -(-rest // installment)
    if count > MAX_INSTALLMENTS:
        least = format_amount(-(-rest // MAX_INSTALLMENTS), currency)
        raise PaymentError(
            "offer.installment",
            f"makes {count} installments, more than {MAX_INSTALLMENTS}; make it at least {least}",
        )
    return (installment,) * (count - 1) + (rest - installment * (count - 1),)
