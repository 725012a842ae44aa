"""One consumer's compliance record as the timeline page and the evidence bundle show it:
the record (contact points and their flags, cases, facts in force and ended, ledger
entries), the timeline (each ledger entry in words, newest first, outcomes under their
attempt), and a fact's or a contact point's details in words (contact values masked)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from agency.compliance import repository
from agency.compliance.evidence import TimelineRow
from agency.compliance.masking import mask_contact
from agency.compliance.models import ComplianceFact, EntryKind, FactKind, LedgerEntry
from agency.compliance.names import rule_texts, user_names, who
from agency.compliance.point_flags import flag_words, flags_of
from agency.kit.clock import DAY_NAMES
from agency.kit.errors import NotFound

if TYPE_CHECKING:
    from agency.cases.models import Case, Consumer, ContactPoint


@dataclass(frozen=True, slots=True)
class ConsumerRecord:
    """Everything the timeline page and the evidence bundle show about one consumer."""

    consumer: Consumer
    points: list[ContactPoint]
    point_flags: dict[int, tuple[str, ...]]  # point id -> its flags in words
    cases: list[Case]
    facts: list[ComplianceFact]
    withdrawn: dict[int, ComplianceFact]  # fact id -> the withdrawal that ended it
    entries: list[LedgerEntry]  # id order: the chain's order
    names: dict[int, str]
    timeline: list[TimelineRow]  # newest first, outcomes under their attempt

    def in_force(self) -> list[ComplianceFact]:
        return [
            f for f in self.facts if f.kind is not FactKind.WITHDRAWN and f.id not in self.withdrawn
        ]

    def ended(self) -> list[ComplianceFact]:
        return [f for f in self.facts if f.kind is FactKind.WITHDRAWN or f.id in self.withdrawn]


def fact_details(fact: ComplianceFact, cases: Mapping[int, Case]) -> str:
    """A fact's details in words (no contact values of the consumer)."""
    detail = fact.detail or {}
    parts: list[str] = []
    if fact.kind is FactKind.DISPUTE:
        parts.append("written" if detail.get("written") else "oral")
    elif fact.kind is FactKind.ATTORNEY:
        parts.extend(
            f"{key} {detail[key]}"
            for key in ("name", "phone", "email", "address")
            if detail.get(key)
        )
    elif fact.kind is FactKind.INCONVENIENT_TIME:
        days = detail.get("days")
        parts.append(f"{detail.get('from')} to {detail.get('to')} local time")
        parts.append(
            "every day" if not days else ", ".join(DAY_NAMES[int(d)] for d in days if 0 <= d <= 6)
        )
    elif fact.kind is FactKind.WITHDRAWN:
        parts.append(f"ends fact {detail.get('fact_id')}")
    if fact.until is not None:
        parts.append(f"until {fact.until:%Y-%m-%d %H:%M} UTC")
    if detail.get("from_entry"):
        parts.append(f"from ledger entry {detail['from_entry']}")
    if detail.get("note"):
        parts.append(str(detail["note"]))
    return "; ".join(parts)


def fact_about(
    fact: ComplianceFact, cases: Mapping[int, Case], points: Mapping[int, ContactPoint]
) -> str:
    """What a fact is about: its case, its contact point (masked), or the consumer."""
    about = []
    if fact.case_id is not None:
        case = cases.get(fact.case_id)
        about.append(f"case {case.client_reference if case else fact.case_id}")
    if fact.contact_point_id is not None:
        point = points.get(fact.contact_point_id)
        about.append(
            f"{point.channel.value} {mask_contact(point.channel.value, point.value)}"
            if point
            else f"contact point {fact.contact_point_id}"
        )
    return ", ".join(about) or "the consumer"


