"""What the consumer does on their own page (``/pay/{token}``, payments' self-service),
as cases records it: no user acts, so nothing here takes an actor id.

- a note on the case timeline for each action, with no author: the timeline names
  "the consumer" for a note without one (migration 0021 lets ``author_id`` be null, and
  only this module writes such notes);
- a written dispute: the dispute fact (source ``consumer``) in the ledger, and inside the
  validation period the gate's hold at once, exactly as a staff-recorded written dispute
  (``actions.record_dispute``): the case goes on hold and out of the queue;
- stopping a channel: compliance's facts for each of the consumer's contact points of
  that channel (texts and e-mails: an opt-out, as a STOP reply or the e-mail's link
  records; calls: do not call).

Services flush, never commit."""

from __future__ import annotations

from typing import Literal

from sqlalchemy.orm import Session

from agency.cases import queue, status
from agency.cases.actions import DISPUTE_HOLD_REASON, local_today
from agency.cases.errors import CaseError
from agency.cases.models import Case, CaseNote, CaseStatus, Channel
from agency.cases.repository import self_service as repo
from agency.compliance import service as compliance
from agency.compliance.service import FactKind, Source
from agency.kit import clock

StopChannel = Literal["sms", "email", "call"]
NOTE_PREFIX = "On their page: "
NOTE_MAX_CHARS = 5000
# What stopping each channel records about the points of the kind it reaches.
_STOPS: dict[str, tuple[Channel, FactKind]] = {
    "sms": (Channel.PHONE, FactKind.OPT_OUT),
    "email": (Channel.EMAIL, FactKind.OPT_OUT),
    "call": (Channel.PHONE, FactKind.DO_NOT_CALL),
}


def page_case(db: Session, *, case_id: int, lock: bool = False) -> Case | None:
    """The case a self-service link names, with its consumer, client and contract; locked
    (PostgreSQL), with the consumer's contact points, when the consumer is about to
    change it (``stop_channel`` reads them)."""
    return repo.page_case(db, case_id, lock=lock)


def consumer_note(db: Session, *, case_id: int, body: str) -> CaseNote:
    """A note on the case's timeline saying what the consumer did on their page."""
    text = (NOTE_PREFIX + body.strip())[:NOTE_MAX_CHARS]
    note = CaseNote(case_id=case_id, author_id=None, body=text, at=clock.now())
    db.add(note)
    db.flush()
    return note


def consumer_dispute(db: Session, *, case: Case, reason: str, attachment: str | None) -> bool:
    """The consumer disputes the debt in writing on their page (received now).  Inside
    the validation period the case goes on hold at once (FDCPA 809(b), 12 CFR
    1006.38(d)(2)); outside it the debt is marked disputed.  The reason goes on the
    timeline as the consumer's note.  Returns whether the hold started."""
    if not case.status.is_open:
        raise CaseError("status", f"the case is {case.status.value}")
    consumer = case.consumer
    zones = compliance.consumer_zones(db, consumer=consumer)
    received = local_today(zones)
    compliance.record_fact(
        db,
        consumer_id=case.consumer_id,
        case_id=case.id,
        actor_id=None,
        source=Source.CONSUMER,
        kind=FactKind.DISPUTE,
        effective_at=clock.now(),
        detail={"written": True},
    )
    with_file = f" (with the file {attachment})" if attachment else ""
    consumer_note(db, case_id=case.id, body=f"disputed the debt in writing{with_file}: {reason}")
    hold = compliance.dispute_hold(db, case=case, written=True, received=received, zones=zones)
    if hold is not None:
        if case.status is not CaseStatus.HOLD:
            status.change(
                db, case=case, to=CaseStatus.HOLD, reason=DISPUTE_HOLD_REASON, by_user_id=None
            )
        queue.defer(case, until=queue.FOREVER, rules=[hold])
        return True
    if case.status not in (CaseStatus.DISPUTED, CaseStatus.HOLD):
        status.change(
            db,
            case=case,
            to=CaseStatus.DISPUTED,
            reason=f"written dispute received {received.isoformat()} on the consumer's page",
            by_user_id=None,
        )
    return False


def stop_channel(db: Session, *, case: Case, channel: StopChannel) -> int:
    """The consumer asks us to stop ``channel`` (texts, e-mails or calls): the fact for
    every contact point of theirs that channel reaches, each in the ledger.  Returns how
    many points it covers (none: nothing to record, and no note)."""
    kind_of_point, fact = _STOPS[channel]
    points = [p for p in case.consumer.contact_points if p.channel is kind_of_point]
    for point in points:
        compliance.record_fact(
            db,
            consumer_id=case.consumer_id,
            kind=fact,
            actor_id=None,
            source=Source.CONSUMER,
            contact_point_id=point.id,
            detail={"note": "asked on their self-service page"},
        )
    if points:
        words = {"sms": "texts", "email": "e-mails", "call": "calls"}[channel]
        consumer_note(db, case_id=case.id, body=f"asked us to stop {words}")
    return len(points)
