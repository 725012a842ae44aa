"""Reading the scenario files other tools feed us (``payment-schedules.md``,
``commission-scenarios.md``): objects with known keys, dates, whole numbers, currencies,
and amounts and percentages written as decimal strings, read exactly (never rounded).
Each refusal is a ``JsonInputError`` whose ``path`` points into the document
(``contract.tiers[1].rate``) and whose ``reason`` never repeats the value."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from typing import Any

from agency.kit.json_input import JsonInputError, load_json
from agency.kit.money import (
    MAX_AMOUNT_TEXT,
    MAX_WHOLE_DIGITS,
    MoneyError,
    check_currency,
    largest,
    minor_digits,
)

_AMOUNT = re.compile(r"(-?)(\d+)(?:\.(\d+))?")
_PERCENT = re.compile(r"(\d{1,3})(?:\.(\d{1,3}))?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CURRENCY = re.compile(r"[A-Z]{3}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,59}")


def read_document(raw: bytes, *, max_bytes: int, max_depth: int, max_items: int) -> Any:
    """The JSON of a file or request body within its bounds (``kit.json_input``:
    numbers exact, no duplicate keys, no NUL)."""
    if len(raw) > max_bytes:
        raise JsonInputError("", f"the scenario is larger than {max_bytes // 1024} KiB")
    return load_json(raw, max_depth=max_depth, max_items=max_items)


def key_path(section: str, key: str) -> str:
    """``section.key``, or ``section["odd key"]`` for a key that is not a name."""
    if _NAME.fullmatch(key) is None:
        return f"{section}[{json.dumps(key[:60])}]"
    return f"{section}.{key}" if section else key


def keys_of(
    value: Any, path: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The object at ``path`` as a dict of exactly ``required + optional`` (an absent
    or null optional key reads as None); an unknown key or a missing required one is
    refused."""
    if not isinstance(value, dict):
        raise JsonInputError(path, "must be a JSON object")
    for key in value:
        if key not in required and key not in optional:
            raise JsonInputError(key_path(path, key), "unknown key")
    for key in required:
        if value.get(key) is None:
            raise JsonInputError(key_path(path, key), "is required")
    return {key: value.get(key) for key in required + optional}


def date_at(value: Any, path: str) -> date:
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise JsonInputError(path, "must be a date written YYYY-MM-DD")


def whole_at(value: Any, path: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise JsonInputError(path, f"must be a whole number from {low} to {high}")
    return value


def currency_at(value: Any, path: str) -> str:
    if isinstance(value, str) and _CURRENCY.fullmatch(value):
        try:
            return check_currency(value)
        except MoneyError:
            pass
    raise JsonInputError(path, 'must be an ISO 4217 currency code such as "USD"')


def amount_at(value: Any, currency: str, path: str, *, zero: bool = False) -> int:
    """``"1000.00"`` in USD is 100000: a decimal string with at most the currency's
    decimals, more than zero (or zero too, with ``zero``) and at most
    ``largest(currency)``."""
    digits = minor_digits(currency)
    example = "1000" + ("." + "0" * digits if digits else "")
    if not isinstance(value, str):
        raise JsonInputError(path, f'must be an amount written as a string, such as "{example}"')
    match = _AMOUNT.fullmatch(value) if len(value) <= MAX_AMOUNT_TEXT else None
    if match is None:
        raise JsonInputError(path, f'is not an amount: write it like "{example}"')
    sign, whole, decimals = match.groups()
    decimals = decimals or ""
    if len(decimals) > digits:
        places = f"{digits} decimal places" if digits else "no decimals"
        given = f"{len(decimals)} decimal" + ("s" if len(decimals) > 1 else "")
        raise JsonInputError(path, f"has {given}; {currency} amounts have {places}")
    if len(whole.lstrip("0")) > MAX_WHOLE_DIGITS:
        raise JsonInputError(path, f"is more than {largest(currency)}, the largest amount accepted")
    minor = int(whole + decimals.ljust(digits, "0"))
    if not zero and (sign or minor == 0):
        raise JsonInputError(path, "must be more than zero")
    if sign and minor:
        raise JsonInputError(path, "cannot be negative")
    return minor


def format_amount(minor: int, currency: str) -> str:
    """100000 in USD is ``"1000.00"``; 5000 in JPY is ``"5000"``; 1500 in KWD ``"1.500"``;
    -2000 in USD ``"-20.00"``."""
    digits = minor_digits(currency)
    whole, part = divmod(abs(minor), 10**digits)
    sign = "-" if minor < 0 else ""
    return f"{sign}{whole}.{part:0{digits}d}" if digits else f"{sign}{whole}"


def percent_at(value: Any, path: str) -> Decimal:
    """``"60.000"``: a percentage from 0 to 100 with at most three decimals, exact."""
    match = _PERCENT.fullmatch(value) if isinstance(value, str) else None
    percent = Decimal(value) if match is not None and isinstance(value, str) else None
    if percent is None or percent > 100:
        raise JsonInputError(
            path, 'must be a percentage from 0 to 100 with at most 3 decimals, such as "60.000"'
        )
    return percent


def format_percent(rate: Decimal) -> str:
    """A rate with the three decimals the specs write: ``"25.000"``."""
    return f"{rate:.3f}"
