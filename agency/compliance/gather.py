"""What the gate reads of a consumer, turned into the engine's facts: the contact points
and their flags, the facts in force, the cases, the contact history from the ledger and
the clients' policies (``read``, then ``facts_for`` for one contact point).  Also the
consumer's candidate time zones as the gate reads them (``consumer_zones``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy.orm import Session

from agency.compliance import repository as repo
from agency.compliance.chain import Head
from agency.compliance.errors import ComplianceError
from agency.compliance.facts import (
    CHANNELS,
    POINT_CHANNEL,
    WITHDRAWN,
    Attempt,
    AttemptChannel,
    Attorney,
    CaseFacts,
    Consent,
    ConsumerFacts,
    ContactPointFacts,
    Facts,
    HistoryEvent,
    InconvenientTime,
    Outcome,
    Policy,
)
from agency.compliance.models import ClientPolicy, ComplianceFact, EntryKind, FactKind
from agency.compliance.point_flags import Flags, flags_of
from agency.compliance.policies import policy_from_values, strictest
from agency.compliance.templates import Template
from agency.compliance.zones import candidate_zones
from agency.kit.errors import NotFound

if TYPE_CHECKING:
    from agency.cases.models import Case, Consumer, ContactPoint


@dataclass(frozen=True, slots=True)
class Gathered:
    """What ``gather`` read: the engine's facts, the policy version per client, and what
    the ledger write needs (the chain's head)."""

    facts: Facts
    policy_versions: dict[str, int]
    chain_head: Head | None


@dataclass(frozen=True, slots=True)
class Record:
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


@dataclass(frozen=True, slots=True)
class Ask:
    """One question for ``read_many``: a contact with ``consumer_id`` about ``case_ids``
    by ``channel``; ``leave_out``: an attempt the history must not count (the one being
    asked about again)."""

    consumer_id: int
    channel: AttemptChannel
    case_ids: Sequence[int]
    leave_out: int | None = None


def read(
    db: Session,
    *,
    consumer_id: int,
    channel: AttemptChannel,
    case_ids: Sequence[int],
    leave_out: int | None = None,
) -> Record:
    """What the gate reads of the consumer for a contact about ``case_ids`` by
    ``channel``, whichever point it goes to; ComplianceError says what does not fit."""
    return read_many(db, [Ask(consumer_id, channel, case_ids, leave_out)])[0]


def read_many(db: Session, asks: Sequence[Ask]) -> list[Record]:
    """``read`` for several questions, each table read once for all of them (a batch of
    messages asked about again before they leave): one Record per ask, in order."""
    for ask in asks:
        if ask.channel not in (*CHANNELS, "credit_report"):
            raise ComplianceError(f"channel: {ask.channel!r} is not one of {', '.join(CHANNELS)}")
        if not ask.case_ids:
            raise ComplianceError("cases: name at least one case the contact is about")
    consumer_ids = {ask.consumer_id for ask in asks}
    consumers = repo.consumers_with_points_and_cases(db, consumer_ids)
    missing = consumer_ids - consumers.keys()
    if missing:
        raise NotFound("There is no such consumer.")
    client_ids = {case.client_id for consumer in consumers.values() for case in consumer.cases}
    policies = repo.policy_versions(db, sorted(client_ids))
    ledgers = repo.consumer_ledgers(db, consumer_ids)
    facts = repo.facts_of_consumers(db, consumer_ids)
    flags = flags_of(db, (p.id for c in consumers.values() for p in c.contact_points))
    return [
        _record(ask, consumers[ask.consumer_id], policies, ledgers, facts, flags) for ask in asks
    ]


def _record(
    ask: Ask,
    consumer: Consumer,
    policies: Sequence[ClientPolicy],
    ledgers: Mapping[int, list[Any]],
    facts: Mapping[int, list[ComplianceFact]],
    flags: Mapping[int, Flags],
) -> Record:
    cases = {case.id: case for case in consumer.cases}
    unknown = [case_id for case_id in ask.case_ids if case_id not in cases]
    if unknown:
        raise ComplianceError(f"cases: {unknown[0]} is not one of this consumer's cases")
    clients = {cases[c].client_id for c in ask.case_ids}
    mine = [p for p in policies if p.client_id in clients]
    ledger = ledgers.get(consumer.id, [])
    live = live_facts(facts.get(consumer.id, []))
    history = _history([row for row in ledger if row.id != ask.leave_out])
    inbound_points = {e.contact_point for e in history if e.direction == "inbound"}
    return Record(
        consumer=consumer,
        consumer_facts=_consumer_facts(
            consumer,
            consumer.contact_points,
            {p.id: flags[p.id] for p in consumer.contact_points},
            live,
            inbound_points,
        ),
        cases=tuple(cases[c] for c in ask.case_ids),
        live=live,
        policy=strictest(policy_from_values(p.values) for p in mine),
        policy_versions={str(p.client_id): p.version for p in mine},
        history=history,
        chain_head=Head(seq=ledger[-1].seq, hash=ledger[-1].hash) if ledger else None,
    )


def facts_for(
    record: Record,
    *,
    point: ContactPoint,
    channel: AttemptChannel,
    at: datetime,
    automated: bool = False,
    template: str | Template | None = None,
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
            template=template.id if isinstance(template, Template) else template,
            traits=template if isinstance(template, Template) else None,
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
    channel: AttemptChannel,
    contact_point_id: int,
    case_ids: Sequence[int],
    at: datetime,
    automated: bool,
    template: str | Template | None,
    leave_out: int | None = None,
) -> Gathered:
    """The engine's facts for one proposed contact, from the database."""
    record = read(
        db, consumer_id=consumer_id, channel=channel, case_ids=case_ids, leave_out=leave_out
    )
    point = next((p for p in record.consumer.contact_points if p.id == contact_point_id), None)
    if point is None:
        raise ComplianceError("contact point: not one of this consumer's")
    facts = facts_for(
        record, point=point, channel=channel, at=at, automated=automated, template=template
    )
    return Gathered(
        facts=facts,
        policy_versions=record.policy_versions,
        chain_head=record.chain_head,
    )


def live_facts(recorded: Sequence[ComplianceFact]) -> list[ComplianceFact]:
    """The facts still in force: those not ended by a later ``withdrawn``."""
    withdrawn = {int(f.detail["fact_id"]) for f in recorded if f.kind is FactKind.WITHDRAWN}
    return [f for f in recorded if f.kind is not FactKind.WITHDRAWN and f.id not in withdrawn]


def _consumer_facts(
    consumer: Consumer,
    points: Sequence[ContactPoint],
    flags: Mapping[int, Flags],
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
    return ConsumerFacts(
        **_located(consumer, placed=None),
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
                **flags[p.id].named(),
                consent_revoked_at=revoked.get(p.id),
                used_by_consumer=str(p.id) in inbound_points,
            )
            for p in points
        ),
    )


