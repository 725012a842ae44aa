"""Recording what happened: an attempt's outcome, the consumer's inbound contact, and
the facts the contact rules use (consent, revocation, dispute, attorney …).  Each is a
new ledger entry; nothing here edits one.  Services flush, never commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from agency.compliance import point_flags
from agency.compliance import repository as repo
from agency.compliance.errors import ComplianceError
from agency.compliance.facts import OUTCOMES, WITHDRAWN, AttemptChannel, Outcome
from agency.compliance.ledger import append
from agency.compliance.models import ComplianceFact, EntryKind, FactKind, LedgerEntry, Source
from agency.compliance.replies import classify_reply
from agency.kit import clock

CALL_CONSENT_DAYS = 7  # Reg F 1006.14(b)(3): consent given within the past 7 days


def record_outcome(
    db: Session,
    *,
    attempt_id: int,
    outcome: Outcome,
    actor_id: int | None,
    source: Source,
    detail: Mapping[str, Any] | None = None,
) -> LedgerEntry:
    """Append what became of an allowed attempt (never edits the attempt itself)."""
    if outcome not in OUTCOMES:
        raise ComplianceError(f"outcome: {outcome!r} is not one of {', '.join(OUTCOMES)}")
    return _outcome_of(
        db,
        attempt_id,
        outcome=outcome,
        actor_id=actor_id,
        source=source,
        detail=dict(detail or {}),
    )


def withdraw(
    db: Session,
    *,
    attempt_id: int,
    blocked_by: Sequence[str],
    next_allowed_at: datetime | None,
    source: Source,
) -> LedgerEntry:
    """Take back an allowed attempt before anything left: the gate, asked again at send
    time (``gate.recheck``), blocks it by ``blocked_by``.  Written as the attempt's
    outcome, so the attempt no longer counts in the consumer's history."""
    return _outcome_of(
        db,
        attempt_id,
        outcome=WITHDRAWN,
        actor_id=None,
        source=source,
        detail={},
        blocked_by=sorted(blocked_by),
        next_allowed_at=next_allowed_at,
    )


def _outcome_of(
    db: Session,
    attempt_id: int,
    *,
    outcome: str,
    actor_id: int | None,
    source: Source,
    **values: Any,
) -> LedgerEntry:
    """Append an outcome entry on the allowed attempt ``attempt_id``'s chain."""
    attempt = repo.entry(db, attempt_id)
    if attempt.kind is not EntryKind.ATTEMPT or not attempt.allowed:
        raise ComplianceError("attempt: only an allowed attempt can have an outcome")
    repo.lock_chain(db, attempt.consumer_id)
    return append(
        db,
        head=repo.chain_head(db, attempt.consumer_id),
        consumer_id=attempt.consumer_id,
        kind=EntryKind.OUTCOME,
        at=clock.now(),
        actor_id=actor_id,
        source=source,
        channel=attempt.channel,
        direction=attempt.direction,
        contact_point_id=attempt.contact_point_id,
        case_ids=attempt.case_ids,
        attempt_id=attempt.id,
        outcome=outcome,
        **values,
    )


def record_inbound(
    db: Session,
    *,
    consumer_id: int,
    channel: AttemptChannel,
    contact_point_id: int | None,
    case_ids: Sequence[int],
    outcome: Outcome,
    actor_id: int | None,
    source: Source = Source.CONSUMER,
    reply_text: str | None = None,
) -> LedgerEntry:
    """The consumer reached us.  A text reply is read for revocation (STOP in any
    wording, US-TCPA-REVOKE) or opt-in (START); the wording itself is not kept."""
    repo.lock_chain(db, consumer_id)
    _check_case_ids(db, consumer_id, case_ids)
    reading = classify_reply(reply_text) if reply_text else None
    entry = append(
        db,
        head=repo.chain_head(db, consumer_id),
        consumer_id=consumer_id,
        kind=EntryKind.INBOUND,
        at=clock.now(),
        actor_id=actor_id,
        source=source,
        channel=channel,
        direction="inbound",
        contact_point_id=contact_point_id,
        case_ids=case_ids,
        outcome=outcome,
        detail={"reply": reading} if reading else {},
    )
    if reading is not None and contact_point_id is not None:
        kinds = (
            (FactKind.CONSENT_REVOKED, FactKind.OPT_OUT)
            if reading == "revoke"
            else (FactKind.OPT_IN,)
        )
        for kind in kinds:
            record_fact(
                db,
                consumer_id=consumer_id,
                kind=kind,
                actor_id=actor_id,
                source=Source.CONSUMER,
                contact_point_id=contact_point_id,
                detail={"from_entry": entry.id},
            )
    return entry


_POINT_FACTS = {
    FactKind.AUTOMATED_CONSENT,
    FactKind.CONSENT_REVOKED,
    FactKind.OPT_OUT,
    FactKind.OPT_IN,
    FactKind.DO_NOT_CALL,
    FactKind.DO_NOT_USE,
    FactKind.WORKPLACE_RESTRICTION,
}
_CASE_FACTS = {FactKind.DISPUTE, FactKind.VERIFICATION_SENT, FactKind.VALIDATION_SENT}


