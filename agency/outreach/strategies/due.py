"""When a step is due, from the moment of its anchor (pure: no database).

A step is due ``days`` after its anchor, at its time of day in the consumer's zone: the
anchor's date in each zone the consumer may be in, plus ``days``, at ``at`` — the latest
of those instants, so that it is that time or later wherever the consumer is.  An
instant already past when the step becomes current makes the step due at once (the gate
still decides the hour it may go).

Anchors the runner knows the moment of when the step becomes current: ``placement``
(the case's placement), ``last_step`` (the step before, or the enrolment), and
``validation_sent`` once the notice has been sent.  The others are events that must
happen *after* the step became current — a promise or plan broken, a payment reversed,
an inbound reply — and the step waits for them (``events.happened``).  ``no_contact``
counts from the later of the step's start and the last time we reached the consumer,
and is looked at again when due: a contact since moves it on.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


def due_at(anchor_at: datetime, *, days: int, at: time, zones: Sequence[str]) -> datetime:
    """``days`` after ``anchor_at`` at ``at``, the latest instant over ``zones`` (UTC)."""
    instants = []
    for name in zones or ("UTC",):
        zone = ZoneInfo(name)
        day = anchor_at.astimezone(zone).date() + timedelta(days=days)
        instants.append(datetime.combine(day, at, tzinfo=zone).astimezone(UTC))
    return max(instants)


def anchor_moment(
    anchor: str,
    *,
    step_started_at: datetime,
    placed_at: datetime,
    validation_sent_at: datetime | None,
    last_contact_at: datetime | None,
) -> datetime | None:
    """The moment ``anchor`` counts from for a step current since ``step_started_at``;
    None when the step waits for its event."""
    if anchor == "placement":
        return placed_at
    if anchor == "last_step":
        return step_started_at
    if anchor == "validation_sent":
        return validation_sent_at
    if anchor == "no_contact":
        if last_contact_at is None:
            return step_started_at
        return max(step_started_at, last_contact_at)
    return None
