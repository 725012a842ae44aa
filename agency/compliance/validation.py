"""The Regulation F validation period (12 CFR 1006.34(b)(5), 1006.34(c)(3)).

A collector may assume the consumer received the validation notice on any date up to
five days after sending it, not counting Saturdays, Sundays and the legal public holidays
of 5 U.S.C. 6103(a); the validation period ends 30 days after that assumed receipt.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache

RECEIPT_BUSINESS_DAYS = 5
VALIDATION_PERIOD_DAYS = 30


@cache
def us_federal_holidays(year: int) -> frozenset[date]:
    """US federal holidays of a year, observed days included.

    ``holidays`` lists the Friday/Monday a weekend holiday is observed on; counting those
    too makes the assumed receipt (and so the period's end) a day later at most, which
    only gives the consumer more time: the safe side.
    """
    import holidays  # ~0.1 s to import: only when a rule asks about a day

    return frozenset(holidays.country_holidays("US", years=year))


def _is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in us_federal_holidays(day.year)


def assumed_receipt(sent: date) -> date:
    """Five days after ``sent``, Saturdays, Sundays and federal holidays not counted."""
    day = sent
    counted = 0
    while counted < RECEIPT_BUSINESS_DAYS:
        day += timedelta(days=1)
        if _is_business_day(day):
            counted += 1
    return day


def validation_period_end(sent_at: datetime | date) -> date:
    """The last day of the validation period for a notice sent at ``sent_at``.

    A datetime counts on its own calendar date (as given, in its own offset); pass
    ``sent_at.astimezone(zone)`` for the consumer's date.  E.g. a notice sent on
    Wednesday 26 November 2025 (Thanksgiving is the 27th) is assumed received on
    Thursday 4 December, and the period ends on Saturday 3 January 2026.
    """
    sent = sent_at.date() if isinstance(sent_at, datetime) else sent_at
    return assumed_receipt(sent) + timedelta(days=VALIDATION_PERIOD_DAYS)
