"""Click-to-call: once the gate has allowed an agent's call, agency asks the phone
system to ring the agent's own phone and, when they answer, bridges them to the
consumer; the call's statuses come back (Twilio's webhooks, or the sandbox playing
them) and its ending is written to the ledger as the attempt's outcome.

- ``start``: the agent's click, for their own allowed attempt about this case; the gate
  is asked again (``compliance.recheck``, which writes nothing), the call is written
  ``queued`` and the job that rings the agent runs after commit.  A second click for
  the same attempt finds that call: one attempt, one call.
- ``claim_ring`` / ``record_rung`` / ``record_ring_failure``: the job's steps
  (``agency.outreach.ringing``).
- ``connect``: the agent answered; the gate is asked once more, and the consumer's
  number is handed to the provider (never in a URL: the webhook names the call by a
  signed token), with how long the call may last — until the consumer's allowed window
  closes, at most ``LONGEST_CALL``.
- ``apply_status`` / ``record_dialed``: the provider's news, for either leg.  Statuses
  only move forward (``RANK``): a late "ringing" never undoes "completed".

The outcome the ledger gets (``compliance.record_outcome``, source ``SYSTEM``) is the
phone system's reading; the agent then records theirs with the case page's outcome form
(right-party contact, conversation, voicemail …), which, being later, is what the gate
reads.  The provider's is not written when the agent's is already there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from agency.auth.permissions import Forbidden
from agency.cases import service as cases_service
from agency.compliance import service as compliance
from agency.config import get_settings
from agency.kit import clock, signed
from agency.outreach import providers
from agency.outreach import repository as repo
from agency.outreach.channels.voice import Ring
from agency.outreach.models import CallStatus, VoiceCall
from agency.worker import enqueue

RING = "agency.outreach.tasks.ring_agent"
PURPOSE = "voice-call"
CONNECT_PATH = "/webhooks/twilio/voice/connect"
DIALED_PATH = "/webhooks/twilio/voice/dialed"
CALL_STATUS_PATH = "/webhooks/twilio/call-status"
# Twilio's longest <Dial timeLimit> (14,400 s); the gate is asked this far ahead.
LONGEST_CALL = timedelta(hours=4)
# A connect link is followed seconds after the call starts; a day is ample.
TOKEN_MAX_AGE_SECONDS = 86_400

RANK: dict[CallStatus, int] = {
    CallStatus.QUEUED: 0,
    CallStatus.RINGING_AGENT: 1,
    CallStatus.CONNECTING: 2,
    CallStatus.IN_PROGRESS: 3,
    CallStatus.COMPLETED: 4,
    CallStatus.NO_ANSWER: 4,
    CallStatus.BUSY: 4,
    CallStatus.FAILED: 4,
    CallStatus.CANCELED: 4,
}
FINAL = frozenset(status for status, rank in RANK.items() if rank == 4)

# Twilio's call statuses (``CallStatus``, ``DialCallStatus``) as ours, per leg.  The
# agent's leg answered means the agent picked up: the consumer is dialled next.  Its
# "completed" depends on how far the call got (``_agent_completed``).
_AGENT_LEG: dict[str, CallStatus] = {
    "queued": CallStatus.RINGING_AGENT,
    "initiated": CallStatus.RINGING_AGENT,
    "ringing": CallStatus.RINGING_AGENT,
    "in-progress": CallStatus.CONNECTING,
    "no-answer": CallStatus.NO_ANSWER,
    "busy": CallStatus.BUSY,
    "failed": CallStatus.FAILED,
    "canceled": CallStatus.CANCELED,
}
_CONSUMER_LEG: dict[str, CallStatus] = {
    "queued": CallStatus.CONNECTING,
    "initiated": CallStatus.CONNECTING,
    "ringing": CallStatus.CONNECTING,
    "in-progress": CallStatus.IN_PROGRESS,
    "answered": CallStatus.IN_PROGRESS,
    "completed": CallStatus.COMPLETED,
    "no-answer": CallStatus.NO_ANSWER,
    "busy": CallStatus.BUSY,
    "failed": CallStatus.FAILED,
    "canceled": CallStatus.CANCELED,
}
# The ledger's outcome for a call's ending, once the consumer's phone may have rung.
# There is no "completed": a bridged call is the closest, a conversation (the agent says
# whether it was the right party, or a voicemail); a busy line was a call placed, so it
# counts as unanswered; the agent hanging up while it rang, too.
_LEDGER_OUTCOME: dict[CallStatus, compliance.Outcome] = {
    CallStatus.COMPLETED: "conversation",
    CallStatus.NO_ANSWER: "no_answer",
    CallStatus.BUSY: "no_answer",
    CallStatus.CANCELED: "no_answer",
    CallStatus.FAILED: "failed",
}


class CallRefused(Exception):
    """The click-to-call cannot be placed; the message says why, to the agent."""


def unavailable(agent_phone: str | None) -> str | None:
    """Why click-to-call cannot ring this agent now, or None when it can."""
    provider = providers.voice_name()
    if provider is None:
        return "Click-to-call is not set up: AGENCY_TWILIO_VOICE_FROM is not configured."
    if provider == "twilio" and not agent_phone:
        return "Add your phone number on your profile to have agency ring it and connect you."
    return None


def call_of_attempt(db: Session, attempt_id: int) -> VoiceCall | None:
    return repo.call_of_attempt(db, attempt_id)


def call_for_update(db: Session, call_id: int) -> VoiceCall | None:
    return repo.call_for_update(db, call_id)


def start(
    db: Session, *, case_id: int, agent_id: int, agent_phone: str | None, attempt_id: int
) -> VoiceCall:
    """Ring the agent for their allowed call attempt ``attempt_id`` about ``case_id``
    (the caller holds the case's row lock, so two clicks wait for each other)."""
    attempt = compliance.attempt(db, attempt_id)
    if attempt is None or attempt.channel != "call" or case_id not in (attempt.case_ids or []):
        raise CallRefused("That is not a call about this case.")
    if attempt.actor_id != agent_id:
        raise Forbidden  # someone else's call: not theirs to connect
    if not attempt.allowed or attempt.contact_point_id is None:
        raise CallRefused("That call was blocked: there is nothing to connect.")
    existing = repo.call_of_attempt(db, attempt_id)
    if existing is not None:
        return existing
    reason = unavailable(agent_phone)
    provider = providers.voice_name()
    if reason is not None or provider is None:
        raise CallRefused(reason or "Click-to-call is not set up.")
    if compliance.attempt_has_outcome(db, attempt_id, source=compliance.Source.AGENT):
        raise CallRefused("That call's outcome is already recorded: press Call to call again.")
    again = compliance.recheck(db, attempt_id=attempt_id, within=LONGEST_CALL)
    if not again.decision.allowed:
        rules = ", ".join(compliance.describe(rule).title for rule in again.decision.blocked_by)
        raise CallRefused(f"The gate no longer allows this call ({rules}).")
    now = clock.now()
    call = VoiceCall(
        case_id=case_id,
        consumer_id=attempt.consumer_id,
        contact_point_id=attempt.contact_point_id,
        attempt_entry_id=attempt_id,
        agent_id=agent_id,
        agent_phone=agent_phone or "",
        status=CallStatus.QUEUED,
        provider=provider,
        created_at=now,
        status_at=now,
    )
    db.add(call)
    db.flush()
    enqueue(db, RING, call.id)
    return call


def connect_token(call_id: int) -> str:
    return signed.sign(PURPOSE, {"call": call_id})


def call_of_token(token: str) -> int:
    """The call a connect or dialled link names; ValueError when the link is not ours."""
    call_id = signed.unsign(PURPOSE, token, max_age_seconds=TOKEN_MAX_AGE_SECONDS).get("call")
    if not isinstance(call_id, int):
        raise ValueError("the link is not valid")
    return call_id


def _public(path: str) -> str:
    return get_settings().public_url.rstrip("/") + path


def connect_url(call_id: int) -> str:
    return _public(f"{CONNECT_PATH}/{connect_token(call_id)}")


def dialed_url(call_id: int) -> str:
    return _public(f"{DIALED_PATH}/{connect_token(call_id)}")


def status_url() -> str:
    return _public(CALL_STATUS_PATH)


# ---- the ringing job's steps ------------------------------------------------------------


def claim_ring(db: Session, call_id: int) -> tuple[str, Ring] | None:
    """The job's first step: a call still ``queued`` is marked ringing (the caller
    commits before asking the provider, so a second job rings nobody)."""
    call = repo.call_for_update(db, call_id)
    if call is None or call.status is not CallStatus.QUEUED:
        return None
    _move(call, CallStatus.RINGING_AGENT)
    ring = Ring(to=call.agent_phone, url=connect_url(call.id), status_callback=status_url())
    return call.provider, ring


def record_rung(db: Session, call_id: int, provider_id: str) -> VoiceCall | None:
    """The provider took the call: its id there, so its status reports find the call."""
    call = repo.call_for_update(db, call_id)
    if call is not None and call.provider_id is None:
        call.provider_id = provider_id[:64]
    return call


def record_ring_failure(db: Session, call_id: int, error: str) -> VoiceCall | None:
    """The provider refused the call: failed, nothing dialled."""
    call = repo.call_for_update(db, call_id)
    if call is not None and call.status not in FINAL:
        _finish(db, call, CallStatus.FAILED, error=error)
    return call


# ---- the agent answered ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Bridge:
    """What to dial once the agent has answered: the consumer's number, from the
    agency's caller id, for at most ``time_limit_seconds``."""

    call_id: int
    number: str
    time_limit_seconds: int


def connect(db: Session, call_id: int, *, provider_call_id: str | None) -> Bridge | None:
    """The agent answered (the provider fetched the connect link).  None: hang up —
    no such call, one already over, or the gate, asked once more, now says no (the call
    fails, nothing dialled)."""
    call = repo.call_for_update(db, call_id)
    if call is None or call.status in FINAL:
        return None
    if call.provider_id is None and provider_call_id:  # the job died before recording it
        call.provider_id = provider_call_id[:64]
    again = compliance.recheck(db, attempt_id=call.attempt_entry_id, within=LONGEST_CALL)
    number = cases_service.phone_number(db, contact_point_id=call.contact_point_id)
    if not again.decision.allowed or number is None:
        rules = ", ".join(again.decision.blocked_by) or "no such number"
        _finish(db, call, CallStatus.FAILED, error=f"not dialled when the agent answered: {rules}")
        return None
    if RANK[call.status] < RANK[CallStatus.CONNECTING]:
        _move(call, CallStatus.CONNECTING)
    limit = LONGEST_CALL
    if again.allowed_until is not None:
        limit = min(limit, again.allowed_until - clock.now())
    return Bridge(call.id, number, max(1, int(limit.total_seconds())))


# ---- the provider's news ----------------------------------------------------------------


def apply_status(
    db: Session,
    *,
    provider: str,
    call_sid: str,
    parent_call_sid: str | None,
    status: str,
    duration_seconds: int | None = None,
) -> VoiceCall | None:
    """A status report of either leg: the agent's (``call_sid`` is the call's provider
    id) or the consumer's (its parent is).  None when no call is known by those ids."""
    if parent_call_sid:
        call = repo.call_by_provider_id(db, provider, parent_call_sid)
        if call is not None and call.consumer_call_id is None:
            call.consumer_call_id = call_sid[:64]
        consumer_leg = True
    else:
        call = repo.call_by_provider_id(db, provider, call_sid)
        consumer_leg = False
    if call is not None:
        _advance(db, call, consumer_leg=consumer_leg, status=status, duration=duration_seconds)
    return call


def record_dialed(
    db: Session, call_id: int, *, status: str, duration_seconds: int | None
) -> VoiceCall | None:
    """How the dial to the consumer ended (``<Dial action>``'s ``DialCallStatus``)."""
    call = repo.call_for_update(db, call_id)
    if call is not None:
        _advance(db, call, consumer_leg=True, status=status, duration=duration_seconds)
    return call


def _advance(
    db: Session, call: VoiceCall, *, consumer_leg: bool, status: str, duration: int | None
) -> None:
    """Move ``call`` forward to what ``status`` means; never back, never past final."""
    if call.status in FINAL:
        return
    if consumer_leg:
        new = _CONSUMER_LEG.get(status)
    elif status == "completed":
        new, duration = _agent_completed(call), None
    else:
        new = _AGENT_LEG.get(status)
    if new is None or RANK[new] <= RANK[call.status]:
        return
    if new in FINAL:
        if new is CallStatus.COMPLETED and duration is None and call.answered_at is not None:
            duration = int((clock.now() - call.answered_at).total_seconds())
        _finish(db, call, new, duration=duration)
    else:
        _move(call, new)


def _agent_completed(call: VoiceCall) -> CallStatus:
    """The agent's leg ended: after the consumer answered, the call is over; before,
    the agent hung up first."""
    return CallStatus.COMPLETED if call.status is CallStatus.IN_PROGRESS else CallStatus.CANCELED


def _move(call: VoiceCall, status: CallStatus) -> None:
    now = clock.now()
    call.status = status
    call.status_at = now
    if status is CallStatus.IN_PROGRESS:
        call.answered_at = now


def _finish(
    db: Session,
    call: VoiceCall,
    status: CallStatus,
    *,
    duration: int | None = None,
    error: str | None = None,
) -> None:
    """The call's ending, and the attempt's outcome in the ledger — unless the agent has
    already recorded theirs.  A call that never reached the dialling of the consumer
    (the agent did not answer, the gate said no at the last moment) did not connect."""
    dialled = RANK[call.status] >= RANK[CallStatus.CONNECTING]
    _move(call, status)
    call.ended_at = call.status_at
    call.duration_seconds = None if duration is None else max(0, duration)
    call.error = None if error is None else error[:500]
    attempt_id = call.attempt_entry_id
    if compliance.attempt_has_outcome(db, attempt_id, source=compliance.Source.AGENT):
        return
    detail: dict[str, object] = {"call": call.id, "call_status": status.value}
    if call.duration_seconds is not None:
        detail["duration_seconds"] = call.duration_seconds
    compliance.record_outcome(
        db,
        attempt_id=attempt_id,
        outcome=_LEDGER_OUTCOME[status] if dialled else "not_connected",
        actor_id=None,
        source=compliance.Source.SYSTEM,
        detail=detail,
    )
