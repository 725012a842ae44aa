"""Due dates: weekly, fortnightly or monthly from the first due date, each moved off
Saturdays, Sundays and the public holidays where the consumer lives to the next
business day (``agency.kit.business_days``)."""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date, timedelta

from agency.kit import business_days
from agency.payments.kinds import Frequency
from agency.payments.schemas import PaymentError

_DAYS = {Frequency.WEEKLY: 7, Frequency.FORTNIGHTLY: 14}


def add_months(start: date, months: int) -> date:
    """``start`` plus ``months`` calendar months, the day clamped to the month's end
    (31 Jan + 1 = 28 or 29 Feb)."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(start.day, last))


def nominal_dates(first_due: date, frequency: Frequency | None, count: int) -> Iterator[date]:
    """The ``count`` due dates before any move, always counted from ``first_due`` (so
    31 Jan, 28 Feb, 31 Mar — never 28 Mar).  ``frequency`` may be None for one date."""
    for k in range(count):
        if k == 0 or frequency is None:
            yield first_due
        elif frequency is Frequency.MONTHLY:
            yield add_months(first_due, k)
        else:
            yield first_due + timedelta(days=_DAYS[frequency] * k)


def check_place(country: str, region: str | None) -> None:
    """Refuse a country or subdivision the holiday tables do not know, naming the
    scenario path (``case.country`` or ``case.region``)."""
    supported = business_days.supported()
    if country not in supported:
        raise PaymentError("case.country", f"{country!r} is not a country with known holidays")
    if region is not None and region not in supported[country]:
        raise PaymentError("case.region", f"{region!r} is not a subdivision of {country}")
