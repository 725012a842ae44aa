"""What the compliance facts say about collecting one debt, for the agent's workspace:
whether a dispute puts the case on hold, which rule a case is held under after a fact,
and what in force still stops collection.  The rules themselves are in ``rules``; these
answer the case's questions with the same facts the gate reads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from agency.compliance import repository as repo
from agency.compliance.gather import live_facts
from agency.compliance.models import ComplianceFact, FactKind
from agency.compliance.rules.base import zone_info
from agency.compliance.rules.us_federal import (
    RegFAttorney,
    RegFCease,
    RegFDisputeHold,
    within_validation_period,
)

if TYPE_CHECKING:
    from agency.cases.models import Case

# The rule that stops collection once a fact of the kind is recorded.
_HOLD_RULES = {
    FactKind.CEASE: RegFCease.id,
    FactKind.ATTORNEY: RegFAttorney.id,
    FactKind.DISPUTE: RegFDisputeHold.id,
}


def hold_rule(kind: FactKind) -> str:
    """The id of the rule a case is held under after a fact of ``kind`` (cease,
    attorney, a dispute that holds): what the queue shows as the reason."""
    return _HOLD_RULES[kind]


def _in_force(db: Session, case: Case) -> list[ComplianceFact]:
    return live_facts(repo.facts_of(db, case.consumer_id))


def _validation_sent_at(live: Sequence[ComplianceFact], case: Case) -> datetime | None:
    """When this case's validation notice was sent (the earliest such fact), if it was."""
    sent = [
        fact.effective_at
        for fact in live
        if fact.kind is FactKind.VALIDATION_SENT and fact.case_id == case.id
    ]
    return min(sent) if sent else None


def validation_sent_at(db: Session, *, case: Case) -> datetime | None:
    """When ``case``'s validation notice was first sent, as the rules read it (the
    earliest fact in force: a later copy never moves the validation period)."""
    return _validation_sent_at(_in_force(db, case), case)


def dispute_hold(
    db: Session, *, case: Case, written: bool, received: date, zones: Sequence[str]
) -> str | None:
    """The rule that stops collection on ``case`` for a dispute received on ``received``
    (``zones``: the consumer's), or None: a written dispute within the validation period
    holds the case until verification is sent (FDCPA 809(b), 12 CFR 1006.38(d)(2)); an
    oral or late one does not."""
    if not written:
        return None
    sent_at = _validation_sent_at(_in_force(db, case), case)
    tzs = [zone_info(zone) for zone in zones]
    return hold_rule(FactKind.DISPUTE) if within_validation_period(received, sent_at, tzs) else None


def standing_stops(db: Session, *, case: Case) -> list[str]:
    """What in force still stops collection on ``case``, in words: a cease request, an
    attorney for this debt, a dispute of it with no verification sent since."""
    live = _in_force(db, case)
    stops = []
    cease = next((f for f in live if f.kind is FactKind.CEASE), None)
    if cease is not None:
        stops.append(f"the cease request received {cease.effective_at:%Y-%m-%d} is in force")
    if any(f.kind is FactKind.ATTORNEY and f.case_id in (None, case.id) for f in live):
        stops.append("the consumer is represented by an attorney for this debt")
    mine = [f for f in live if f.case_id == case.id]
    dispute = next((f for f in reversed(mine) if f.kind is FactKind.DISPUTE), None)
    if dispute is not None and not any(
        f.kind is FactKind.VERIFICATION_SENT and f.id > dispute.id for f in mine
    ):
        stops.append(
            f"the dispute received {dispute.effective_at:%Y-%m-%d} has had no verification "
            "sent (compliance records it when it is sent)"
        )
    return stops
