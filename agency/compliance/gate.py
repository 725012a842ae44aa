"""The compliance gate: ``gate()`` is the one entry point every sending path uses (agent
actions, strategy steps, retries).  It locks the consumer's ledger chain, gathers the
facts from the database (``gather``), asks the pure engine, appends the decision to the
ledger and returns it.  ``what_if`` and ``what_if_each`` ask the same question and write
nothing.  Services flush, never commit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy.orm import Session

from agency.compliance import engine, gather
from agency.compliance import repository as repo
from agency.compliance.chain import Head
from agency.compliance.errors import ComplianceError
from agency.compliance.facts import POINT_CHANNEL, AttemptChannel, Decision
from agency.compliance.ledger import append_many
from agency.compliance.models import EntryKind, LedgerEntry, Source
from agency.compliance.templates import Template
from agency.kit import clock

if TYPE_CHECKING:
    from agency.cases.models import Case, ContactPoint


@dataclass(frozen=True, slots=True)
class GateResult:
    entry: LedgerEntry
    decision: Decision

    @property
    def allowed(self) -> bool:
        return self.decision.allowed


def gate(
    db: Session,
    *,
    consumer_id: int,
    channel: AttemptChannel,
    contact_point_id: int,
    case_ids: Sequence[int],
    actor_id: int | None,
    source: Source,
    automated: bool = False,
    template: str | Template | None = None,
) -> GateResult:
    """Decide whether this contact may happen now, and write the decision to the ledger.

    Every path that would call, text, e-mail or write to a consumer (or report them to a
    bureau) must come through here and act only on ``allowed``.
    """
    repo.lock_chain(db, consumer_id)
    now = clock.now()
    gathered = gather.gather(
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
    ask = GateAsk(
        consumer_id=consumer_id,
        channel=channel,
        contact_point_id=contact_point_id,
        case_ids=case_ids,
        actor_id=actor_id,
        source=source,
        automated=automated,
        template=template,
    )
    values = _entry_values(ask, decision, gathered.policy_versions, gathered.chain_head, now)
    [entry] = append_many(db, [values])
    return GateResult(entry=entry, decision=decision)


@dataclass(frozen=True, slots=True)
class GateAsk:
    """One contact for ``gate_many``: what ``gate`` takes, as a value."""

    consumer_id: int
    channel: AttemptChannel
    contact_point_id: int
    case_ids: Sequence[int]
    actor_id: int | None
    source: Source
    automated: bool = False
    template: str | Template | None = None


MAX_BATCH = 1_000


def gate_many(db: Session, asks: Sequence[GateAsk]) -> list[GateResult]:
    """``gate`` for each ask, in order, deciding exactly as ``gate`` called for each in
    turn would — one read of the facts, policies and recent ledger for all of them
    (``gather.read_many``), the pure engine per ask, the ledger entries written in one
    flush.  The consumers' chains are locked in ascending order, so two batches never
    deadlock.  A consumer's first ask goes in the batch; a later ask for the same
    consumer must count the first's attempt in its history, so it goes through ``gate``
    after the batch is written."""
    if len(asks) > MAX_BATCH:
        raise ComplianceError(f"asks: at most {MAX_BATCH:,} in one batch")
    repo.lock_chains(db, [ask.consumer_id for ask in asks])
    firsts: dict[int, int] = {}  # consumer id -> the index of its first ask
    for index, ask in enumerate(asks):
        firsts.setdefault(ask.consumer_id, index)
    batch = sorted(firsts.values())
    now = clock.now()
    records = gather.read_many(
        db, [gather.Ask(asks[i].consumer_id, asks[i].channel, asks[i].case_ids) for i in batch]
    )
    decided = []
    for index, record in zip(batch, records, strict=True):
        ask = asks[index]
        point = next(
            (p for p in record.consumer.contact_points if p.id == ask.contact_point_id), None
        )
        if point is None:
            raise ComplianceError("contact point: not one of this consumer's")
        facts = gather.facts_for(
            record,
            point=point,
            channel=ask.channel,
            at=now,
            automated=ask.automated,
            template=ask.template,
        )
        decision = engine.evaluate(facts)
        decided.append(
            (
                index,
                decision,
                _entry_values(ask, decision, record.policy_versions, record.chain_head, now),
            )
        )
    entries = append_many(db, [values for _, _, values in decided])
    results: dict[int, GateResult] = {
        index: GateResult(entry=entry, decision=decision)
        for (index, decision, _), entry in zip(decided, entries, strict=True)
    }
    for index, ask in enumerate(asks):
        if index not in results:
            results[index] = gate(
                db,
                consumer_id=ask.consumer_id,
                channel=ask.channel,
                contact_point_id=ask.contact_point_id,
                case_ids=ask.case_ids,
                actor_id=ask.actor_id,
                source=ask.source,
                automated=ask.automated,
                template=ask.template,
            )
    return [results[index] for index in range(len(asks))]


def _entry_values(
    ask: GateAsk,
    decision: Decision,
    versions: Mapping[str, int],
    head: Head | None,
    now: datetime,
) -> dict[str, Any]:
    """The ledger entry of a decision, as ``ledger.append`` takes it."""
    template = ask.template
    return {
        "head": head,
        "consumer_id": ask.consumer_id,
        "kind": EntryKind.ATTEMPT,
        "at": now,
        "actor_id": ask.actor_id,
        "source": ask.source,
        "channel": ask.channel,
        "direction": "outbound",
        "contact_point_id": ask.contact_point_id,
        "case_ids": ask.case_ids,
        "allowed": decision.allowed,
        "blocked_by": list(decision.blocked_by),
        "next_allowed_at": decision.next_allowed_at,
        "rule_set": decision.rule_set,
        "policy_version": _single_version(versions),
        "timezones": list(decision.timezones),
        "automated": ask.automated,
        "template": template.id if isinstance(template, Template) else template,
        "detail": _detail(versions, template),
    }


def what_if(
    db: Session,
    *,
    consumer_id: int,
    channel: AttemptChannel,
    contact_point_id: int,
    case_ids: Sequence[int],
    at: datetime,
    automated: bool = False,
    template: str | Template | None = None,
) -> Decision:
    """The decision the gate would give for this contact at ``at``, written nowhere."""
    gathered = gather.gather(
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
    channel: AttemptChannel,
    case_ids: Sequence[int],
    at: datetime,
) -> PointDecisions:
    """``what_if`` for each of the consumer's contact points that can take ``channel``
    (every phone, for a call), read from the database once: the queue's question
    "could anyone call this consumer now, and if not, when?"."""
    record = gather.read(db, consumer_id=consumer_id, channel=channel, case_ids=case_ids)
    needed = POINT_CHANNEL.get(channel)
    return PointDecisions(
        cases=record.cases,
        decisions=[
            (point, engine.evaluate(gather.facts_for(record, point=point, channel=channel, at=at)))
            for point in record.consumer.contact_points
            if needed is None or point.channel.value == needed
        ],
    )


@dataclass(frozen=True, slots=True)
class Recheck:
    """The gate asked again about an allowed attempt, just before it leaves."""

    decision: Decision
    # The last minute (within ``within``) the attempt stays allowed; None: all of it.
    allowed_until: datetime | None


def recheck(
    db: Session,
    *,
    attempt_id: int,
    template: str | Template | None = None,
    within: timedelta = timedelta(hours=10),
) -> Recheck:
    """Ask again, now, whether an allowed attempt may still go ahead (the case may have
    been paid, disputed or opted out since it was queued), the attempt itself not
    counted in the history it is checked against.  Writes nothing: an attempt that may no
    longer go is taken back with ``recording.withdraw``."""
    return recheck_many(db, {attempt_id: template}, within=within)[attempt_id]


def recheck_many(
    db: Session,
    attempts: Mapping[int, str | Template | None],
    *,
    within: timedelta = timedelta(hours=10),
) -> dict[int, Recheck]:
    """``recheck`` for each attempt id (with its template's traits, None: the attempt's
    own template), the database read once for all of them (``gather.read_many``)."""
    entries = repo.entries(db, attempts.keys())
    asks = []
    for attempt_id in attempts:
        attempt = entries.get(attempt_id)
        if attempt is None or attempt.kind is not EntryKind.ATTEMPT or not attempt.allowed:
            raise ComplianceError("attempt: only an allowed attempt can be asked about again")
        if attempt.contact_point_id is None or attempt.consumer_id is None:
            raise ComplianceError("attempt: it names no consumer or contact point")
        asks.append(
            gather.Ask(
                consumer_id=attempt.consumer_id,
                channel=cast(AttemptChannel, attempt.channel),
                case_ids=attempt.case_ids,
                leave_out=attempt.id,
            )
        )
    now = clock.now()
    answers = {}
    for attempt_id, record in zip(attempts, gather.read_many(db, asks), strict=True):
        attempt = entries[attempt_id]
        template = attempts[attempt_id]
        point = next(p for p in record.consumer.contact_points if p.id == attempt.contact_point_id)
        facts = gather.facts_for(
            record,
            point=point,
            channel=cast(AttemptChannel, attempt.channel),
            at=now,
            automated=attempt.automated,
            template=template if template is not None else attempt.template,
        )
        decision = engine.evaluate(facts)
        until = engine.allowed_until(facts, within=within) if decision.allowed else None
        answers[attempt_id] = Recheck(decision=decision, allowed_until=until)
    return answers


def _detail(versions: Mapping[str, int], template: str | Template | None) -> dict[str, Any]:
    detail: dict[str, Any] = {"policy_versions": dict(versions)} if len(versions) > 1 else {}
    if isinstance(template, Template):
        detail["template_traits"] = template.traits()
    return detail


def _single_version(versions: Mapping[str, int]) -> int | None:
    return next(iter(versions.values())) if len(versions) == 1 else None
