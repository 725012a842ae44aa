"""A strategy's steps, read from their stored form (a JSON list, one object a step) and
refused whole, naming the path of the first value that does not fit
(``steps[2].trigger.days``).  Pure: no database.

A step::

    {"key": "text-day-5",
     "trigger": {"anchor": "validation_sent", "days": 5, "at": "10:00"},
     "channel": "sms", "template": "payment-reminder",
     "skip_when": [{"kind": "on_arrangement"}, {"kind": "balance_below", "amount": "25.00"}],
     "fallback": "email",
     "then": {"kind": "next"}}

- ``trigger``: ``days`` (0–365) after the ``anchor`` — placement, the validation notice
  sent, the last step, a promise broken, a plan broken, a payment reversed, no contact
  for ``days``, an inbound reply — at ``at`` (HH:MM) in the consumer's zone.
- ``channel``: ``letter``, ``email``, ``sms`` (each with its ``template``),
  ``validation_notice`` (the Reg F notice, by letter or e-mail as the case allows), or
  ``call_task`` (a task in an agent's queue, with its ``reason``).
- ``skip_when``: the conditions under which the step is skipped (the runner moves on).
- ``fallback``: the channel an undelivered or failed text or e-mail falls back to.
- ``then``: ``next``, ``end``, or ``agent`` (hand the case to an agent's queue, with a
  ``reason``).

The first step of a US strategy is the validation notice unless the strategy says the
client sends it (``notice_by_client``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from typing import Any

from agency.kit.json_input import JsonInputError
from agency.kit.scenarios import amount_at, keys_of, whole_at

MAX_STEPS = 30
MAX_CONDITIONS = 10
ANCHORS = (
    "placement",
    "validation_sent",
    "last_step",
    "promise_broken",
    "plan_broken",
    "payment_reversed",
    "no_contact",
    "inbound_reply",
)
MESSAGE_CHANNELS = ("letter", "email", "sms")
CHANNELS = (*MESSAGE_CHANNELS, "validation_notice", "call_task")
FALLBACKS = {"sms": ("email", "letter"), "email": ("letter",)}
CONDITIONS = (
    "on_arrangement",  # on an active plan or promise
    "disputed_or_on_hold",
    "no_consented_channel",  # no contact point of the step's channel the consumer consented to
    "balance_below",  # with "amount"
    "previous_delivered",
    "previous_undelivered",
    "previous_failed",
    "consumer_replied",
)
THEN = ("next", "end", "agent")
_KEY = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
_TEMPLATE = re.compile(r"[a-z0-9][a-z0-9-]{0,59}")
_AT = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")
REASON_MAX = 200


@dataclass(frozen=True, slots=True)
class Condition:
    kind: str
    amount_minor: int | None = None


@dataclass(frozen=True, slots=True)
class Step:
    key: str
    anchor: str
    days: int
    at: time
    channel: str
    template: str | None
    reason: str | None  # a call task's, or a hand-over's
    skip_when: tuple[Condition, ...]
    fallback: str | None
    then: str
    then_reason: str | None


def read_steps(value: Any, *, currency: str, country: str, notice_by_client: bool) -> list[Step]:
    """The steps of ``value`` (the stored JSON list), checked as the module says."""
    if not isinstance(value, list):
        raise JsonInputError("steps", "must be a list of steps")
    if not value:
        raise JsonInputError("steps", "a strategy has at least one step")
    if len(value) > MAX_STEPS:
        raise JsonInputError("steps", f"at most {MAX_STEPS} steps")
    steps = [_step(raw, f"steps[{n}]", currency) for n, raw in enumerate(value)]
    seen: set[str] = set()
    for n, step in enumerate(steps):
        if step.key in seen:
            raise JsonInputError(f"steps[{n}].key", f"{step.key!r} is the key of an earlier step")
        seen.add(step.key)
    if country == "US" and not notice_by_client and steps[0].channel != "validation_notice":
        raise JsonInputError(
            "steps[0].channel",
            "the first step of a US strategy is the validation notice (Reg F), unless the "
            "client sends it",
        )
    return steps


def _step(raw: Any, path: str, currency: str) -> Step:
    fields = keys_of(
        raw,
        path,
        ("key", "trigger", "channel", "then"),
        ("template", "reason", "skip_when", "fallback"),
    )
    key = fields["key"]
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise JsonInputError(f"{path}.key", "must be 1 to 40 lower-case letters, digits or hyphens")
    trigger = keys_of(fields["trigger"], f"{path}.trigger", ("anchor", "days", "at"))
    if trigger["anchor"] not in ANCHORS:
        raise JsonInputError(f"{path}.trigger.anchor", f"must be one of {', '.join(ANCHORS)}")
    days = whole_at(trigger["days"], f"{path}.trigger.days", 0, 365)
    at = _at(trigger["at"], f"{path}.trigger.at")
    channel = fields["channel"]
    if channel not in CHANNELS:
        raise JsonInputError(f"{path}.channel", f"must be one of {', '.join(CHANNELS)}")
    template = fields["template"]
    if channel in MESSAGE_CHANNELS:
        if not isinstance(template, str) or not _TEMPLATE.fullmatch(template):
            raise JsonInputError(f"{path}.template", "is required: the template's key")
    elif template is not None:
        raise JsonInputError(f"{path}.template", f"a {channel} step has no template")
    reason = _reason(fields["reason"], f"{path}.reason", required=channel == "call_task")
    conditions = fields["skip_when"] or []
    if not isinstance(conditions, list) or len(conditions) > MAX_CONDITIONS:
        raise JsonInputError(f"{path}.skip_when", f"must be a list of at most {MAX_CONDITIONS}")
    skip_when = tuple(
        _condition(c, f"{path}.skip_when[{n}]", currency) for n, c in enumerate(conditions)
    )
    fallback = fields["fallback"]
    if fallback is not None and fallback not in FALLBACKS.get(channel, ()):
        allowed = FALLBACKS.get(channel)
        raise JsonInputError(
            f"{path}.fallback",
            f"must be one of {', '.join(allowed)}" if allowed else f"a {channel} step has none",
        )
    then = keys_of(fields["then"], f"{path}.then", ("kind",), ("reason",))
    if then["kind"] not in THEN:
        raise JsonInputError(f"{path}.then.kind", f"must be one of {', '.join(THEN)}")
    then_reason = _reason(then["reason"], f"{path}.then.reason", required=then["kind"] == "agent")
    return Step(
        key=key,
        anchor=trigger["anchor"],
        days=days,
        at=at,
        channel=channel,
        template=template,
        reason=reason,
        skip_when=skip_when,
        fallback=fallback,
        then=then["kind"],
        then_reason=then_reason,
    )


def _at(value: Any, path: str) -> time:
    found = _AT.fullmatch(value) if isinstance(value, str) else None
    if found is None:
        raise JsonInputError(path, "must be a time of day, HH:MM (24-hour)")
    return time(int(found.group(1)), int(found.group(2)))


def _reason(value: Any, path: str, *, required: bool) -> str | None:
    if value is None:
        if required:
            raise JsonInputError(path, "is required: say why, for the agent")
        return None
    if not isinstance(value, str) or not 1 <= len(value.strip()) <= REASON_MAX:
        raise JsonInputError(path, f"must be a text of 1 to {REASON_MAX} characters")
    return value.strip()


def _condition(raw: Any, path: str, currency: str) -> Condition:
    fields = keys_of(raw, path, ("kind",), ("amount",))
    kind = fields["kind"]
    if kind not in CONDITIONS:
        raise JsonInputError(f"{path}.kind", f"must be one of {', '.join(CONDITIONS)}")
    if kind == "balance_below":
        if fields["amount"] is None:
            raise JsonInputError(f"{path}.amount", "is required for balance_below")
        return Condition(kind, amount_at(fields["amount"], currency, f"{path}.amount"))
    if fields["amount"] is not None:
        raise JsonInputError(f"{path}.amount", f"a {kind} condition has no amount")
    return Condition(kind)
