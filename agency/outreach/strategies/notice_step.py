"""A strategy's validation notice step: the Reg F notice queued through
``validation_notices`` (the gate asked for it alone — a notice is once a case), by
e-mail to an address with a current E-SIGN consent, else by letter to the first postal
address we may use.  A notice already sent or on its way is not sent again: the step is
skipped, saying so.  Flushes, never commits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from agency.cases.models import Case, ContactPoint
from agency.compliance import service as compliance
from agency.kit.forms import FieldRefusal
from agency.outreach import esign, validation_notices
from agency.outreach import repository as repo
from agency.outreach.models import MessageStatus
from agency.outreach.strategies import events
from agency.outreach.strategies.models import StrategyEnrolment
from agency.outreach.strategies.reading import Batch
from agency.outreach.strategies.records import Row
from agency.outreach.strategies.stepping import send_record, step_event
from agency.outreach.strategies.steps import Step
from agency.outreach.validation_notices import By

NO_POINT = "skipped: no postal address we may use, nor an e-mail address with E-SIGN consent"


def notice_point(db: Session, case: Case, batch: Batch) -> tuple[ContactPoint, By] | None:
    """Where the case's notice goes: an e-mail address with a current E-SIGN consent,
    else the first postal address we may use (None: neither)."""
    consented = esign.consented_points(db, case.consumer_id)
    emails = [p for p in batch.points(case, "email") if p.id in consented]
    if emails:
        return emails[0], "email"
    letters = batch.points(case, "letter")
    return (letters[0], "letter") if letters else None


@dataclass(slots=True)
class Done:
    outcome: str  # queued, deferred, skipped, blocked
    written: list[Row] = field(default_factory=list)

    @property
    def deferred(self) -> bool:
        return self.outcome == "deferred"


def run(
    db: Session,
    case: Case,
    e: StrategyEnrolment,
    step: Step,
    now: datetime,
    batch: Batch,
) -> Done:
    assert e.version_id is not None

    def record(
        outcome: str, words: str, *, message_id: int | None = None, rules: tuple[str, ...] = ()
    ) -> Done:
        send = send_record(e, step, outcome, message_id=message_id)
        event = step_event(e, step, outcome, words, now, rules=rules, message_id=message_id)
        return Done(outcome, [send, event])

    panel = validation_notices.panel(db, case=case)
    if panel.again:
        return record("skipped", "skipped: the validation notice was already sent")
    chosen = notice_point(db, case, batch)
    if chosen is None:
        return record("skipped", NO_POINT)
    point, by = chosen
    try:
        message = validation_notices.queue_notice(
            db,
            case=case,
            by=by,
            contact_point_id=point.id,
            reason=None,
            by_user_id=None,
            source=compliance.Source.STRATEGY,
        )
    except FieldRefusal as refusal:
        return record("skipped", f"skipped: {refusal}")
    if message.status is not MessageStatus.BLOCKED:
        return record("queued", "validation notice queued", message_id=message.id)
    rules = tuple(message.blocked_by)
    queued = repo.first_event(db, message.id)
    until = queued.detail.get("next_allowed_at") if queued is not None else None
    words = events.rule_words(rules)
    if until is None:
        return record(
            "skipped", f"skipped, the gate says no and waiting cannot help: {words}", rules=rules
        )
    e.due_at = datetime.fromisoformat(until)
    words = f"deferred by the gate: {words}"
    return Done(
        "deferred", [step_event(e, step, "deferred", words, now, rules=rules, until=e.due_at)]
    )
