"""The demo's contact strategy: what a supervisor finds under Strategies after ``make
run`` — "US early stage" (the validation notice; a payment reminder by text on day 5,
falling back to an e-mail; a call task on day 10), published, with a rule on the demo
client's current contract that is **off**: switched on, the runner would start working
every open US demo case at its next minute, which the demo leaves to the supervisor
(its dry run shows what would happen first)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from agency.clients.models import Contract
from agency.outreach import demo_templates
from agency.outreach.strategies import assignment, versions
from agency.outreach.strategies.models import Strategy

NAME = "US early stage"
STEPS: list[dict[str, Any]] = [
    {"key": "validation-notice", "trigger": {"anchor": "placement", "days": 0, "at": "09:00"},
     "channel": "validation_notice", "then": {"kind": "next"}},
    {"key": "text-day-5", "trigger": {"anchor": "validation_sent", "days": 5, "at": "10:00"},
     "channel": "sms", "template": demo_templates.PAYMENT_REMINDER,
     "skip_when": [{"kind": "on_arrangement"}, {"kind": "disputed_or_on_hold"}],
     "fallback": "email", "then": {"kind": "next"}},
    {"key": "call-day-10", "trigger": {"anchor": "validation_sent", "days": 10, "at": "14:00"},
     "channel": "call_task", "reason": "no answer to the notice and the reminder",
     "skip_when": [{"kind": "on_arrangement"}], "then": {"kind": "end"}},
]  # fmt: skip


def load(db: Session, *, contract: Contract, by_user_id: int) -> Strategy:
    """The strategy, its first version and the contract's (inactive) rule for US cases."""
    strategy = versions.create(db, name=NAME, country="US", currency=contract.currency,
                               notice_by_client=False, by_user_id=by_user_id)  # fmt: skip
    versions.publish(db, strategy=strategy, steps=STEPS, reason="the demo's starting cadence",
                     by_user_id=by_user_id)  # fmt: skip
    assignment.save_rule(db, contract=contract, strategy_id=strategy.id,
                         segment=assignment.Segment(country="US"), by_user_id=by_user_id,
                         is_active=False)  # fmt: skip
    return strategy
