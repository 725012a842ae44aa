"""A strategy's steps in a supervisor's words: the labels of the editor's choices, and
each step as one sentence ("Day 5 after the validation notice, 10:00 the consumer's
time: text 'payment-reminder'; skipped when on a plan or promise; falls back to e-mail;
then the next step").  Pure: no database."""

from __future__ import annotations

from agency.kit.money import Money
from agency.outreach.strategies.steps import (
    ANCHORS,
    CHANNELS,
    CONDITIONS,
    THEN,
    Condition,
    Step,
)

ANCHOR_WORDS = {
    "placement": "placement",
    "validation_sent": "the validation notice",
    "last_step": "the step before",
    "promise_broken": "a broken promise",
    "plan_broken": "a broken plan",
    "payment_reversed": "a reversed payment",
    "no_contact": "the last contact (none since)",
    "inbound_reply": "a reply from the consumer",
}
CHANNEL_WORDS = {
    "letter": "letter",
    "email": "e-mail",
    "sms": "text",
    "validation_notice": "the validation notice (letter or e-mail, as the case allows)",
    "call_task": "call task for an agent",
}
CONDITION_WORDS = {
    "on_arrangement": "on a plan or promise",
    "disputed_or_on_hold": "disputed or on hold",
    "no_consented_channel": "no consented address or number for the channel",
    "balance_below": "the balance is below",
    "previous_delivered": "the step before was delivered",
    "previous_undelivered": "the step before was not delivered",
    "previous_failed": "the step before failed",
    "consumer_replied": "the consumer replied",
}
FALLBACK_WORDS = {"email": "e-mail", "letter": "a letter"}
THEN_WORDS = {"next": "the next step", "end": "the strategy ends", "agent": "to an agent"}
# The conditions the editor shows as boxes (the balance's has an amount field instead).
CONDITION_CHOICES = [
    (kind, CONDITION_WORDS[kind]) for kind in CONDITIONS if kind != "balance_below"
]

ANCHOR_CHOICES = [(anchor, ANCHOR_WORDS[anchor]) for anchor in ANCHORS]
CHANNEL_CHOICES = [(channel, CHANNEL_WORDS[channel]) for channel in CHANNELS]
FALLBACK_CHOICES = list(FALLBACK_WORDS.items())
THEN_CHOICES = [(then, THEN_WORDS[then]) for then in THEN]


def _condition(condition: Condition, currency: str) -> str:
    words = CONDITION_WORDS[condition.kind]
    if condition.amount_minor is None:
        return words
    return f"{words} {Money(condition.amount_minor, currency).format()}"


def step_in_words(step: Step, currency: str) -> str:
    """One step as a sentence."""
    said = [
        f"Day {step.days} after {ANCHOR_WORDS[step.anchor]}, {step.at:%H:%M} the consumer's "
        f"time: {CHANNEL_WORDS[step.channel]}"
        + (f" '{step.template}'" if step.template else "")
        + (f" ({step.reason})" if step.reason else "")
    ]
    if step.skip_when:
        said.append("skipped when " + " or ".join(_condition(c, currency) for c in step.skip_when))
    if step.fallback:
        said.append(f"falls back to {FALLBACK_WORDS[step.fallback]}")
    said.append(
        f"then {THEN_WORDS[step.then]}" + (f" ({step.then_reason})" if step.then_reason else "")
    )
    return "; ".join(said)
