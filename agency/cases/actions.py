"""The agent's actions on a case: call (through the compliance gate), record what the
consumer said, write notes, change the status.

Each action is one function taking the session, the case and the acting user's id; it
updates the facts the gate reads (through ``agency.compliance.service``), the case's
status (through ``agency.cases.status``, so every transition is recorded) and its place
in the queue (``agency.cases.queue``).  Services flush, never commit: the request's one
transaction keeps an action whole or drops it whole.  A refusal is a ``CaseError``
naming the field it is about, or compliance's ``ComplianceError`` whose message starts
with that field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.cases import queue, status
from agency.cases import repository as repo
from agency.cases.errors import CaseError
from agency.cases.models import (
    Callback,
    Case,
    CaseNote,
    CaseStatus,
    Channel,
    CloseReason,
    ContactPoint,
)
from agency.compliance import service as compliance
from agency.compliance.service import Decision, FactKind, LedgerEntry, Outcome, Source
from agency.kit import clock

# What an agent records after a call, and what the ledger knows it as.
AgentOutcome = Literal[
    "no_answer", "voicemail", "wrong_number", "right_party_contact", "conversation"
]
AGENT_OUTCOMES: dict[str, tuple[str, Outcome]] = {
    "no_answer": ("No answer", "no_answer"),
    "voicemail": ("Voicemail", "voicemail"),
    "wrong_number": ("Wrong number", "not_connected"),
    "right_party_contact": ("Right-party contact", "conversation"),
    "conversation": ("Conversation", "conversation"),
}
REACHED = frozenset({"right_party_contact", "conversation"})
RETRY_AFTER_NO_REACH = timedelta(hours=4)
RETRY_AFTER_REACH = timedelta(days=1)
CALLBACK_MAX_DAYS = 30
NOTE_MAX_CHARS = 5000
DISPUTE_HOLD_REASON = "dispute within the validation period: verification required"


# ---- who may act -------------------------------------------------------------------------


def may_work(
    case: Case, *, user_id: int, role: Role, team_id: int | None, now: datetime | None = None
) -> bool:
    """Whether this user may act on ``case``: admins and supervisors on any case, agents
    on cases assigned to them, leased to them, or waiting in their team's shared pool.
    Compliance officers and merchant users only read."""
    if role in (Role.ADMIN, Role.SUPERVISOR):
        return True
    if role is not Role.AGENT:
        return False
    now = now or clock.now()
    if case.assigned_agent_id == user_id:
        return True
    if (
        case.lease_agent_id == user_id
        and case.lease_expires_at is not None
        and case.lease_expires_at > now
    ):
        return True
    return case.assigned_agent_id is None and team_id is not None and case.team_id == team_id


def _open(case: Case) -> None:
    if not case.status.is_open:
        raise CaseError("status", f"the case is {case.status.value}; nothing more can be recorded")


def _release_lease(case: Case, actor_id: int) -> None:
    if case.lease_agent_id == actor_id:
        case.lease_agent_id = case.lease_expires_at = None


# ---- the consumer's calendar -------------------------------------------------------------


def local_today(zones: Sequence[str], now: datetime | None = None) -> date:
    """The earliest calendar date it is now in any of ``zones`` (the cautious "today")."""
    now = now or clock.now()
    return min(now.astimezone(ZoneInfo(zone)).date() for zone in zones)


def start_of_local_day(day: date, zones: Sequence[str]) -> datetime:
    """The instant ``day`` has begun in every one of ``zones``."""
    return max(datetime.combine(day, time(0), ZoneInfo(zone)) for zone in zones).astimezone(UTC)


def _received_at(day: date, zones: Sequence[str], now: datetime) -> datetime:
    """An instant on ``day`` in the consumer's zones for a fact received that day: noon
    local (the same date everywhere they may be), or now if that is still ahead."""
    if day > max(now.astimezone(ZoneInfo(zone)).date() for zone in zones):
        raise CaseError("received", "cannot be in the future")
    noon = datetime.combine(day, time(12), ZoneInfo(zones[0])).astimezone(UTC)
    return min(noon, now)


# ---- calls -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CallResult:
    """The gate's answer to a call: the ledger attempt, the decision, and the number to
    dial — only when the call is allowed."""

    attempt: LedgerEntry
    decision: Decision
    phone: ContactPoint
    number: str | None

    @property
    def allowed(self) -> bool:
        return self.decision.allowed


def place_call(
    db: Session, *, case: Case, actor_id: int, contact_point_id: int | None = None
) -> CallResult:
    """Ask the gate whether the agent may call the consumer about ``case`` now.

    Allowed: the attempt is in the ledger, the number is returned and the case's last
    attempt is stamped.  Blocked: the number is withheld, and the case leaves the queue
    until the gate's next allowed time (for good when waiting cannot help) with the
    rules that blocked it.
    """
    _open(case)
    if contact_point_id is None:
        phones = queue.phones(db, case.consumer_id)  # unmarked numbers first
        if not phones:
            raise CaseError("phone", "this consumer has no phone number")
        phone = phones[0]
    else:
        found = db.get(ContactPoint, contact_point_id)
        if found is None or found.consumer_id != case.consumer_id:
            raise CaseError("phone", "not one of this consumer's numbers")
        if found.channel is not Channel.PHONE:
            raise CaseError("phone", "that contact point is not a phone number")
        phone = found
    result = compliance.gate(
        db,
        consumer_id=case.consumer_id,
        channel="call",
        contact_point_id=phone.id,
        case_ids=[case.id],
        actor_id=actor_id,
        source=Source.AGENT,
    )
    decision = result.decision
    if decision.allowed:
        case.last_attempt_at = result.entry.at
        return CallResult(result.entry, decision, phone, phone.value)
    queue.defer(
        case, until=decision.next_allowed_at or queue.FOREVER, rules=list(decision.blocked_by)
    )
    return CallResult(result.entry, decision, phone, None)


def record_call_outcome(
    db: Session, *, case: Case, actor_id: int, attempt_id: int, outcome: str
) -> LedgerEntry:
    """What became of an allowed call, in the agent's words, written to the ledger in the
    gate's (a wrong number also marks the number "do not use").  The case moves up to
    contacted when the consumer was reached, to active otherwise; the agent's lease ends
    and the case comes back after a retry interval (4 hours without reaching them, the
    next day after reaching them) or when the gate next allows a call, whichever is later.
    """
    if outcome not in AGENT_OUTCOMES:
        raise CaseError("outcome", f"choose one of {', '.join(AGENT_OUTCOMES)}")
    attempt = compliance.attempt(db, attempt_id)
    if attempt is None or attempt.channel != "call" or case.id not in (attempt.case_ids or []):
        raise CaseError("attempt", "not a call about this case")
    if not attempt.allowed:
        raise CaseError("attempt", "that call was blocked; it has no outcome")
    # The phone system's report of a click-to-call (Source.SYSTEM) is no answer: the
    # agent's word follows it and, being later, is the one the gate reads.
    if compliance.attempt_has_outcome(db, attempt_id, source=Source.AGENT):
        raise CaseError("attempt", "its outcome is already recorded")
    ledger_outcome = AGENT_OUTCOMES[outcome][1]
    detail = {"agent_outcome": outcome} if outcome == "right_party_contact" else {}
    entry = compliance.record_outcome(
        db,
        attempt_id=attempt_id,
        outcome=ledger_outcome,
        actor_id=actor_id,
        source=Source.AGENT,
        detail=detail,
    )
    now = clock.now()
    reached = outcome in REACHED
    if outcome == "wrong_number" and attempt.contact_point_id is not None:
        _fact(
            db,
            case=case,
            actor_id=actor_id,
            kind=FactKind.DO_NOT_USE,
            contact_point_id=attempt.contact_point_id,
            detail={"note": "wrong number"},
        )
    if reached:
        case.last_contact_at = now
        status.advance(
            db,
            case=case,
            to=CaseStatus.CONTACTED,
            reason="call: consumer reached",
            by_user_id=actor_id,
        )
    else:
        status.advance(
            db,
            case=case,
            to=CaseStatus.ACTIVE,
            reason=f"call: {AGENT_OUTCOMES[outcome][0].lower()}",
            by_user_id=actor_id,
        )
    _release_lease(case, actor_id)
    retry_at = now + (RETRY_AFTER_REACH if reached else RETRY_AFTER_NO_REACH)
    _requeue(db, case, retry_at)
    case.priority = queue.priority(case)
    return entry


def _requeue(db: Session, case: Case, at: datetime) -> None:
    """Offer ``case`` again from ``at``, or later if the gate would still hold a call."""
    hold = queue.call_hold(db, case, at)
    if hold is None:
        queue.make_workable(case, at=at)
    else:
        queue.defer(case, until=max(hold[0], at), rules=hold[1])


# ---- what the consumer said --------------------------------------------------------------


def record_callback(
    db: Session,
    *,
    case: Case,
    actor_id: int,
    due_at: datetime,
    contact_point_id: int | None = None,
) -> Callback:
    """The consumer asked to be called back at ``due_at`` and agreed to it: a callback,
    and the consumer's direct consent to be called (Reg F 1006.14(b)(3)), recorded as a
    fact so the gate counts it.  The case comes back to the queue at that time, first."""
    _open(case)
    now = clock.now()
    if due_at.tzinfo is None:
        raise CaseError("time", "give the time with its time zone")
    if due_at <= now:
        raise CaseError("time", "must be in the future")
    if due_at > now + timedelta(days=CALLBACK_MAX_DAYS):
        raise CaseError("time", f"at most {CALLBACK_MAX_DAYS} days ahead")
    if contact_point_id is not None:
        point = db.get(ContactPoint, contact_point_id)
        if (
            point is None
            or point.consumer_id != case.consumer_id
            or point.channel is not Channel.PHONE
        ):
            raise CaseError("phone", "not one of this consumer's numbers")
    _fact(
        db,
        case=case,
        actor_id=actor_id,
        kind=FactKind.CALL_CONSENT,
        effective_at=now,
        until=None,
        detail={"note": f"callback requested for {due_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"},
    )
    callback = Callback(
        case_id=case.id,
        due_at=due_at.astimezone(UTC),
        contact_point_id=contact_point_id,
        agent_id=case.assigned_agent_id or actor_id,
        created_by_id=actor_id,
        created_at=now,
    )
    db.add(callback)
    status.advance(
        db, case=case, to=CaseStatus.CONTACTED, reason="callback agreed", by_user_id=actor_id
    )
    case.next_action_at = callback.due_at
    queue.make_workable(case, at=callback.due_at)
    case.priority = queue.priority(case, callback=True)
    _release_lease(case, actor_id)
    db.flush()
    return callback


def record_dispute(db: Session, *, case: Case, actor_id: int, written: bool, received: date) -> str:
    """The consumer disputes the debt.  A written dispute received within the validation
    period stops collection until verification is sent (FDCPA 809(b), 12 CFR
    1006.38(d)(2)): the case goes on hold and out of the queue.  An oral or late dispute
    does not stop collection but marks the debt disputed.  Returns the new status."""
    _open(case)
    zones = compliance.consumer_zones(db, consumer=repo.consumer_of(db, case))
    now = clock.now()
    at = _received_at(received, zones, now)
    _fact(
        db,
        case=case,
        actor_id=actor_id,
        kind=FactKind.DISPUTE,
        effective_at=at,
        detail={"written": written},
    )
    hold = compliance.dispute_hold(db, case=case, written=written, received=received, zones=zones)
    how = "written" if written else "oral"
    if hold is not None:
        if case.status is not CaseStatus.HOLD:
            status.change(
                db, case=case, to=CaseStatus.HOLD, reason=DISPUTE_HOLD_REASON, by_user_id=actor_id
            )
        queue.defer(case, until=queue.FOREVER, rules=[hold])
        return CaseStatus.HOLD.value
    if case.status not in (CaseStatus.DISPUTED, CaseStatus.HOLD):
        status.change(
            db,
            case=case,
            to=CaseStatus.DISPUTED,
            reason=f"{how} dispute received {received.isoformat()}",
            by_user_id=actor_id,
        )
    _release_lease(case, actor_id)
    return case.status.value


def record_cease(db: Session, *, case: Case, actor_id: int, received: date) -> None:
    """A written request to stop communicating, or a refusal to pay (12 CFR 1006.6(c)):
    every channel is blocked from now on; the case goes on hold."""
    _open(case)
    zones = compliance.consumer_zones(db, consumer=repo.consumer_of(db, case))
    _fact(
        db,
        case=case,
        actor_id=actor_id,
        kind=FactKind.CEASE,
        effective_at=_received_at(received, zones, clock.now()),
    )
    _hold(db, case, actor_id, reason="cease communication received", kind=FactKind.CEASE)


def record_attorney(
    db: Session,
    *,
    case: Case,
    actor_id: int,
    name: str,
    phone: str | None = None,
    email: str | None = None,
    address: str | None = None,
) -> None:
    """The consumer is represented by an attorney for this debt (12 CFR 1006.6(b)(2)):
    no more contact with the consumer about it; the case goes on hold."""
    _open(case)
    _fact(
        db,
        case=case,
        actor_id=actor_id,
        kind=FactKind.ATTORNEY,
        detail={"name": name, "phone": phone, "email": email, "address": address},
    )
    _hold(db, case, actor_id, reason="represented by an attorney", kind=FactKind.ATTORNEY)


def _hold(db: Session, case: Case, actor_id: int, *, reason: str, kind: FactKind) -> None:
    """Put ``case`` on hold, out of the queue, under the rule a ``kind`` fact invokes."""
    if case.status is not CaseStatus.HOLD:
        status.change(db, case=case, to=CaseStatus.HOLD, reason=reason, by_user_id=actor_id)
    queue.defer(case, until=queue.FOREVER, rules=[compliance.hold_rule(kind)])


def record_inconvenient_time(
    db: Session,
    *,
    case: Case,
    actor_id: int,
    start: str,
    end: str,
    days: Sequence[int] | None = None,
) -> None:
    """Times the consumer said are inconvenient (local time, ``start`` included, ``end``
    excluded; ``days`` 0 = Monday, None = every day).  The gate blocks them from now on."""
    _open(case)
    _fact(
        db,
        case=case,
        actor_id=actor_id,
        kind=FactKind.INCONVENIENT_TIME,
        detail={"from": start, "to": end, "days": list(days) if days else None},
    )


def record_workplace_restriction(
    db: Session, *, case: Case, actor_id: int, contact_point_id: int
) -> None:
    """The consumer's employer forbids contact at this number or address (12 CFR
    1006.6(b)(3)): it is marked workplace and "do not use"."""
    _open(case)
    _fact(
        db,
        case=case,
        actor_id=actor_id,
        kind=FactKind.WORKPLACE_RESTRICTION,
        contact_point_id=contact_point_id,
    )


def record_wrong_number(db: Session, *, case: Case, actor_id: int, contact_point_id: int) -> None:
    """This number does not reach the consumer: never use it again."""
    _open(case)
    point = db.get(ContactPoint, contact_point_id)
    if point is None or point.consumer_id != case.consumer_id or point.channel is not Channel.PHONE:
        raise CaseError("phone", "not one of this consumer's numbers")
    _fact(
        db,
        case=case,
        actor_id=actor_id,
        kind=FactKind.DO_NOT_USE,
        contact_point_id=contact_point_id,
        detail={"note": "wrong number"},
    )


def record_deceased(db: Session, *, case: Case, actor_id: int) -> None:
    """The consumer has died: the case is closed (deceased); its lease ends."""
    status.change(
        db,
        case=case,
        to=CaseStatus.CLOSED,
        reason="consumer deceased",
        by_user_id=actor_id,
        close_reason=CloseReason.DECEASED,
    )


def record_bankruptcy(db: Session, *, case: Case, actor_id: int) -> None:
    """The consumer filed for bankruptcy: the case is closed (bankruptcy); its lease ends."""
    status.change(
        db,
        case=case,
        to=CaseStatus.CLOSED,
        reason="consumer in bankruptcy",
        by_user_id=actor_id,
        close_reason=CloseReason.BANKRUPTCY,
    )


# ---- notes and status --------------------------------------------------------------------


def add_note(db: Session, *, case: Case, actor_id: int, body: str) -> CaseNote:
    """A note on the case: kept forever, never edited (a correction is a new note)."""
    text = body.strip()
    if not text:
        raise CaseError("note", "write something")
    if len(text) > NOTE_MAX_CHARS:
        raise CaseError("note", f"at most {NOTE_MAX_CHARS} characters ({len(text)} given)")
    note = CaseNote(case_id=case.id, author_id=actor_id, body=text, at=clock.now())
    db.add(note)
    db.flush()
    return note


def change_status(
    db: Session,
    *,
    case: Case,
    actor_id: int,
    to: CaseStatus,
    reason: str,
    close_reason: CloseReason | None = None,
) -> None:
    """A person's decision on the case: close it for a reason that is a judgement, or
    resume collection on a disputed or held case once nothing in force stops it.  A
    status that stands for a fact (disputed, hold, paid, settled, …) comes only from
    recording the fact and is refused here with the way to record it.  A case back in a
    working status is offered by the queue again (the gate still checks each pick)."""
    status.check_decision(case, to, close_reason)
    if to is CaseStatus.ACTIVE:
        standing = compliance.standing_stops(db, case=case)
        if standing:
            raise CaseError("status", f"collection cannot resume while {'; '.join(standing)}")
    was_working = case.status in _WORKING
    status.change(
        db, case=case, to=to, reason=reason, by_user_id=actor_id, close_reason=close_reason
    )
    if to in _WORKING and not was_working:
        queue.make_workable(case)
        case.priority = queue.priority(case)


_WORKING = frozenset({CaseStatus.NEW, CaseStatus.ACTIVE, CaseStatus.CONTACTED, CaseStatus.PROMISE})


def _fact(db: Session, *, case: Case, actor_id: int, **values: Any) -> None:
    """Record a compliance fact about ``case``, said by the agent ``actor_id``."""
    compliance.record_fact(
        db,
        consumer_id=case.consumer_id,
        case_id=case.id,
        actor_id=actor_id,
        source=Source.AGENT,
        **values,
    )
