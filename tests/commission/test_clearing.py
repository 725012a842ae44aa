"""Cleared funds across weekends and holidays."""

from __future__ import annotations

from datetime import date

import pytest

from agency.commission.clearing import DEFAULT_CLEARING_DAYS, clears_on, remittable
from agency.kit.business_days import add_business_days, is_business_day


@pytest.mark.parametrize(
    ("received", "days", "cleared"),
    [
        (date(2026, 12, 1), 2, date(2026, 12, 3)),  # Tuesday → Thursday
        (date(2026, 12, 4), 2, date(2026, 12, 8)),  # Friday → Tuesday, over the weekend
        (date(2026, 12, 5), 2, date(2026, 12, 8)),  # received on a Saturday
        (date(2026, 11, 25), 2, date(2026, 11, 30)),  # over Thanksgiving (Thu 26) and a weekend
        (date(2026, 12, 23), 5, date(2026, 12, 31)),  # over Christmas Day
        (date(2026, 12, 30), 2, date(2027, 1, 4)),  # over New Year's Day and the year's end
        (date(2026, 12, 4), 0, date(2026, 12, 4)),  # cash: cleared when received
    ],
)
def test_clearing_counts_business_days_in_the_us(received: date, days: int, cleared: date) -> None:
    assert clears_on(received, days, "US") == cleared


def test_holidays_are_the_countrys_and_its_regions() -> None:
    assert not is_business_day(date(2026, 12, 25), "GB")
    assert not is_business_day(date(2026, 12, 28), "GB")  # Boxing Day observed on Monday
    assert is_business_day(date(2027, 1, 4), "GB", "ENG")
    assert not is_business_day(date(2027, 1, 4), "GB", "SCT")  # Scotland's 2 January, observed
    assert add_business_days(date(2026, 12, 24), 1, "GB") == date(2026, 12, 29)


def test_uncleared_money_waits_for_the_next_statement() -> None:
    card = DEFAULT_CLEARING_DAYS["card"]
    assert remittable(date(2026, 11, 26), card, date(2026, 11, 30), "US")
    assert not remittable(date(2026, 11, 27), card, date(2026, 11, 30), "US")  # clears Dec 1
    assert remittable(date(2026, 11, 27), card, date(2026, 12, 31), "US")