def _entry_what(
    entry: LedgerEntry,
    cases: Mapping[int, Case],
    points: Mapping[int, ContactPoint],
    facts: Mapping[int, ComplianceFact],
) -> str:
    point = points.get(entry.contact_point_id) if entry.contact_point_id else None
    masked = (
        f"{point.channel.value} {mask_contact(point.channel.value, point.value)}" if point else ""
    )
    refs = ", ".join(
        cases[c].client_reference if c in cases else str(c) for c in entry.case_ids or []
    )
    about = f" about {refs}" if refs else ""
    if entry.kind is EntryKind.ATTEMPT:
        automated = " (automated)" if entry.automated else ""
        template = f", template {entry.template}" if entry.template else ""
        return f"{entry.channel}{automated} to {masked or 'no contact point'}{about}{template}"
    if entry.kind is EntryKind.OUTCOME:
        return f"outcome of entry {entry.attempt_id}: {entry.outcome}"
    if entry.kind is EntryKind.INBOUND:
        reply = (entry.detail or {}).get("reply")
        said = f"; reply read as {reply}" if reply else ""
        return f"{entry.channel} from {masked or 'the consumer'}{about}: {entry.outcome}{said}"
    if entry.kind is EntryKind.FACT:
        fact = facts.get(entry.fact_id) if entry.fact_id else None
        kind = (entry.detail or {}).get("fact") or (fact.kind.value if fact else "fact")
        details = fact_details(fact, cases) if fact else ""
        where = f" on {masked}" if masked else ""
        return f"fact {entry.fact_id}: {kind}{where}{about}" + (f" ({details})" if details else "")
    return entry.kind.value


def build_timeline(
    entries: Sequence[LedgerEntry],
    *,
    names: Mapping[int, str],
    cases: Mapping[int, Case],
    points: Mapping[int, ContactPoint],
    facts: Mapping[int, ComplianceFact],
) -> list[TimelineRow]:
    """The consumer's ledger as rows, newest first; outcomes sit under their attempt."""
    outcomes: dict[int, list[TimelineRow]] = {}
    rows: list[TimelineRow] = []
    for entry in entries:
        row = TimelineRow(
            entry_id=entry.id,
            at=entry.at,
            kind=entry.kind.value,
            what=_entry_what(entry, cases, points, facts),
            who=who(names, entry.actor_id, entry.source),
            source=entry.source.value,
            decision=("" if entry.allowed is None else ("allowed" if entry.allowed else "blocked")),
            rules=rule_texts(entry.blocked_by or []),
            next_allowed_at=entry.next_allowed_at,
            rule_set=entry.rule_set,
        )
        if entry.kind is EntryKind.OUTCOME and entry.attempt_id is not None:
            outcomes.setdefault(entry.attempt_id, []).append(row)
        else:
            rows.append(row)
    attached = {row.entry_id for row in rows}
    for attempt_id, found in outcomes.items():
        if attempt_id not in attached:  # an outcome whose attempt is not in this chain
            rows.extend(found)
    rows = [
        TimelineRow(
            **{f.name: getattr(row, f.name) for f in fields(TimelineRow) if f.name != "outcomes"},
            outcomes=tuple(outcomes.get(row.entry_id, ())) if row.kind == "attempt" else (),
        )
        for row in rows
    ]
    rows.sort(key=lambda row: row.entry_id, reverse=True)
    return rows


def consumer_record(db: Session, consumer_id: int) -> ConsumerRecord:
    """The consumer's record and timeline; NotFound when there is no such consumer."""
    consumer = repository.consumer_or_none(db, consumer_id)
    if consumer is None:
        raise NotFound("consumer")
    points = repository.consumer_with_points_and_cases(db, consumer_id).contact_points
    cases = repository.cases_with_clients(db, consumer_id)
    facts = repository.facts_of(db, consumer_id)
    entries = repository.consumer_entries(db, consumer_id)
    by_id = {f.id: f for f in facts}
    withdrawn = {
        int(f.detail["fact_id"]): f
        for f in facts
        if f.kind is FactKind.WITHDRAWN and int(f.detail.get("fact_id", 0)) in by_id
    }
    names = user_names(db, [*(e.actor_id for e in entries), *(f.recorded_by_id for f in facts)])
    # An entry may name a case of another consumer's (never by the service) or a point
    # since removed: look up what the entries name, not only the consumer's own.
    case_map = {case.id: case for case in cases}
    case_map |= repository.cases_by_ids(
        db, sorted({c for e in entries for c in e.case_ids or [] if c not in case_map})
    )
    point_map = {point.id: point for point in points}
    timeline = build_timeline(entries, names=names, cases=case_map, points=point_map, facts=by_id)
    return ConsumerRecord(
        consumer=consumer,
        points=points,
        point_flags={
            point_id: flag_words(flags)
            for point_id, flags in flags_of(db, (p.id for p in points)).items()
        },
        cases=cases,
        facts=facts,
        withdrawn=withdrawn,
        entries=entries,
        names=names,
        timeline=timeline,
    )
