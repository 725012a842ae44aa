"""A dry run for a strategy's whole segment, before its steps are published: the cases
the strategy's rules give it (at most ``SAMPLE`` of them, the oldest first), each
replayed as ``dry_run.for_case`` does, and summed — the sends per day and channel, the
steps the gate would block and by which rule, and the busiest minute of texts per sender
number against the rate a number may send at (``AGENCY_SMS_SEGMENTS_PER_SECOND``; more
than that waits for the number's next turn).  Read-only."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.cases.models import CLOSED_STATUSES, Case
from agency.config import get_settings
from agency.kit import clock
from agency.outreach import senders
from agency.outreach.strategies import dry_run, reading
from agency.outreach.strategies.assignment import matches, rules_of, segment_of
from agency.outreach.strategies.models import StrategyRule
from agency.outreach.strategies.steps import Step

SAMPLE = 500
CHUNK = 1_000


@dataclass(frozen=True, slots=True)
class Peak:
    numbers: int  # in the client's pool (or the agency's)
    minute: datetime | None
    per_number: float  # texts a number would be given in that minute
    capacity: float  # single-segment texts a number may send in a minute


@dataclass(slots=True)
class SegmentRun:
    cases: int = 0
    sends: dict[date, Counter[str]] = field(default_factory=dict)  # day -> channel -> sends
    blocked: Counter[str] = field(default_factory=Counter)  # rule id -> steps deferred or refused
    skipped: Counter[str] = field(default_factory=Counter)  # why -> steps skipped
    peaks: dict[int, Peak] = field(default_factory=dict)  # client id -> the busiest minute

    @property
    def channels(self) -> list[str]:
        return sorted({c for day in self.sends.values() for c in day})


def for_segment(
    db: Session, *, strategy_id: int, steps: list[Step], start: datetime, sample: int = SAMPLE
) -> SegmentRun:
    run = SegmentRun()
    texts: dict[int, Counter[datetime]] = {}
    office = clock.office_zone()
    batch = reading.read_cases(db, _case_ids(db, strategy_id, start.date(), sample))
    for case in batch.cases.values():
        run.cases += 1
        for line in dry_run.for_case(db, case=case, batch=batch, steps=steps, start=start):
            if line.outcome == "send":
                day = run.sends.setdefault(line.at.astimezone(office).date(), Counter())
                day[line.channel] += 1
                if line.channel == "sms":
                    minute = line.at.replace(second=0, microsecond=0)
                    texts.setdefault(case.client_id, Counter())[minute] += 1
            elif line.outcome in ("deferred", "skipped") and line.rules:
                run.blocked.update(line.rules)
            elif line.outcome == "skipped":
                run.skipped[line.words] += 1
    capacity = get_settings().sms_segments_per_second * 60
    for client_id, minutes in texts.items():
        numbers = max(1, len(senders.sender_of(db, client_id).sms_numbers))
        minute, most = minutes.most_common(1)[0]
        run.peaks[client_id] = Peak(numbers, minute, most / numbers, capacity)
    return run


def _case_ids(db: Session, strategy_id: int, today: date, sample: int) -> list[int]:
    """The open cases whose contract's first matching rule gives them the strategy,
    read a chunk at a time until ``sample`` are found."""
    contracts = select(StrategyRule.contract_id).where(StrategyRule.strategy_id == strategy_id)
    rules: dict[int, list[StrategyRule]] = {}
    found: list[int] = []
    after = 0
    while len(found) < sample:
        query = (
            select(Case)
            .where(
                Case.contract_id.in_(contracts),
                Case.status.not_in(CLOSED_STATUSES),
                Case.id > after,
            )
            .order_by(Case.id)
            .limit(CHUNK)
        )
        chunk = list(db.scalars(query))
        if not chunk:
            break
        after = chunk[-1].id
        for case in chunk:
            if case.contract_id not in rules:
                rules[case.contract_id] = rules_of(db, case.contract_id)
            segment = segment_of(case)
            rule = next((r for r in rules[case.contract_id] if matches(r, segment, today)), None)
            if rule is not None and rule.strategy_id == strategy_id:
                found.append(case.id)
    return found[:sample]