def _located(consumer: Consumer, *, placed: Case | None) -> dict[str, Any]:
    """The location fields of the consumer's facts: the consumer's own, with the zones
    stored at intake and the stated zone; or, with ``placed``, that case's location as
    its client placed it and nothing the consumer told anyone else."""
    if placed is not None:
        return {
            "country": placed.country,
            "region": placed.region,
            "postal_code": placed.postal_code,
        }
    stated = consumer.stated_timezone
    return {
        "country": consumer.country,
        "region": consumer.region,
        "postal_code": consumer.postal_code,
        "stated_timezone": stated,
        "timezones": tuple(sorted({*consumer.timezones, *([stated] if stated else [])})) or None,
    }


def consumer_zones(
    db: Session,
    *,
    consumer: Consumer,
    placed: Case | None = None,
    points: Sequence[ContactPoint] | None = None,
) -> tuple[str, ...]:
    """The IANA zones the consumer may be in, sorted, never empty: the zones the gate
    decides in (``zones.candidate_zones``, every signal; a client policy that narrows to
    the first signal only matters for a consumer with no stored zones).

    ``placed``: the zones ``placed``'s own placement gives (its location and the phones
    among ``points``), for a merchant, whom another client's data must not show.
    ``points``: the contact points whose phones count (default: all the consumer's, read
    only when no stored zone decides)."""
    location = _located(consumer, placed=placed)
    phones: Sequence[ContactPoint] = ()
    if not location.get("timezones"):
        phones = repo.contact_points_of(db, consumer.id) if points is None else points
    return candidate_zones(
        ConsumerFacts(
            contact_points=tuple(
                ContactPointFacts(id=str(p.id), channel=p.channel.value, value=p.value)
                for p in phones
            ),
            **location,
        )
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
    outcomes: dict[int, str] = {}
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
            if outcome == WITHDRAWN:
                continue  # withdrawn before it left: it never happened
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
