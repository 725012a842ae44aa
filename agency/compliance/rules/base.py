"""What a rule sees, and the helpers the rules share.

A rule is checked at a candidate instant ``t`` (a ``Moment``: ``t`` and its local time and
calendar day in every candidate zone) against a ``Context`` built once per evaluation
(the facts, the zones, the history before the attempt).  It answers with a *verdict*:

- ``None``: the attempt passes this rule at ``t``;
- a datetime ``r > t``: it is blocked at ``t`` and cannot pass before ``r`` (a lower
  bound: the engine moves ``t`` to the largest such bound and asks every rule again);
- ``NEVER``: it is blocked and waiting cannot help.

History is filtered once, relative to the attempt's original instant ("history entries at
or after attempt.at are ignored"); everything else (consents, cease, disputes,
verification, revocation) is compared with the candidate ``t``.

Definitions used by every rule:

- a *call attempt*: history channel ``call``, direction ``outbound``, outcome not
  ``not_connected`` or ``failed`` (a call that never reached the network is not counted);
- a *conversation*: channel ``call``, outcome ``conversation``, either direction;
- a *contact*: an outbound event with outcome ``conversation``, ``voicemail`` or
  ``delivered``.

Windows ("N in 7 days") are local calendar days ending on ``t``'s local day, computed in
every candidate zone; the strictest zone decides.  Counts are per debt (each case the
attempt is about; an event about several debts counts for each) unless a rule says per
person.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from typing import ClassVar
from zoneinfo import ZoneInfo

from agency.compliance.facts import (
    POINT_CHANNEL,
    Attempt,
    AttemptChannel,
    CaseFacts,
    ConsumerFacts,
    ContactPointFacts,
    Facts,
    HistoryEvent,
    Policy,
)
from agency.compliance.templates import TEMPLATES, Template

Verdict = datetime | None
NEVER = datetime.max.replace(tzinfo=UTC)
"""Blocked, and no later instant helps."""

COMMUNICATIONS: frozenset[AttemptChannel] = frozenset({"call", "sms", "email", "letter"})
PHONE_CHANNELS: frozenset[AttemptChannel] = frozenset({"call", "sms"})
ELECTRONIC: frozenset[AttemptChannel] = frozenset({"call", "sms", "email"})
CONTACT_OUTCOMES = frozenset({"conversation", "voicemail", "delivered"})
NOT_CONNECTED = frozenset({"not_connected", "failed"})
# The longest window any rule counts over (30 local days), plus slack for zone offsets.
HORIZON = timedelta(days=32)
DEFAULT_CONSENT = timedelta(days=7)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def is_call_attempt(event: HistoryEvent) -> bool:
    return (
        event.channel == "call"
        and event.direction == "outbound"
        and event.outcome not in NOT_CONNECTED
    )


def is_conversation(event: HistoryEvent) -> bool:
    return event.channel == "call" and event.outcome == "conversation"


def is_contact(event: HistoryEvent) -> bool:
    return event.direction == "outbound" and event.outcome in CONTACT_OUTCOMES


# --- time zones and local calendars ------------------------------------------------------


@cache
def zone_info(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@lru_cache(maxsize=65536)
def local_instant(zone: str, ordinal: int, minute: int) -> datetime:
    """The UTC instant of local wall time ``minute`` (0-1440) on local day ``ordinal``.

    A wall time that does not exist (inside a spring-forward gap) maps to the instant
    after the gap; an ambiguous one (fall back) to its first occurrence.
    """
    if minute >= 1440:
        ordinal, minute = ordinal + minute // 1440, minute % 1440
    wall = datetime.combine(
        date.fromordinal(ordinal), time(minute // 60, minute % 60), tzinfo=zone_info(zone)
    )
    return wall.astimezone(UTC)


def local_after(zone: str, ordinal: int, minute: int, after: datetime) -> datetime:
    """``local_instant`` but strictly after ``after`` (the second occurrence of an
    ambiguous wall time when the first is already past)."""
    found = local_instant(zone, ordinal, minute)
    if found > after:
        return found
    if minute >= 1440:
        ordinal, minute = ordinal + minute // 1440, minute % 1440
    wall = datetime.combine(
        date.fromordinal(ordinal), time(minute // 60, minute % 60), tzinfo=zone_info(zone)
    ).replace(fold=1)
    second = wall.astimezone(UTC)
    return second if second > after else after + timedelta(seconds=1)


def day_start(zone: str, ordinal: int) -> datetime:
    """The first instant (UTC) of local day ``ordinal`` in ``zone``."""
    return local_instant(zone, ordinal, 0)


def local_day(instant: datetime, tz: ZoneInfo) -> int:
    return instant.astimezone(tz).toordinal()


@lru_cache(maxsize=65536)
def is_holiday(country: str, subdiv: str | None, ordinal: int) -> bool:
    day = date.fromordinal(ordinal)
    return day in _holidays(country, subdiv, day.year)


@cache
def _holidays(country: str, subdiv: str | None, year: int) -> frozenset[date]:
    import holidays  # ~0.1 s to import: only when a rule asks about a day

    return frozenset(holidays.country_holidays(country, subdiv=subdiv, years=year))


class Moment:
    """A candidate instant and its local wall clock in every candidate zone."""

    __slots__ = ("day", "local", "minute", "t", "weekday")

    def __init__(self, t: datetime, tzs: tuple[ZoneInfo, ...]) -> None:
        self.t = t
        if len(tzs) == 1:  # the usual case, without the loops
            lt = t.astimezone(tzs[0])
            self.local: tuple[datetime, ...] = (lt,)
            self.day: tuple[int, ...] = (lt.toordinal(),)
            self.minute: tuple[int, ...] = (lt.hour * 60 + lt.minute,)
            self.weekday: tuple[int, ...] = (lt.weekday(),)
            return
        local = [t.astimezone(tz) for tz in tzs]
        self.local = tuple(local)
        self.day = tuple([lt.toordinal() for lt in local])
        self.minute = tuple([lt.hour * 60 + lt.minute for lt in local])
        self.weekday = tuple([lt.weekday() for lt in local])


# --- the context ---------------------------------------------------------------------------


class Context:
    """Everything about one evaluation that does not depend on the candidate instant."""

    __slots__ = (
        "_cache",
        "_claims",
        "_history",
        "_points",
        "attempt",
        "case_ids",
        "cases",
        "channel",
        "consumer",
        "facts",
        "horizon",
        "point",
        "policy",
        "recent",
        "template",
        "tzs",
        "zones",
    )

    def __init__(self, facts: Facts, zones: tuple[str, ...]) -> None:
        attempt = facts.attempt
        self.facts = facts
        self.consumer: ConsumerFacts = facts.consumer
        self.attempt: Attempt = attempt
        self.policy: Policy = facts.policy
        self.channel: AttemptChannel = attempt.channel
        self.zones = zones
        self.tzs = tuple([zone_info(zone) for zone in zones])
        wanted = attempt.contact_point
        point = None
        for candidate in facts.consumer.contact_points:
            if candidate.id == wanted:
                point = candidate
                break
        if point is None:  # the gate always knows it; a bare fact set may not
            point = ContactPointFacts(
                id=wanted, channel=POINT_CHANNEL.get(attempt.channel, "address")
            )
        self.point = point
        self.case_ids = attempt.case_ids
        cases = facts.cases
        if len(cases) == 1 and attempt.case_ids == (cases[0].id,):
            self.cases: tuple[CaseFacts, ...] = cases
        else:
            known = {case.id: case for case in cases}
            self.cases = tuple(
                [known.get(case_id) or CaseFacts(id=case_id) for case_id in attempt.case_ids]
            )
        at = attempt.at
        self.horizon = horizon = at - HORIZON
        # Everything counted over a window looks back at most HORIZON: filter once here.
        self.recent = [event for event in facts.history if horizon <= event.at < at]
        self._history: list[HistoryEvent] | None = None
        self._points: dict[str, ContactPointFacts] | None = None
        self.template: Template | None = attempt.traits or (
            TEMPLATES.get(attempt.template) if attempt.template else None
        )
        self._cache: dict[object, list[datetime]] = {}
        self._claims: _Claims | None = None

    @property
    def history(self) -> list[HistoryEvent]:
        """Every history event before the attempt (whole history, not just the window)."""
        if self._history is None:
            at = self.attempt.at
            self._history = [event for event in self.facts.history if event.at < at]
        return self._history

    @property
    def points(self) -> dict[str, ContactPointFacts]:
        if self._points is None:
            self._points = {point.id: point for point in self.consumer.contact_points}
        return self._points

    # Instants (newest first) of recent events of a kind about a case (None: any case).
    def calls(self, case_id: str | None) -> list[datetime]:
        key = ("call", case_id)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = _newest_first(
                e.at
                for e in self.recent
                if e.channel == "call"
                and e.direction == "outbound"
                and e.outcome not in NOT_CONNECTED
                and (case_id is None or case_id in e.case_ids)
            )
        return found

    def contacts(self, case_id: str | None) -> list[datetime]:
        key = ("contact", case_id)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = _newest_first(
                e.at
                for e in self.recent
                if e.direction == "outbound"
                and e.outcome in CONTACT_OUTCOMES
                and (case_id is None or case_id in e.case_ids)
            )
        return found

    def delivered(self, channel: AttemptChannel, case_id: str) -> list[datetime]:
        key = ("delivered", channel, case_id)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = _newest_first(
                e.at
                for e in self.recent
                if e.channel == channel
                and e.direction == "outbound"
                and e.outcome == "delivered"
                and case_id in e.case_ids
            )
        return found

    def first_contact(self, case_id: str) -> datetime | None:
        """The earliest outbound contact about the case in the whole history."""
        key = ("first", case_id)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = [
                min(
                    (
                        e.at
                        for e in self.history
                        if e.direction == "outbound"
                        and e.outcome in CONTACT_OUTCOMES
                        and case_id in e.case_ids
                    ),
                    default=EPOCH,
                )
            ]
        return None if found[0] is EPOCH else found[0]

    @property
    def claims(self) -> _Claims:
        if self._claims is None:
            self._claims = _Claims(self)
        return self._claims

    def point_of(self, event: HistoryEvent) -> ContactPointFacts | None:
        return self.points.get(event.contact_point) if event.contact_point else None


def _newest_first(instants: Iterable[datetime]) -> list[datetime]:
    found = list(instants)
    found.sort(reverse=True)
    return found


class _Claims:
    """Which call attempts direct prior consent takes out of the counts (1006.14(b)(3)).

    Each consent covers ``[at, until)`` (``until`` None: 7 days) for its cases and excludes
    the *first* call attempt made under it (a call about one of its cases in its window),
    after which it is used.  Consents are matched in order of ``at`` (then ``until``, then
    cases) so the result does not depend on the order facts arrive in; a call already
    taken by an earlier consent (for a case) is not taken again.
    """

    __slots__ = ("excluded", "unused")

    def __init__(self, ctx: Context) -> None:
        self.excluded: set[tuple[int, str]] = set()
        self.unused: list[tuple[datetime, datetime, frozenset[str]]] = []
        consents = sorted(
            ctx.facts.consents,
            key=lambda c: (c.at, c.until or c.at + DEFAULT_CONSENT, tuple(sorted(c.case_ids))),
        )
        if not consents:
            return
        calls = sorted(
            ((e, index) for index, e in enumerate(ctx.history) if is_call_attempt(e)),
            key=lambda pair: (
                pair[0].at,
                tuple(sorted(pair[0].case_ids)),
                pair[0].contact_point or "",
                pair[0].outcome,
            ),
        )
        for consent in consents:
            until = consent.until or consent.at + DEFAULT_CONSENT
            cover = frozenset(consent.case_ids)
            used = False
            for event, key in calls:
                if event.at < consent.at or event.at >= until:
                    continue
                fresh = [c for c in event.case_ids if c in cover and (key, c) not in self.excluded]
                if fresh:
                    self.excluded.update((key, c) for c in fresh)
                    used = True
                    break
            if not used:
                self.unused.append((consent.at, until, cover))

    def covers(self, case_id: str, t: datetime) -> bool:
        """An unused consent about the case covers ``t``: the attempt is exempt."""
        return any(at <= t < until and case_id in cover for at, until, cover in self.unused)

    def next_cover(self, case_id: str, t: datetime) -> datetime | None:
        """The start of the next unused consent about the case after ``t``."""
        starts = [at for at, _until, cover in self.unused if at > t and case_id in cover]
        return min(starts) if starts else None

    def counted(self, ctx: Context, case_id: str, conversations: bool) -> list[datetime]:
        """Newest-first instants of recent call attempts (or conversations) about the case
        that no consent excluded."""
        key = ("claimed-conv" if conversations else "claimed-call", case_id)
        found = ctx._cache.get(key)
        if found is None:
            excluded = self.excluded
            horizon = ctx.horizon
            found = ctx._cache[key] = _newest_first(
                e.at
                for index, e in enumerate(ctx.history)
                if e.at >= horizon
                and case_id in e.case_ids
                and (is_conversation(e) if conversations else is_call_attempt(e))
                and (index, case_id) not in excluded
            )
        return found


# --- shared verdicts -------------------------------------------------------------------------


def later(a: Verdict, b: Verdict) -> Verdict:
    """Both must clear: the later bound (None means no block)."""
    if a is None:
        return b
    if b is None or a >= b:
        return a
    return b


def window_block(
    ctx: Context, m: Moment, newest_first: list[datetime], limit: int, days: int
) -> Verdict:
    """Blocked while ``limit`` or more of the instants fall in the ``days`` local days
    ending on ``t``'s day, in any zone; the bound is the local midnight at which the
    ``limit``-th newest leaves the window (the latest over the zones that block)."""
    if limit <= 0:
        return NEVER
    if len(newest_first) < limit:
        return None
    pivot = newest_first[limit - 1]
    worst: Verdict = None
    for i, zone in enumerate(ctx.zones):
        if pivot >= day_start(zone, m.day[i] - days + 1):
            bound = day_start(zone, local_day(pivot, ctx.tzs[i]) + days)
            if worst is None or bound > worst:
                worst = bound
    return worst


Hours = tuple[int, int]  # minutes of the local day: start included, end excluded (<= 1440)


def hours_block(
    ctx: Context,
    m: Moment,
    week: tuple[Hours | None, ...],
    holiday: tuple[str, str | None] | None = None,
) -> Verdict:
    """Blocked unless ``t`` is inside the local day's hours (``week[weekday]``, None = no
    contact that day; a holiday of ``holiday`` = (country, subdivision) has none) in every
    zone; the bound is the next opening in the zones that block (the latest of them)."""
    worst: Verdict = None
    for i, zone in enumerate(ctx.zones):
        day = m.day[i]
        minute = m.minute[i]
        hours = week[m.weekday[i]]
        if holiday is not None and hours is not None and is_holiday(holiday[0], holiday[1], day):
            hours = None
        if hours is not None and hours[0] <= minute < hours[1]:
            continue
        bound = _next_opening(zone, day, minute, m, week, holiday, hours)
        if worst is None or bound > worst:
            worst = bound
    return worst


def _next_opening(
    zone: str,
    day: int,
    minute: int,
    m: Moment,
    week: tuple[Hours | None, ...],
    holiday: tuple[str, str | None] | None,
    today: Hours | None,
) -> datetime:
    if today is not None and minute < today[0]:
        return local_after(zone, day, today[0], m.t)
    for ahead in range(1, 32):
        candidate = day + ahead
        hours = week[(candidate - 1) % 7]  # ordinal 1 (0001-01-01) is a Monday
        if hours is None:
            continue
        if holiday is not None and is_holiday(holiday[0], holiday[1], candidate):
            continue
        return local_after(zone, candidate, hours[0], m.t)
    return NEVER


def every_day(start: int, end: int) -> tuple[Hours | None, ...]:
    return ((start, end),) * 7


def inconvenient_block(ctx: Context, m: Moment) -> Verdict:
    """The consumer's stated inconvenient times (local; ``start`` included, ``end``
    excluded, may cross midnight; ``days`` is the local weekday of ``t``; start == end
    is the whole day).  The bound is the interval's end."""
    stated = ctx.consumer.inconvenient_times
    if not stated:
        return None
    worst: Verdict = None
    for i, zone in enumerate(ctx.zones):
        minute = m.minute[i]
        day = m.day[i]
        weekday = m.weekday[i]
        for interval in stated:
            if interval.days is not None and weekday not in interval.days:
                continue
            start = interval.start.hour * 60 + interval.start.minute
            end = interval.end.hour * 60 + interval.end.minute
            if start < end:
                inside = start <= minute < end
                end_day = day
            elif start > end:  # crosses midnight
                inside = minute >= start or minute < end
                end_day = day + 1 if minute >= start else day
            else:  # the whole day
                inside = True
                end_day = day + 1
            if not inside:
                continue
            bound = local_after(zone, end_day, end, m.t)
            if worst is None or bound > worst:
                worst = bound
    return worst


def clock(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def minutes_of(value: time) -> int:
    return value.hour * 60 + value.minute


class Rule:
    """One rule: its id, the attempt channels it governs, and its check."""

    __slots__ = ()
    id: ClassVar[str] = ""
    channels: ClassVar[frozenset[AttemptChannel]] = COMMUNICATIONS

    def check(self, ctx: Context, m: Moment) -> Verdict:
        raise NotImplementedError
