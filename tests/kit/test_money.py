from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agency.kit.money import Money, MoneyError, minor_digits


def test_from_major_is_exact_per_currency() -> None:
    assert Money.from_major("1234.56", "usd") == Money(123456, "USD")
    assert Money.from_major("1234", "JPY") == Money(1234, "JPY")
    assert Money.from_major(Decimal("1.234"), "KWD") == Money(1234, "KWD")
    assert minor_digits("JPY") == 0


@pytest.mark.parametrize(
    ("amount", "currency"),
    [("1.234", "USD"), ("1.5", "JPY"), ("abc", "USD"), ("NaN", "USD"), ("1", "XXQ")],
)
def test_from_major_refuses_what_is_not_money(amount: str, currency: str) -> None:
    with pytest.raises(MoneyError):
        Money.from_major(amount, currency)


def test_no_mixing_currencies_and_no_floats() -> None:
    with pytest.raises(MoneyError):
        Money(100, "USD") + Money(100, "GBP")
    with pytest.raises(MoneyError):
        Money(1.5, "USD")  # type: ignore[arg-type]
    with pytest.raises(MoneyError):
        Money(True, "USD")


def test_percent_rounds_half_up() -> None:
    assert Money(1000, "USD").percent(Decimal("33.335")) == Money(333, "USD")
    assert Money(1000, "USD").percent(Decimal("33.35")) == Money(334, "USD")  # 333.5 -> 334
    assert Money(-1000, "USD").percent(Decimal("33.35")) == Money(-334, "USD")


def test_formatting_for_screens() -> None:
    assert Money(123456, "USD").format() == "$1,234.56"
    assert Money(350, "AUD").format() == "A$3.50"
    assert Money(1200, "GBP").format() == "£12.00"
    assert Money(1200, "GBP").format("en_GB") == "£12.00"


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_major_round_trips(minor: int) -> None:
    money = Money(minor, "USD")
    assert Money.from_major(money.major, "USD") == money
