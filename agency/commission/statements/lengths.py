"""How long a statement period is: a week or a fortnight from its first day, or to the
end of its calendar month (a first period starting on the 12th ends on the month's last
day; every later one is a whole month)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from agency.commission.kinds import Frequency


def last_day(starts_on: date, frequency: Frequency) -> date:
    """The last day (included) of a period starting on ``starts_on``."""
    if frequency is Frequency.WEEKLY:
        return starts_on + timedelta(days=6)
    if frequency is Frequency.FORTNIGHTLY:
        return starts_on + timedelta(days=13)
    return starts_on.replace(day=calendar.monthrange(starts_on.year, starts_on.month)[1])
