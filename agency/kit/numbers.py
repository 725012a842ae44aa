"""Numbers as people read them, the one formatter of each kind for screens, PDFs and
CSV files: ``money`` ("$1,234.56", through ``Money.format``) and ``percent`` ("27.5 %").

A rate is a ``Decimal`` as stored (``30.000``); ``Decimal.normalize()`` would print it as
``3E+1``, so it is written out in fixed point, without trailing zeros.
"""

from __future__ import annotations

from decimal import Decimal

from agency.kit.money import Money


def money(value: Money | None) -> str:
    """``$1,234.56``; nothing for no amount."""
    return "" if value is None else value.format()


def minor(value: int | None, currency: str) -> str:
    """An amount in minor units as money: ``7500`` in USD is ``$75.00``."""
    return "" if value is None else Money(value, currency).format()


def percent(rate: Decimal | int | None) -> str:
    """``30 %``, ``27.5 %``, ``0.125 %``: exact, never in exponent form; nothing for none."""
    if rate is None:
        return ""
    text = f"{Decimal(rate):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text} %"
