"""Possible same people: the pairs intake made (``cases.matching``) as screens show
them, staff's decisions on them, and the wrong links made before the rule.

Called by other domains as ``from agency.cases import pairs as pairs_service``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations

from sqlalchemy.orm import Session

from agency.cases import matching
from agency.cases.errors import CaseError
from agency.cases.models import Case, PairDecision
from agency.cases.repository import pairs as pairs_repo
from agency.compliance import service as compliance
from agency.kit import clock


@dataclass(frozen=True)
class PairView:
    """A possible same person as a screen shows it: the two cases' references and names
    as placed, what they share, and the decision if one was taken."""

    id: int
    reference: str
    name: str
    other_reference: str
    other_name: str
    channel: str
    decision: PairDecision | None
    decided_by_id: int | None
    decided_at: datetime | None


def pairs_of_placement(db: Session, *, placement_id: int, limit: int = 200) -> list[PairView]:
    """The possible same people a placement made (both cases are of its client)."""
    pairs = pairs_repo.pairs_of_placement(db, placement_id, limit=limit)
    cases = pairs_repo.cases_by_ids(
        db, sorted({i for p in pairs for i in (p.case_id, p.other_case_id)})
    )
    return [
        PairView(
            pair.id,
            cases[pair.case_id].client_reference,
            _name(cases[pair.case_id]),
            cases[pair.other_case_id].client_reference,
            _name(cases[pair.other_case_id]),
            pair.channel,
            PairDecision(pair.decision) if pair.decision else None,
            pair.decided_by_id,
            pair.decided_at,
        )
        for pair in pairs
    ]


def _name(case: Case) -> str:
    return f"{case.first_name} {case.last_name}"


def decide_pair(
    db: Session, *, pair_id: int, placement_id: int, decision: PairDecision, user_id: int
) -> None:
    """Record a staff decision on a possible same person (who, when, which).

    ``same``: the new account's consumer is folded into the other case's (its cases and
    contact points move there), which the ledger allows only while the new consumer has
    no contact history of its own.  ``apart``: the two stay two people; the pair is not
    asked again.  A pair is decided once.
    """
    pair = pairs_repo.pair_for_update(db, pair_id)
    if pair is None or pair.placement_id != placement_id:
        raise LookupError("possible same person")
    if pair.decision is not None:
        raise CaseError("decision", f"this pair was already decided ({pair.decision})")
    if decision is PairDecision.SAME:
        cases = pairs_repo.cases_by_ids(db, [pair.case_id, pair.other_case_id])
        source, target = cases[pair.case_id].consumer_id, cases[pair.other_case_id].consumer_id
        if source != target:
            if compliance.has_contact_history(db, source):
                raise CaseError(
                    "decision",
                    f"account {cases[pair.case_id].client_reference} has been "
                    "contacted as a person of its own; the ledger is kept per person, so "
                    "the two cannot be joined any more",
                )
            pairs_repo.fold_consumer(db, source_id=source, target_id=target)
    pair.decision = decision.value
    pair.decided_by_id = user_id
    pair.decided_at = clock.now()
    db.flush()


@dataclass(frozen=True)
class SuspiciousLink:
    """A consumer whose cases were placed under names that disagree: each case's client
    id, reference and name as placed."""

    consumer_id: int
    cases: list[tuple[int, str, str]]


def suspicious_links(db: Session, *, batch: int = 500) -> Iterator[SuspiciousLink]:
    """Consumers linked to cases of different people: two of its cases were placed under
    names that disagree by ``cases.matching``'s rule (the wrong links that phone-only
    matching made before it), for staff to review.  The date of birth is the consumer's,
    not the case's, so it tells nothing here."""
    after = 0
    while rows := pairs_repo.suspicious_links(db, after_id=after, limit=batch):
        for consumer, cases in rows:
            if any(
                not matching.names_agree(a.first_name, a.last_name, b.first_name, b.last_name)
                for a, b in combinations(cases, 2)
            ):
                yield SuspiciousLink(
                    consumer.id,
                    [(c.client_id, c.client_reference, _name(c)) for c in cases],
                )
        after = rows[-1][0].id
