"""Business days where a person or a bank is: not a Saturday, a Sunday, or a public
holiday of the country and, where given, its subdivision (the ``holidays`` package,
imported only when a day is asked for: it takes ~0.1 s)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache


def is_business_day(day: date, country: str, region: str | None = None) -> bool:
    return day.weekday() < 5 and day not in _holidays(country, region, day.year)


def next_business_day(day: date, country: str, region: str | None = None) -> date:
    """``day`` itself, or the first later day that is neither a weekend nor a holiday."""
    while not is_business_day(day, country, region):
        day += timedelta(days=1)
    return day


def add_business_days(day: date, count: int, country: str, region: str | None = None) -> date:
    """The ``count``-th business day after ``day`` (``day`` itself for 0): a card
    payment received on a Friday clears 2 business days later, on Tuesday."""
    for _ in range(count):
        day = next_business_day(day + timedelta(days=1), country, region)
    return day


@cache
def supported() -> dict[str, frozenset[str]]:
    """The countries the holiday tables know, each with its subdivisions."""
    import holidays

    return {
        code: frozenset(subdivisions)
        for code, subdivisions in holidays.list_supported_countries().items()
        if len(code) == 2 and code.isupper()
    }


@cache
def _holidays(country: str, region: str | None, year: int) -> frozenset[date]:
    import holidays

    return frozenset(holidays.country_holidays(country, subdiv=region, years=year))
