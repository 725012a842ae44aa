"""The one clock.  Every "now" in agency comes from here so tests can freeze it; the
agency's own day, in its time zone (``AGENCY_TIME_ZONE``); and the days' short names."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from agency.config import get_settings

# The days of the week as screens name them, Monday first (``date.weekday()``'s order).
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

_frozen: datetime | None = None


def now() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return _frozen if _frozen is not None else datetime.now(UTC)


@contextmanager
def frozen(at: datetime) -> Iterator[None]:
    """Freeze the clock at ``at`` (must be aware) for the duration of the block."""
    global _frozen
    if at.tzinfo is None:
        raise ValueError("frozen() needs an aware datetime")
    previous, _frozen = _frozen, at.astimezone(UTC)
    try:
        yield
    finally:
        _frozen = previous


def advance(delta: timedelta) -> None:
    """Move a frozen clock forward; only meaningful inside ``frozen()``."""
    global _frozen
    if _frozen is None:
        raise RuntimeError("advance() needs a frozen clock")
    _frozen = _frozen + delta


def office_zone() -> ZoneInfo:
    """The agency's time zone: the one its screens show times in."""
    return zone(get_settings().time_zone)


@cache
def zone(name: str) -> ZoneInfo:
    """The zone of an IANA name already checked (settings, a user's profile)."""
    return ZoneInfo(name)


def today(at: datetime | None = None) -> tuple[datetime, datetime]:
    """The agency's day around ``at`` (now by default) as [start, end) in UTC: local
    midnight to the next (23 or 25 hours apart when the clocks change)."""
    day = (at or now()).astimezone(office_zone()).date()
    return office_span(day, day + timedelta(days=1))


def office_date() -> date:
    """Today, on the agency's calendar."""
    return now().astimezone(office_zone()).date()


def office_span(first: date, after: date) -> tuple[datetime, datetime]:
    """The agency's days from ``first`` up to (not including) ``after`` as [start, end)
    in UTC: its midnight of the one to its midnight of the other."""
    office = office_zone()
    start = datetime.combine(first, time(), tzinfo=office)
    end = datetime.combine(after, time(), tzinfo=office)
    return start.astimezone(UTC), end.astimezone(UTC)
