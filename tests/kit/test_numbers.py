"""The one formatter of percentages and money."""

from __future__ import annotations

from decimal import Decimal

import pytest

from agency.kit.money import Money
from agency.kit.numbers import money, percent


@pytest.mark.parametrize(
    ("rate", "shown"),
    [
        (Decimal("30.000"), "30 %"),
        (Decimal("3E+1"), "30 %"),
        (Decimal("50"), "50 %"),
        (Decimal("27.500"), "27.5 %"),
        (Decimal("0.125"), "0.125 %"),
        (Decimal("0.000"), "0 %"),
        (Decimal("100.000"), "100 %"),
        (99, "99 %"),
        (None, ""),
    ],
)
def test_percent(rate: Decimal | int | None, shown: str) -> None:
    assert percent(rate) == shown


def test_money() -> None:
    assert money(Money(123456, "USD")) == "$1,234.56"
    assert money(Money(500, "JPY")) == "¥500"
    assert money(None) == ""
