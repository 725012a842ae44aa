"""A typed or sent value read into a typed one, or refused with a sentence: the error
every parser raises (``BadValue``), how it quotes what was sent, and amounts of money.

Intake reads millions of cells with these, and the case page reads an agent's amounts
with the same rules, so both live here."""

from __future__ import annotations

import re

from agency.kit.money import MAX_AMOUNT_TEXT, MAX_WHOLE_DIGITS, largest, minor_digits

_SHOWN = 40


class BadValue(ValueError):
    """A cell's value is not acceptable; the message says why."""


def shown(text: str) -> str:
    """A value quoted for a message, cut to 40 characters: a message (stored with the
    rejected row, shown in the preview) never grows with what was sent."""
    return repr(text) if len(text) <= _SHOWN else repr(text[:_SHOWN]) + "…"


_SYMBOLS = "$£€¥₹"
_POINT = re.compile(r"^(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?$")
_COMMA = re.compile(r"^(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d+))?$")


def parse_amount(text: str, currency: str, *, decimal_comma: bool = False) -> int:
    """An amount in major units to integer minor units: ``$1,234.56`` -> 123456.

    ``.`` decimal with optional ``,`` thousands (or the reverse with ``decimal_comma``),
    an optional currency symbol or code; never negative; at most the currency's digits;
    at most ``largest(currency)`` (999,999,999.99 for USD).  The text's length is checked
    before anything else reads it.
    """
    cleaned = text.strip()
    if len(cleaned) > MAX_AMOUNT_TEXT:
        raise BadValue(f"{shown(text)} is too long to be an amount")
    if cleaned.upper().startswith(currency):
        cleaned = cleaned[3:].strip()
    cleaned = cleaned.lstrip(_SYMBOLS).strip()
    if cleaned.startswith("-") or cleaned.startswith("("):
        raise BadValue(f"{shown(text)} is negative; amounts are never negative")
    match = (_COMMA if decimal_comma else _POINT).match(cleaned)
    if not match:
        raise BadValue(f"{shown(text)} is not an amount")
    whole, fraction = match.group(1), match.group(2) or ""
    digits: int = minor_digits(currency)
    if len(fraction) > digits:
        raise BadValue(f"{shown(text)} has more than {digits} decimal places for {currency}")
    whole_digits = whole.replace("," if not decimal_comma else ".", "").lstrip("0")
    if len(whole_digits) > MAX_WHOLE_DIGITS:
        raise BadValue(
            f"{shown(text)} is more than {largest(currency)}, the largest amount accepted"
        )
    minor: int = int(whole_digits or "0") * 10**digits + int(fraction.ljust(digits, "0") or "0")
    return minor
