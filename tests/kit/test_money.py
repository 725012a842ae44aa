from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agency.kit.money import Money, MoneyError, largest, max_minor, minor_digits


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


@pytest.mark.parametrize(
    "amount",
    ["1000000000", "1e1000000000", Decimal("1e1000000000"), 10**5000, "9" * 5000, "1e9"],
    ids=[
        "a-billion",
        "1e1000000000",
        "decimal-1e1000000000",
        "int-5000-digits",
        "5000-digits",
        "1e9",
    ],
)
def test_from_major_refuses_amounts_beyond_the_largest_at_once(amount: object) -> None:
    """Checked before the amount is scaled: 1e1000000000 never becomes a billion digits."""
    with pytest.raises(MoneyError, match=r"the largest amount accepted|too long"):
        Money.from_major(amount, "USD")  # type: ignore[arg-type]


def test_the_largest_amount() -> None:
    assert (largest("USD"), max_minor("USD")) == ("999,999,999.99", 99_999_999_999)
    assert (largest("JPY"), max_minor("JPY")) == ("999,999,999", 999_999_999)
    assert Money.from_major(largest("USD").replace(",", ""), "USD") == Money(
        max_minor("USD"), "USD"
    )


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


@given(st.integers(min_value=-max_minor("USD"), max_value=max_minor("USD")))
def test_major_round_trips(minor: int) -> None:
    money = Money(minor, "USD")
    assert Money.from_major(money.major, "USD") == money


# Every language a template can be written in, the app's own locales and some whose
# patterns are not the plain kind (Indian grouping, Swiss prefixes, right-to-left marks).
LOCALES = [
    *("en_US", "en_GB", "en_CA", "fr_CA", "es_US", "es", "es_MX", "de_DE", "de_CH"),
    *("fr_FR", "it_IT", "nl_NL", "pt_BR", "en_IN", "hi_IN", "ja_JP", "ar_BH", "pl_PL"),
]
CURRENCIES = ["USD", "CAD", "GBP", "EUR", "AUD", "INR", "JPY", "BHD", "CHF", "MXN"]


@given(
    st.sampled_from(CURRENCIES),
    st.sampled_from(LOCALES),
    st.integers(min_value=-(10**14), max_value=10**14),
)
def test_formatting_is_babels_to_the_character(currency: str, locale: str, minor: int) -> None:
    from babel.numbers import format_currency

    money = Money(minor, currency)
    assert money.format(locale) == format_currency(money.major, currency, locale=locale)


def test_the_plain_locales_take_the_fast_formatter_and_the_others_babel() -> None:
    from agency.kit.money import _formatter

    assert _formatter("USD", "en_US") is not None
    assert _formatter("EUR", "de_DE") is not None
    assert _formatter("INR", "en_IN") is None  # groups of two above the thousands
    assert Money(123456789, "INR").format("en_IN") == "₹12,34,567.89"
