"""The compliance gate, the contact ledger, the facts and the client policies.

``gate()`` is the one entry point every sending path uses (agent actions, strategy steps,
retries): it locks the consumer's ledger chain, gathers the facts from the database,
asks the pure engine, appends the decision to the ledger and returns it.  Outcomes,
inbound contacts and facts are appended as new entries; nothing here updates or deletes a
ledger row (retention excepted, see ``purge_expired``).  Services flush, never commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from agency.cases.models import Case, Consumer, ContactPoint
from agency.compliance import engine, journal
from agency.compliance import repository as repo
from agency.compliance.chain import Head, seal
from agency.compliance.facts import (
    CHANNELS,
    OUTCOMES,
    POINT_CHANNEL,
    Attempt,
    Attorney,
    CaseFacts,
    Channel,
    Consent,
    ConsumerFacts,
    ContactPointFacts,
    Decision,
    Facts,
    HistoryEvent,
    InconvenientTime,
    Outcome,
    Policy,
)
from agency.compliance.keys import ledger_keys
from agency.compliance.models import (
    ClientPolicy,
    ComplianceFact,
    EntryKind,
    FactKind,
    LedgerCase,
    LedgerEntry,
    LedgerRuleHit,
    Source,
)
from agency.compliance.replies import classify_reply
from agency.kit import clock

CALL_CONSENT_DAYS = 7  # Reg F 1006.14(b)(3): consent given within the past 7 days


class ComplianceError(ValueError):
    """Input the compliance service cannot accept; the message says what and where."""


@dataclass(frozen=True, slots=True)
class Gathered:
    """What ``gather`` read: the engine's facts, the policy version per client, and what
    the ledger write needs (the chain's head)."""

    facts: Facts
    policy_versions: dict[str, int]
    chain_head: Head | None


@dataclass(frozen=True, slots=True)
class GateResult:
    entry: LedgerEntry
    decision: Decision

    @property
    def allowed(self) -> bool:
        return self.decision.allowed


# ---- the gate ----------------------------------------------------------------------------


def gate(
    db: Session,
    *,
    consumer_id: int,
    channel: Channel,
    contact_point_id: int,
    case_ids: Sequence[int],
    actor_id: int | None,
    source: Source,
    automated: bool = False,
    template: str | None = None,
) -> GateResult:
    """Decide whether this contact may happen now, and write the decision to the ledger.

    Every path that would call, text, e-mail or write to a consumer (or report them to a
    bureau) must come through here and act only on ``allowed``.
    """
    repo.lock_chain(db, consumer_id)
    now = clock.now()
    gathered = gather(
        db,
        consumer_id=consumer_id,
        channel=channel,
        contact_point_id=contact_point_id,
        case_ids=case_ids,
        at=now,
        automated=automated,
        template=template,
    )
    decision = engine.evaluate(gathered.facts)
    versions = gathered.policy_versions
    entry = _append(
        db,
        head=gathered.chain_head,
        consumer_id=consumer_id,
        kind=EntryKind.ATTEMPT,
        at=now,
        actor_id=actor_id,
        source=source,
        channel=channel,
        direction="outbound",
        contact_point_id=contact_point_id,
        case_ids=case_ids,
        allowed=decision.allowed,
        blocked_by=list(decision.blocked_by),
        next_allowed_at=decision.next_allowed_at,
        rule_set=decision.rule_set,
        policy_version=_single_version(versions),
        timezones=list(decision.timezones),
        automated=automated,
        template=template,
        detail={"policy_versions": versions} if len(versions) > 1 else {},
    )
    return GateResult(entry=entry, decision=decision)


def what_if(
    db: Session,
    *,
    consumer_id: int,
    channel: Channel,
    contact_point_id: int,
    case_ids: Sequence[int],
    at: datetime,
    automated: bool = False,
    template: str | None = None,
) -> Decision:
    """The decision the gate would give for this contact at ``at``, written nowhere."""
    gathered = gather(
        db,
        consumer_id=consumer_id,
        channel=channel,
        contact_point_id=contact_point_id,
        case_ids=case_ids,
        at=at,
        automated=automated,
        template=template,
    )
    return engine.evaluate(gathered.facts)


@dataclass(frozen=True, slots=True)
class PointDecisions:
    """``what_if_each``'s answer: the cases asked about, as the gate read them, and a
    decision for each contact point."""

    cases: tuple[Case, ...]
    decisions: list[tuple[ContactPoint, Decision]]


def what_if_each(
    db: Session,
    *,
    consumer_id: int,
    channel: Channel,
    case_ids: Sequence[int],
    at: datetime,
) -> PointDecisions:
    """``what_if`` for each of the consumer's contact points that can take ``channel``
    (every phone, for a call), read from the database once: the queue's question
    "could anyone call this consumer now, and if not, when?"."""
    record = _read(db, consumer_id=consumer_id, channel=channel, case_ids=case_ids)
    needed = POINT_CHANNEL.get(channel)
    return PointDecisions(
        cases=record.cases,
        decisions=[
            (point, engine.evaluate(_facts(record, point=point, channel=channel, at=at)))
            for point in record.consumer.contact_points
            if needed is None or point.channel.value == needed
        ],
    )


@dataclass(frozen=True, slots=True)
class _Record:
    """What the gate reads of one consumer for a contact about some of their cases,
    whichever contact point it would go to."""

    consumer: Consumer
    consumer_facts: ConsumerFacts
    cases: tuple[Case, ...]
    live: list[ComplianceFact]
    policy: Policy
    policy_versions: dict[str, int]
    history: list[HistoryEvent]
    chain_head: Head | None


def _read(db: Session, *, consumer_id: int, channel: Channel, case_ids: Sequence[int]) -> _Record:
    if channel not in (*CHANNELS, "credit_report"):
        raise ComplianceError(f"channel: {channel!r} is not one of {', '.join(CHANNELS)}")
    consumer = repo.consumer_with_points_and_cases(db, consumer_id)
    cases = {case.id: case for case in consumer.cases}
    if not case_ids:
        raise ComplianceError("cases: name at least one case the contact is about")
    unknown = [case_id for case_id in case_ids if case_id not in cases]
    if unknown:
        raise ComplianceError(f"cases: {unknown[0]} is not one of this consumer's cases")
    policies = repo.policy_versions(db, sorted({cases[c].client_id for c in case_ids}))
    ledger = repo.consumer_ledger(db, consumer_id)
    live = _live_facts(repo.facts_of(db, consumer_id))
    history = _history(ledger)
    inbound_points = {e.contact_point for e in history if e.direction == "inbound"}
    return _Record(
        consumer=consumer,
        consumer_facts=_consumer_facts(consumer, consumer.contact_points, live, inbound_points),
        cases=tuple(cases[c] for c in case_ids),
        live=live,
        policy=strictest(policy_from_values(p.values) for p in policies),
        policy_versions={str(p.client_id): p.version for p in policies},
        history=history,
        chain_head=Head(seq=ledger[-1].seq, hash=ledger[-1].hash) if ledger else None,
    )


def _facts(
    record: _Record,
    *,
    point: ContactPoint,
    channel: Channel,
    at: datetime,
    automated: bool = False,
    template: str | None = None,
) -> Facts:
    """The engine's facts for a contact through ``point`` at ``at``."""
    needed = POINT_CHANNEL.get(channel)
    if needed is not None and point.channel.value != needed:
        raise ComplianceError(
            f"contact point: cannot send {channel} to a {point.channel.value} contact point"
        )
    case_ids = [case.id for case in record.cases]
    return Facts(
        consumer=record.consumer_facts,
        cases=tuple(_case_facts(case, record.live, at) for case in record.cases),
        attempt=Attempt(
            at=at,
            channel=channel,
            contact_point=str(point.id),
            case_ids=tuple(str(c) for c in case_ids),
            automated=automated,
            template=template,
        ),
        now=at,
        history=tuple(record.history),
        consents=tuple(_consents(record.live, consumer_cases=case_ids)),
        policy=record.policy,
    )


def gather(
    db: Session,
    *,
    consumer_id: int,
    channel: Channel,
    contact_point_id: int,
    case_ids: Sequence[int],
    at: datetime,
    automated: bool,
    template: str | None,
) -> Gathered:
    """The engine's facts for one proposed contact, from the database."""
    record = _read(db, consumer_id=consumer_id, channel=channel, case_ids=case_ids)
    point = next((p for p in record.consumer.contact_points if p.id == contact_point_id), None)
    if point is None:
        raise ComplianceError("contact point: not one of this consumer's")
    facts = _facts(
        record, point=point, channel=channel, at=at, automated=automated, template=template
    )
    return Gathered(
        facts=facts,
        policy_versions=record.policy_versions,
        chain_head=record.chain_head,
    )


def _live_facts(recorded: Sequence[ComplianceFact]) -> list[ComplianceFact]:
    """The facts still in force: those not ended by a later ``withdrawn``."""
    withdrawn = {int(f.detail["fact_id"]) for f in recorded if f.kind is FactKind.WITHDRAWN}
    return [f for f in recorded if f.kind is not FactKind.WITHDRAWN and f.id not in withdrawn]


def _consumer_facts(
    consumer: Consumer,
    points: Sequence[ContactPoint],
    live: Sequence[ComplianceFact],
    inbound_points: set[str | None],
) -> ConsumerFacts:
    revoked: dict[int, datetime] = {}
    for fact in live:  # in order: a later consent or opt-in ends a revocation
        if fact.contact_point_id is None:
            continue
        if fact.kind is FactKind.CONSENT_REVOKED:
            revoked[fact.contact_point_id] = fact.effective_at
        elif fact.kind in (FactKind.AUTOMATED_CONSENT, FactKind.OPT_IN):
            revoked.pop(fact.contact_point_id, None)
    attorney = next((f for f in reversed(live) if f.kind is FactKind.ATTORNEY), None)
    cease = next((f for f in live if f.kind is FactKind.CEASE), None)
    stated = consumer.stated_timezone
    return ConsumerFacts(
        country=consumer.country,
        region=consumer.region,
        postal_code=consumer.postal_code,
        stated_timezone=stated,
        attorney=None
        if attorney is None
        else Attorney(
            name=attorney.detail.get("name"),
            phone=attorney.detail.get("phone"),
            email=attorney.detail.get("email"),
            address=attorney.detail.get("address"),
            case_ids=None if attorney.case_id is None else (str(attorney.case_id),),
        ),
        cease_received_at=None if cease is None else cease.effective_at,
        inconvenient_times=tuple(
            _inconvenient(f.detail) for f in live if f.kind is FactKind.INCONVENIENT_TIME
        ),
        contact_points=tuple(
            ContactPointFacts(
                id=str(p.id),
                channel=p.channel.value,
                value=p.value,
                kind=p.kind,
                consent=p.consent,
                opted_out=p.opted_out,
                do_not_call=p.do_not_call,
                do_not_use=p.do_not_use,
                workplace=p.workplace,
                consent_revoked_at=revoked.get(p.id),
                used_by_consumer=str(p.id) in inbound_points,
            )
            for p in points
        ),
        timezones=tuple(sorted({*consumer.timezones, *([stated] if stated else [])})) or None,
    )


def _inconvenient(detail: Mapping[str, Any]) -> InconvenientTime:
    days = detail.get("days")
    return InconvenientTime(
        start=time.fromisoformat(detail["from"]),
        end=time.fromisoformat(detail["to"]),
        days=None if days is None else frozenset(int(d) for d in days),
    )


def _case_facts(case: Case, live: Sequence[ComplianceFact], at: datetime) -> CaseFacts:
    mine = [f for f in live if f.case_id == case.id]
    validation = [f.effective_at for f in mine if f.kind is FactKind.VALIDATION_SENT]
    dispute = next((f for f in reversed(mine) if f.kind is FactKind.DISPUTE), None)
    verification = [
        f.effective_at
        for f in mine
        if f.kind is FactKind.VERIFICATION_SENT and (dispute is None or f.id > dispute.id)
    ]
    limitation = case.statute_of_limitations_date
    return CaseFacts(
        id=str(case.id),
        validation_sent_at=min(validation) if validation else None,
        disputed_at=None if dispute is None else dispute.effective_at,
        dispute_written=bool(dispute is not None and dispute.detail.get("written")),
        verification_sent_at=min(verification) if verification else None,
        time_barred=limitation is not None and limitation < at.date(),
    )


def _consents(live: Sequence[ComplianceFact], *, consumer_cases: Sequence[int]) -> list[Consent]:
    consents = []
    for fact in live:
        if fact.kind is FactKind.CALL_CONSENT:
            about = (fact.case_id,) if fact.case_id is not None else tuple(consumer_cases)
            consents.append(
                Consent(
                    at=fact.effective_at, case_ids=tuple(str(c) for c in about), until=fact.until
                )
            )
    return consents


def _history(rows: Sequence[Any]) -> list[HistoryEvent]:
    """Contact history from the ledger: each allowed attempt with its latest outcome (an
    attempt with no outcome yet counts as connected: a call as unanswered, a message as
    delivered — the cautious reading), and the consumer's inbound contacts."""
    outcomes: dict[int, Outcome] = {}
    for row in rows:
        if row.kind is EntryKind.OUTCOME and row.attempt_id is not None:
            outcomes[row.attempt_id] = row.outcome
    events = []
    for row in rows:
        if row.kind not in (EntryKind.ATTEMPT, EntryKind.INBOUND) or row.allowed is False:
            continue  # outcomes are read with their attempt; blocked attempts never happened
        if row.kind is EntryKind.ATTEMPT:
            default = "no_answer" if row.channel == "call" else "delivered"
            outcome = outcomes.get(row.id, default)
        else:
            outcome = row.outcome or ("conversation" if row.channel == "call" else "delivered")
        outcome = cast(Outcome, outcome)
        if row.channel not in CHANNELS:
            continue  # credit reporting is not contact history
        events.append(
            HistoryEvent(
                at=row.at,
                channel=row.channel,
                direction=row.direction or "outbound",
                contact_point=None if row.contact_point_id is None else str(row.contact_point_id),
                case_ids=tuple(str(c) for c in row.case_ids),
                outcome=outcome,
            )
        )
    return events


# ---- outcomes, inbound contacts, facts ---------------------------------------------------


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
    attempt = repo.entry(db, attempt_id)
    if attempt.kind is not EntryKind.ATTEMPT or not attempt.allowed:
        raise ComplianceError("attempt: only an allowed attempt can have an outcome")
    repo.lock_chain(db, attempt.consumer_id)
    return _append(
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
        detail=dict(detail or {}),
    )


def record_inbound(
    db: Session,
    *,
    consumer_id: int,
    channel: Channel,
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
    entry = _append(
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
    point = None
    if kind in _POINT_FACTS:
        if contact_point_id is None:
            raise ComplianceError(f"contact point: a {kind.value} fact needs one")
        point = db.get(ContactPoint, contact_point_id)
        if point is None or point.consumer_id != consumer_id:
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
    if point is not None:
        _apply_to_point(point, kind, effective_at)
    if withdrawn is not None and withdrawn.contact_point_id is not None:
        withdrawn_point = db.get(ContactPoint, withdrawn.contact_point_id)
        if withdrawn_point is not None:
            _undo_on_point(withdrawn_point, withdrawn.kind)
    _append(
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
    return {key: value for key, value in detail.items() if key in ("from_entry", "note")}


def _apply_to_point(point: ContactPoint, kind: FactKind, at: datetime) -> None:
    if kind is FactKind.AUTOMATED_CONSENT:
        point.consent, point.consent_at = True, at
    elif kind is FactKind.CONSENT_REVOKED:
        point.consent = False
    elif kind is FactKind.OPT_OUT:
        point.opted_out = True
    elif kind is FactKind.OPT_IN:
        point.opted_out = False
    elif kind is FactKind.DO_NOT_CALL:
        point.do_not_call = True
    elif kind is FactKind.DO_NOT_USE:
        point.do_not_use = True
    elif kind is FactKind.WORKPLACE_RESTRICTION:
        point.workplace, point.do_not_use = True, True


def _undo_on_point(point: ContactPoint, kind: FactKind) -> None:
    if kind is FactKind.DO_NOT_CALL:
        point.do_not_call = False
    elif kind in (FactKind.DO_NOT_USE, FactKind.WORKPLACE_RESTRICTION):
        point.do_not_use = False
    elif kind is FactKind.OPT_OUT:
        point.opted_out = False


def _check_case_ids(db: Session, consumer_id: int, case_ids: Iterable[int]) -> None:
    mine = {case.id for case in repo.consumer_cases(db, consumer_id)}
    for case_id in case_ids:
        if case_id not in mine:
            raise ComplianceError(f"cases: {case_id} is not one of this consumer's cases")


# ---- client policies ---------------------------------------------------------------------

_POLICY_FIELDS = {f.name: f for f in fields(Policy)}
DEFAULT_POLICY = Policy()


def policy_from_values(values: Mapping[str, Any]) -> Policy:
    """A Policy from stored values (only what differs from the defaults is stored)."""
    changes: dict[str, Any] = {}
    for name, value in values.items():
        if name not in _POLICY_FIELDS:
            continue  # a field a later rule set removed
        default = getattr(DEFAULT_POLICY, name)
        changes[name] = time.fromisoformat(value) if isinstance(default, time) else value
    return replace(DEFAULT_POLICY, **changes)


def strictest(policies: Iterable[Policy]) -> Policy:
    """One policy for a contact about several clients' debts: the strictest value of each
    parameter (a cap's minimum, a window's narrowest hours, a block if any blocks)."""
    result: Policy | None = None
    for policy in policies:
        if result is None:
            result = policy
            continue
        merged: dict[str, Any] = {}
        for name in _POLICY_FIELDS:
            mine, theirs = getattr(result, name), getattr(policy, name)
            if isinstance(mine, bool):
                merged[name] = mine or theirs
            elif name.endswith("_start"):
                merged[name] = max(mine, theirs)
            else:  # caps and window ends: the smaller is stricter
                merged[name] = min(mine, theirs)
        result = Policy(**merged)
    return result or DEFAULT_POLICY


def parse_policy_values(raw: Mapping[str, str]) -> dict[str, Any]:
    """Form values → the differences from the defaults; ComplianceError names the field."""
    values: dict[str, Any] = {}
    for name, default in ((n, getattr(DEFAULT_POLICY, n)) for n in _POLICY_FIELDS):
        given = raw.get(name)
        if given is None:
            if isinstance(default, bool):
                given = "false"
            else:
                continue
        given = str(given).strip()
        value: Any
        if isinstance(default, bool):
            value = given.lower() in ("true", "on", "1", "yes")
        elif isinstance(default, int):
            if not given.isdigit() or not 0 <= int(given) <= 100:
                raise ComplianceError(f"{name}: a whole number from 0 to 100")
            value = int(given)
        else:
            try:
                value = time.fromisoformat(given).strftime("%H:%M")
            except ValueError:
                raise ComplianceError(f"{name}: a time, HH:MM") from None
        default_text = default.strftime("%H:%M") if isinstance(default, time) else default
        if value != default_text:
            values[name] = value
    if "uk_hours_start" in values or "uk_hours_end" in values:
        start = values.get("uk_hours_start", DEFAULT_POLICY.uk_hours_start.strftime("%H:%M"))
        end = values.get("uk_hours_end", DEFAULT_POLICY.uk_hours_end.strftime("%H:%M"))
        if start >= end:
            raise ComplianceError("uk_hours_end: must be after uk_hours_start")
    return values


def set_policy(
    db: Session, *, client_id: int, values: Mapping[str, Any], reason: str, actor_id: int | None
) -> ClientPolicy:
    """A new version of the client's policy (the old ones stay), recorded in the ledger."""
    reason = reason.strip()
    if not reason:
        raise ComplianceError("reason: say why the policy changes")
    unknown = sorted(set(values) - set(_POLICY_FIELDS))
    if unknown:
        raise ComplianceError(f"{unknown[0]}: not a policy parameter")
    history = repo.policy_history(db, client_id)
    version = ClientPolicy(
        client_id=client_id,
        version=(history[0].version + 1) if history else 1,
        values=dict(values),
        reason=reason[:2000],
        changed_by_id=actor_id,
        changed_at=clock.now(),
    )
    db.add(version)
    db.flush()
    repo.lock_chain(db, None)
    _append(
        db,
        head=repo.chain_head(db, None),
        consumer_id=None,
        kind=EntryKind.POLICY,
        at=version.changed_at,
        actor_id=actor_id,
        source=Source.OFFICER,
        policy_version=version.version,
        detail={"client_id": client_id, "values": dict(values), "reason": version.reason},
    )
    return version


def current_policy(db: Session, client_id: int) -> tuple[Policy, int | None]:
    versions = repo.policy_versions(db, [client_id])
    if not versions:
        return DEFAULT_POLICY, None
    return policy_from_values(versions[0].values), versions[0].version


def _single_version(versions: Mapping[str, int]) -> int | None:
    return next(iter(versions.values())) if len(versions) == 1 else None


# ---- the chain ---------------------------------------------------------------------------


def _append(
    db: Session,
    *,
    head: Head | None,
    consumer_id: int | None,
    kind: EntryKind,
    at: datetime,
    actor_id: int | None,
    source: Source,
    case_ids: Sequence[int] = (),
    blocked_by: Sequence[str] = (),
    **values: Any,
) -> LedgerEntry:
    """Append one entry to its chain, sealed with the current ledger key.  The caller
    holds the chain's lock and gives the chain's head (``head``, None for a new chain).
    The entry's search rows (``LedgerCase``, ``LedgerRuleHit``) are written by the
    database as it is inserted (migration 0004); once the transaction commits, the new
    head goes to the journal outside the database (``journal``)."""
    entry = LedgerEntry(
        consumer_id=consumer_id,
        kind=kind,
        at=at,
        recorded_at=clock.now(),
        actor_id=actor_id,
        source=source,
        case_ids=[int(c) for c in case_ids],
        blocked_by=list(blocked_by),
        allowed=values.pop("allowed", None),
        next_allowed_at=values.pop("next_allowed_at", None),
        timezones=values.pop("timezones", []),
        automated=values.pop("automated", False),
        detail=values.pop("detail", {}),
        prev_hash=None if head is None else head.hash,
        seq=1 if head is None else head.seq + 1,
        **values,
    )
    seal(entry, ledger_keys())
    db.add(entry)
    db.flush()
    journal.note(db, entry)
    return entry


def purge_expired(db: Session) -> int:
    """Retention (US-REGF-RECORDS): remove the ledger and facts of consumers whose cases
    are all closed and whose last activity is older than their jurisdiction's period
    (3 years; Washington 4).  Each removal is recorded in the system chain with the
    removed chain's head, which accounts for the chain in later verifications against
    checkpoints.  Returns the number of consumers purged."""
    now = clock.now()
    cutoffs = {years: now - timedelta(days=365 * years + years // 4) for years in (3, 4, 5, 6, 7)}
    consumer_ids = repo.expired_consumers(db, before_by_years=cutoffs)
    if not consumer_ids:
        return 0
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SET LOCAL agency.ledger_retention = 'on'"))
    repo.lock_chain(db, None)
    for consumer_id in consumer_ids:
        repo.lock_chain(db, consumer_id)
        removed = repo.chain_head(db, consumer_id)
        count = db.scalar(select(func.count()).where(LedgerEntry.consumer_id == consumer_id))
        entry_ids = select(LedgerEntry.id).where(LedgerEntry.consumer_id == consumer_id)
        db.execute(delete(LedgerCase).where(LedgerCase.entry_id.in_(entry_ids)))
        db.execute(delete(LedgerRuleHit).where(LedgerRuleHit.entry_id.in_(entry_ids)))
        db.execute(delete(LedgerEntry).where(LedgerEntry.consumer_id == consumer_id))
        db.execute(delete(ComplianceFact).where(ComplianceFact.consumer_id == consumer_id))
        _append(
            db,
            head=repo.chain_head(db, None),
            consumer_id=None,
            kind=EntryKind.PURGE,
            at=now,
            actor_id=None,
            source=Source.SYSTEM,
            detail={
                "consumer_id": consumer_id,
                "entries": count or 0,
                "head_seq": None if removed is None else removed.seq,
                "head_hash": None if removed is None else removed.hash,
            },
        )
    return len(consumer_ids)