def record_fact(
    db: Session,
    *,
    consumer_id: int,
    kind: FactKind,
    actor_id: int | None,
    source: Source,
    case_id: int | None = None,
    contact_point_id: int | None = None,
    effective_at: datetime | None = None,
    until: datetime | None = None,
    detail: Mapping[str, Any] | None = None,
) -> ComplianceFact:
    """Record a fact the contact rules use, with who/when/source, keep the contact
    point's flags in step, and append the event to the ledger."""
    now = clock.now()
    effective_at = effective_at or now
    if effective_at > now + timedelta(minutes=5):
        raise ComplianceError("effective date: cannot be in the future")
    values = _checked_detail(kind, dict(detail or {}))
    if kind in _POINT_FACTS and contact_point_id is None:
        raise ComplianceError(f"contact point: a {kind.value} fact needs one")
    if contact_point_id is not None and not repo.is_point_of(
        db, consumer_id=consumer_id, point_id=contact_point_id
    ):
        raise ComplianceError("contact point: not one of this consumer's")
    if kind in _CASE_FACTS and case_id is None:
        raise ComplianceError(f"case: a {kind.value} fact needs one")
    if case_id is not None:
        _check_case_ids(db, consumer_id, [case_id])
    if kind is FactKind.CALL_CONSENT:
        until = until or effective_at + timedelta(days=CALL_CONSENT_DAYS)
        if until <= effective_at:
            raise ComplianceError("until: must be after the consent was given")
    withdrawn = None
    if kind is FactKind.WITHDRAWN:
        withdrawn = db.get(ComplianceFact, int(values["fact_id"]))
        if withdrawn is None or withdrawn.consumer_id != consumer_id:
            raise ComplianceError("fact: there is no such fact for this consumer")
        if withdrawn.kind is FactKind.WITHDRAWN:
            raise ComplianceError("fact: a withdrawal cannot be withdrawn")
    repo.lock_chain(db, consumer_id)
    fact = ComplianceFact(
        consumer_id=consumer_id,
        kind=kind,
        case_id=case_id,
        contact_point_id=contact_point_id,
        effective_at=effective_at,
        until=until,
        detail=values,
        source=source,
        recorded_by_id=actor_id,
        recorded_at=now,
    )
    db.add(fact)
    db.flush()
    if kind in _POINT_FACTS and contact_point_id is not None:
        point_flags.apply(db, point_id=contact_point_id, kind=kind, at=effective_at)
    if withdrawn is not None and withdrawn.contact_point_id is not None:
        point_flags.undo(db, point_id=withdrawn.contact_point_id, kind=withdrawn.kind)
    append(
        db,
        head=repo.chain_head(db, consumer_id),
        consumer_id=consumer_id,
        kind=EntryKind.FACT,
        at=effective_at,
        actor_id=actor_id,
        source=source,
        contact_point_id=contact_point_id,
        case_ids=[case_id] if case_id is not None else [],
        fact_id=fact.id,
        detail={
            "fact": kind.value,
            **values,
            **({"until": until.isoformat()} if until else {}),
        },
    )
    return fact


def _checked_detail(kind: FactKind, detail: dict[str, Any]) -> dict[str, Any]:
    if kind is FactKind.DISPUTE:
        return {"written": bool(detail.get("written"))}
    if kind is FactKind.ATTORNEY:
        values = {
            key: str(detail[key]).strip()[:200]
            for key in ("name", "phone", "email", "address")
            if detail.get(key) and str(detail[key]).strip()
        }
        if not values.get("name"):
            raise ComplianceError("attorney name: required")
        if not (values.get("phone") or values.get("email") or values.get("address")):
            raise ComplianceError("attorney: give a phone, an e-mail or an address")
        return values
    if kind is FactKind.INCONVENIENT_TIME:
        try:
            start = time.fromisoformat(str(detail.get("from")))
            end = time.fromisoformat(str(detail.get("to")))
        except ValueError:
            raise ComplianceError("inconvenient time: from and to are times, HH:MM") from None
        if start == end:
            raise ComplianceError("inconvenient time: from and to must differ")
        days = detail.get("days")
        if days is not None:
            if not days or any(not isinstance(d, int) or not 0 <= d <= 6 for d in days):
                raise ComplianceError("inconvenient time: days are 0 (Monday) to 6 (Sunday)")
            days = sorted(set(days))
        return {"from": start.strftime("%H:%M"), "to": end.strftime("%H:%M"), "days": days}
    if kind is FactKind.WITHDRAWN:
        if not str(detail.get("fact_id", "")).isdigit():
            raise ComplianceError("fact: name the fact that is withdrawn")
        return {"fact_id": int(detail["fact_id"])}
    if kind is FactKind.CEASE:
        return {"written": True}
    if kind is FactKind.VALIDATION_SENT:
        return _validation_detail(detail)
    return {key: value for key, value in detail.items() if key in ("from_entry", "note")}


# What a validation notice's fact keeps: the dates the notice printed, the message it
# went out as, and how.
_VALIDATION_DATES = ("sent_on", "validation_end")
_VALIDATION_CHANNELS = ("letter", "email")


def _validation_detail(detail: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key in _VALIDATION_DATES:
        if detail.get(key) is not None:
            try:
                values[key] = date.fromisoformat(str(detail[key])).isoformat()
            except ValueError:
                raise ComplianceError(f"{key.replace('_', ' ')}: not a date") from None
    if detail.get("channel") is not None:
        if detail["channel"] not in _VALIDATION_CHANNELS:
            raise ComplianceError("channel: a validation notice goes by letter or e-mail")
        values["channel"] = detail["channel"]
    if str(detail.get("message", "")).isdigit():
        values["message"] = int(detail["message"])
    if detail.get("note"):
        values["note"] = str(detail["note"]).strip()[:200]
    return values


def _check_case_ids(db: Session, consumer_id: int, case_ids: Iterable[int]) -> None:
    mine = {case.id for case in repo.consumer_cases(db, consumer_id)}
    for case_id in case_ids:
        if case_id not in mine:
            raise ComplianceError(f"cases: {case_id} is not one of this consumer's cases")
