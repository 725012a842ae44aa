"""What the runner reads of a batch's cases, in a fixed number of statements: the cases
with their consumers, contact points and clients, the points' flags, the previous
step's message, replies since the step became current.  Read-only."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from agency.cases.models import Case, Channel, Consumer, ContactPoint
from agency.compliance import service as compliance
from agency.outreach.models import InboundMessage, OutboxMessage
from agency.outreach.strategies.conditions import CaseNow
from agency.outreach.strategies.models import StrategyEnrolment, StrategySend
from agency.outreach.strategies.stepping import Moments, Plans

# The message channels' contact points, and the gate's channel of each.
POINT_CHANNEL = {"sms": Channel.PHONE, "email": Channel.EMAIL, "letter": Channel.ADDRESS}
SMS_LINES = frozenset({"mobile", "fixed_line_or_mobile", "voip", None})


@dataclass(frozen=True, slots=True)
class Batch:
    """A batch's cases and what their steps read."""

    cases: dict[int, Case]
    flags: dict[int, compliance.Flags]
    previous: dict[int, str]  # case id -> the previous step's message status
    replied: frozenset[int]  # case ids

    def points(self, case: Case, channel: str, *, tried: Iterable[int] = ()) -> list[ContactPoint]:
        """The case's consumer's points of ``channel`` (sms, email, letter) we may use,
        those consented to first, leaving out ``tried``."""
        skip = set(tried)
        kind = POINT_CHANNEL[channel]
        found = []
        for point in case.consumer.contact_points:
            flags = self.flags[point.id]
            if point.channel is not kind or point.id in skip or flags.do_not_use:
                continue
            if channel != "letter" and flags.opted_out:
                continue
            if channel == "sms" and point.line_type not in SMS_LINES:
                continue
            found.append(point)
        return sorted(found, key=lambda p: not self.flags[p.id].consent)

    def now(self, case: Case) -> CaseNow:
        usable = {c for c in POINT_CHANNEL if self.points(case, c)}
        consented = {
            c
            for c in usable
            if c == "letter" or any(self.flags[p.id].consent for p in self.points(case, c))
        }
        phones = [p for p in case.consumer.contact_points if p.channel is Channel.PHONE]
        if any(not self.flags[p.id].no_calls for p in phones):
            usable.add("call")
            consented.add("call")
        return CaseNow(
            status=case.status.value,
            balance_minor=case.balance.minor,
            usable=frozenset(usable),
            consented=frozenset(consented),
            previous=self.previous.get(case.id),
            replied=case.id in self.replied,
        )


def read_cases(db: Session, case_ids: Sequence[int]) -> Batch:
    """The cases with their consumers, points, clients and the points' flags."""
    query = (
        select(Case)
        .where(Case.id.in_(case_ids))
        .options(
            selectinload(Case.consumer).selectinload(Consumer.contact_points),
            # The consumers' cases too: the gate, asked next, then reads none of them again.
            selectinload(Case.consumer).selectinload(Consumer.cases),
            selectinload(Case.client),
        )
    )
    cases = {case.id: case for case in db.scalars(query)}
    point_ids = [p.id for c in cases.values() for p in c.consumer.contact_points]
    return Batch(cases, compliance.flags_of(db, point_ids), {}, frozenset())


def read(db: Session, enrolments: Sequence[StrategyEnrolment], plans: Plans) -> Batch:
    """``read_cases``, with what the enrolments' steps' conditions read."""
    batch = read_cases(db, [e.case_id for e in enrolments])
    return replace(
        batch, previous=_previous(db, enrolments, plans), replied=_replied(db, enrolments)
    )


def moments(db: Session, case: Case, *, needs_notice: bool) -> Moments:
    """The case's anchors' moments (the notice's only when a step counts from it)."""
    return Moments(
        placed_at=case.placed_at,
        validation_sent_at=compliance.validation_sent_at(db, case=case) if needs_notice else None,
        last_contact_at=case.last_contact_at,
        zones=compliance.consumer_zones(
            db, consumer=case.consumer, points=case.consumer.contact_points
        ),
    )


def _previous(db: Session, enrolments: Sequence[StrategyEnrolment], plans: Plans) -> dict[int, str]:
    """Each case's previous step's last message status (its last attempt's)."""
    wanted = {}
    for e in enrolments:
        if e.version_id is not None and e.step_index > 0:
            wanted[e.case_id] = (e.version_id, plans[e.version_id].steps[e.step_index - 1].key)
    if not wanted:
        return {}
    query = (
        select(
            StrategySend.case_id,
            StrategySend.version_id,
            StrategySend.step_key,
            OutboxMessage.status,
        )
        .join(OutboxMessage, OutboxMessage.id == StrategySend.message_id)
        .where(StrategySend.case_id.in_(wanted))
        .order_by(StrategySend.attempt)
    )
    found: dict[int, str] = {}
    for case_id, version_id, key, status in db.execute(query):
        if wanted.get(case_id) == (version_id, key):
            found[case_id] = status.value
    return found


def _replied(db: Session, enrolments: Sequence[StrategyEnrolment]) -> frozenset[int]:
    started = {e.case_id: e.step_started_at for e in enrolments}
    query = select(InboundMessage.case_id, InboundMessage.received_at).where(
        InboundMessage.case_id.in_(started),
        InboundMessage.meaning == "reply",
        InboundMessage.received_at >= min(started.values()),
    )
    return frozenset(
        case_id
        for case_id, at in db.execute(query)
        if case_id is not None and at >= started[case_id]
    )
