"""What the case page's strategy panel shows: the case's strategy and version (and its
side of an experiment), where it stands, its current step in words and when it is due
(or what it waits for), and its latest strategy events with the rules the gate named.
Read-only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from agency.compliance import service as compliance
from agency.outreach.strategies import enrolment, events
from agency.outreach.strategies.models import EnrolmentState, StrategyEvent
from agency.outreach.strategies.step_words import ANCHOR_WORDS, step_in_words
from agency.outreach.strategies.stepping import Plans

LIMIT = 10
STATE_WORDS = {
    EnrolmentState.ACTIVE: "running",
    EnrolmentState.PAUSED: "paused",
    EnrolmentState.ENDED: "ended",
    EnrolmentState.NONE: "no strategy",
}


@dataclass(frozen=True, slots=True)
class Panel:
    state: str | None  # None: not looked at yet (the runner's next tick will)
    strategy_id: int | None
    strategy: str | None
    version: int | None
    variant: str | None
    step: str | None  # the current step in words
    due_at: datetime | None
    waiting_for: str | None  # in words
    reason: str | None  # why paused, ended, or on no strategy
    events: list[StrategyEvent]
    rules: dict[str, compliance.RuleDescription]
    more: bool

    @property
    def may_pause(self) -> bool:
        return self.state == STATE_WORDS[EnrolmentState.ACTIVE]

    @property
    def may_resume(self) -> bool:
        return self.state == STATE_WORDS[EnrolmentState.PAUSED]


def panel(db: Session, *, case_id: int, every: bool = False) -> Panel:
    """The case's panel: its latest ``LIMIT`` events, or ``every`` one."""
    e = enrolment.of_case(db, case_id)
    found = events.case_events(db, case_id, limit=None if every else LIMIT)
    shown = found if every else found[:LIMIT]
    rules = {r: compliance.describe(r) for event in shown for r in event.rule_ids}
    if e is None or e.version_id is None:
        return Panel(
            state=STATE_WORDS[e.state] if e else None,
            strategy_id=None,
            strategy=None,
            version=None,
            variant=None,
            step=None,
            due_at=None,
            waiting_for=None,
            reason=e.reason if e else None,
            events=shown,
            rules=rules,
            more=len(found) > LIMIT,
        )
    plan = Plans(db)[e.version_id]
    current = e.state in (EnrolmentState.ACTIVE, EnrolmentState.PAUSED)
    step = plan.steps[e.step_index]
    return Panel(
        state=STATE_WORDS[e.state],
        strategy_id=plan.strategy.id,
        strategy=plan.strategy.name,
        version=plan.version.version,
        variant=e.variant,
        step=f"{step.key}: {step_in_words(step, plan.strategy.currency)}" if current else None,
        due_at=e.due_at if current else None,
        waiting_for=ANCHOR_WORDS[e.waiting_for] if current and e.waiting_for else None,
        reason=e.reason,
        events=shown,
        rules=rules,
        more=len(found) > LIMIT,
    )
