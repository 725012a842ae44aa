"""Whether a step is skipped: its conditions read against the case as it is at the
moment of sending (pure: the runner and the dry run read the facts).  The gate decides
separately whether the contact may happen at all."""

from __future__ import annotations

from dataclasses import dataclass

from agency.outreach.strategies.steps import Condition, Step

# The statuses that are "on an active plan or promise", and "disputed or on hold".
ARRANGED = frozenset({"promise", "plan"})
HELD = frozenset({"disputed", "hold"})
# The channel of contact point each step's channel needs.
POINT_OF = {
    "sms": "sms",
    "email": "email",
    "letter": "letter",
    "validation_notice": "letter",
    "call_task": "call",
}


@dataclass(frozen=True, slots=True)
class CaseNow:
    """A case as a step's conditions read it."""

    status: str
    balance_minor: int
    # The channels (sms, email, letter, call) with a contact point we may use, and those
    # with one the consumer consented to be contacted at (a letter: any usable address).
    usable: frozenset[str]
    consented: frozenset[str]
    previous: str | None  # the status of the previous step's message, if it sent one
    replied: bool  # the consumer wrote to us since the step became current


def skip_reason(step: Step, case: CaseNow) -> str | None:
    """Why ``step`` is skipped, in words; None when it goes ahead."""
    for condition in step.skip_when:
        words = _holds(condition, step, case)
        if words is not None:
            return words
    return None


def _holds(condition: Condition, step: Step, case: CaseNow) -> str | None:
    kind = condition.kind
    if kind == "on_arrangement" and case.status in ARRANGED:
        return "skipped: the case is on a promise or plan"
    if kind == "disputed_or_on_hold" and case.status in HELD:
        return f"skipped: the case is {case.status}"
    if kind == "no_consented_channel" and POINT_OF[step.channel] not in case.consented:
        return f"skipped: no {POINT_OF[step.channel]} contact point the consumer consented to"
    if (
        kind == "balance_below"
        and condition.amount_minor is not None
        and case.balance_minor < condition.amount_minor
    ):
        return "skipped: the balance is below the step's amount"
    if kind == "previous_delivered" and case.previous == "delivered":
        return "skipped: the previous step's message was delivered"
    if kind == "previous_undelivered" and case.previous == "undelivered":
        return "skipped: the previous step's message was not delivered"
    if kind == "previous_failed" and case.previous == "failed":
        return "skipped: the previous step's message failed"
    if kind == "consumer_replied" and case.replied:
        return "skipped: the consumer replied"
    return None
