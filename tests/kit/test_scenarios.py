"""The scenario files' values: amounts exact in each currency's minor units, never
rounded; percentages with three decimals; objects with exactly their keys."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from agency.kit.json_input import JsonInputError
from agency.kit.scenarios import (
    amount_at,
    date_at,
    format_amount,
    format_percent,
    keys_of,
    percent_at,
)


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("1000.00", "USD", 100000),
        ("1000.5", "USD", 100050),
        ("1000", "USD", 100000),
        ("0.01", "USD", 1),
        ("5000", "JPY", 5000),
        ("1.500", "KWD", 1500),
        ("1.5", "KWD", 1500),
        ("999999999.99", "USD", 99999999999),
        ("000000000012.00", "USD", 1200),
    ],
)
def test_amounts_are_read_exactly(text: str, currency: str, minor: int) -> None:
    assert amount_at(text, currency, "x") == minor


@pytest.mark.parametrize(
    ("text", "currency", "message"),
    [
        ("1000.001", "USD", "has 3 decimals; USD amounts have 2 decimal places"),
        ("1.100", "USD", "has 3 decimals; USD amounts have 2 decimal places"),  # never rounded
        ("5000.5", "JPY", "has 1 decimal; JPY amounts have no decimals"),
        ("5000.0", "JPY", "has 1 decimal; JPY amounts have no decimals"),
        ("1.5000", "KWD", "has 4 decimals; KWD amounts have 3 decimal places"),
        ("0.00", "USD", "must be more than zero"),
        ("-5.00", "USD", "must be more than zero"),
        ("1000000000.00", "USD", "is more than 999,999,999.99, the largest amount accepted"),
        ("1e3", "USD", 'is not an amount: write it like "1000.00"'),
        ("1,000.00", "USD", 'is not an amount: write it like "1000.00"'),
        (" 10", "USD", 'is not an amount: write it like "1000.00"'),
        ("", "JPY", 'is not an amount: write it like "1000"'),
        ("1" * 40, "USD", 'is not an amount: write it like "1000.00"'),
        (10, "USD", 'must be an amount written as a string, such as "1000.00"'),
        (None, "KWD", 'must be an amount written as a string, such as "1000.000"'),
    ],
)
def test_bad_amounts_are_refused_never_rounded(text: object, currency: str, message: str) -> None:
    with pytest.raises(JsonInputError) as caught:
        amount_at(text, currency, "case.balance")
    assert (caught.value.path, caught.value.reason) == ("case.balance", message)


def test_amounts_are_written_with_the_currency_digits() -> None:
    assert format_amount(100000, "USD") == "1000.00"
    assert format_amount(5, "USD") == "0.05"
    assert format_amount(5000, "JPY") == "5000"
    assert format_amount(1500, "KWD") == "1.500"
    assert format_amount(1, "KWD") == "0.001"


def test_percentages_are_read_exactly() -> None:
    assert str(percent_at("60.000", "p")) == "60.000"
    assert str(percent_at("100", "p")) == "100"
    for bad in ("100.001", "60.0001", "-1", "60%", 60, None):
        with pytest.raises(JsonInputError):
            percent_at(bad, "p")


def test_zero_is_an_amount_where_the_format_allows_it_and_negative_never() -> None:
    assert amount_at("0.00", "USD", "contract.minimum_fee", zero=True) == 0
    with pytest.raises(JsonInputError, match="cannot be negative"):
        amount_at("-1.00", "USD", "contract.minimum_fee", zero=True)


def test_negative_amounts_are_written_with_their_sign() -> None:
    assert format_amount(-10000, "USD") == "-100.00"
    assert format_amount(-5, "JPY") == "-5"
    assert format_amount(-1, "KWD") == "-0.001"
    assert format_percent(Decimal("25")) == "25.000"


def test_an_object_has_exactly_its_keys() -> None:
    assert keys_of({"a": 1}, "case", ("a",), ("b",)) == {"a": 1, "b": None}
    with pytest.raises(JsonInputError) as unknown:
        keys_of({"a": 1, "odd key": 2}, "case", ("a",))
    assert unknown.value.path == 'case["odd key"]'
    with pytest.raises(JsonInputError) as missing:
        keys_of({"a": None}, "case", ("a",))
    assert (missing.value.path, missing.value.reason) == ("case.a", "is required")
    with pytest.raises(JsonInputError, match="must be a JSON object"):
        keys_of([], "case", ("a",))


def test_dates_are_iso_and_real() -> None:
    assert date_at("2028-02-29", "on") == date(2028, 2, 29)
    for bad in ("2027-02-29", "2026-1-05", "05/01/2026", 20260105, None):
        with pytest.raises(JsonInputError, match="YYYY-MM-DD"):
            date_at(bad, "on")
