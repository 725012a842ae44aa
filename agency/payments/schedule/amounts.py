"""Amounts, exactly: decimal strings in major units read into integer minor units with
the currency's own digits (never rounded), and a rest split into installments whose
parts always sum to the whole."""

from __future__ import annotations

import re
from decimal import Decimal

from agency.kit.money import MAX_AMOUNT_TEXT, MAX_WHOLE_DIGITS, largest, minor_digits
from agency.payments.schemas import PaymentError

MAX_INSTALLMENTS = 120

_AMOUNT = re.compile(r"(-?)(\d+)(?:\.(\d+))?")
_PERCENT = re.compile(r"(\d{1,3})(?:\.(\d{1,3}))?")


def parse_amount(text: object, currency: str, path: str) -> int:
    """``"1000.00"`` in USD is 100000: a decimal string with at most the currency's
    decimals, more than zero and at most ``largest(currency)``; else PaymentError(path)."""
    digits = minor_digits(currency)
    example = "1000" + ("." + "0" * digits if digits else "")
    if not isinstance(text, str):
        raise PaymentError(path, f'must be an amount written as a string, such as "{example}"')
    match = _AMOUNT.fullmatch(text) if len(text) <= MAX_AMOUNT_TEXT else None
    if match is None:
        raise PaymentError(path, f'is not an amount: write it like "{example}"')
    sign, whole, decimals = match.groups()
    decimals = decimals or ""
    if len(decimals) > digits:
        places = f"{digits} decimal places" if digits else "no decimals"
        given = f"{len(decimals)} decimal" + ("s" if len(decimals) > 1 else "")
        raise PaymentError(path, f"has {given}; {currency} amounts have {places}")
    if len(whole.lstrip("0")) > MAX_WHOLE_DIGITS:
        raise PaymentError(path, f"is more than {largest(currency)}, the largest amount accepted")
    minor = int(whole + decimals.ljust(digits, "0"))
    if sign or minor == 0:
        raise PaymentError(path, "must be more than zero")
    return minor


def format_amount(minor: int, currency: str) -> str:
    """100000 in USD is ``"1000.00"``; 5000 in JPY is ``"5000"``; 1500 in KWD ``"1.500"``."""
    digits = minor_digits(currency)
    whole, part = divmod(minor, 10**digits)
    return f"{whole}.{part:0{digits}d}" if digits else str(whole)


def parse_percent(text: object, path: str) -> Decimal:
    """``"60.000"``: a percentage from 0 to 100 with at most three decimals, exact."""
    match = _PERCENT.fullmatch(text) if isinstance(text, str) else None
    value = Decimal(text) if match is not None and isinstance(text, str) else None
    if value is None or value > 100:
        raise PaymentError(
            path, 'must be a percentage from 0 to 100 with at most 3 decimals, such as "60.000"'
        )
    return value


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
