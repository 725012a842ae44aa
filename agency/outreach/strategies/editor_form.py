"""The step editor's form and the stored steps, both ways, and its buttons.

Each step is a fieldset of controls named ``steps-<n>-<field>`` (``steps-2-days``);
the skip conditions are boxes named ``steps-<n>-skip``.  Blank controls are no value:
the stored step leaves them out, and ``steps.read_steps`` names what is missing by its
path, which ``control_of`` turns back into the control (``steps[2].trigger.days`` is
``steps-2-days``).  "Add step", "Remove" and "Move up" are submit buttons (``do``) that
answer the form again with the change and everything typed kept: no script needed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from agency.kit.json_input import JsonInputError
from agency.outreach.strategies.steps import MAX_STEPS, MESSAGE_CHANNELS, read_steps

FIELDS = (
    "key",
    "anchor",
    "days",
    "at",
    "channel",
    "template",
    "reason",
    "below",
    "fallback",
    "then",
    "then_reason",
)
LABELS = {
    "key": "Key",
    "anchor": "Counted from",
    "days": "Days after",
    "at": "Time of day",
    "channel": "Channel",
    "template": "Template",
    "reason": "Reason for the call task",
    "skip": "Skipped when",
    "below": "Skipped when the balance is below",
    "fallback": "Falls back to",
    "then": "Then",
    "then_reason": "Reason for the agent",
}
# A path of ``read_steps`` after ``steps[n].`` (list indices dropped) -> its control.
_CONTROLS = {
    "key": "key",
    "trigger.anchor": "anchor",
    "trigger.days": "days",
    "trigger.at": "at",
    "channel": "channel",
    "template": "template",
    "reason": "reason",
    "skip_when": "skip",
    "skip_when.kind": "skip",
    "skip_when.amount": "below",
    "fallback": "fallback",
    "then.kind": "then",
    "then.reason": "then_reason",
}
_NAME = re.compile(r"steps-(\d{1,2})-(\w+)")
_PATH = re.compile(r"steps\[(\d+)\]\.(.+)")
_ACTION = re.compile(r"(add|publish)|(remove|up)-(\d{1,2})")
_DAYS = re.compile(r"\d{1,4}")


@dataclass
class StepFields:
    """One step as the form holds it: each of ``FIELDS`` as typed, and the ticked skip
    conditions."""

    values: dict[str, str]
    skip: list[str] = field(default_factory=list)


def blank_step(key: str, **values: str) -> StepFields:
    start = {"anchor": "last_step", "channel": "sms", "then": "next"}
    return StepFields(dict.fromkeys(FIELDS, "") | start | {"key": key} | values)


def notice_step() -> StepFields:
    """The first step of a new US strategy: the validation notice on placement."""
    return blank_step(
        "validation-notice", anchor="placement", days="0", at="09:00", channel="validation_notice"
    )


def fields_of(steps: list[dict[str, Any]]) -> list[StepFields]:
    """The stored steps (a published version's) as the form shows them."""
    shown = []
    for step in steps:
        trigger, then = step["trigger"], step["then"]
        conditions = step.get("skip_when") or []
        below = [c.get("amount", "") for c in conditions if c["kind"] == "balance_below"]
        values = {
            "key": step["key"],
            "anchor": trigger["anchor"],
            "days": str(trigger["days"]),
            "at": trigger["at"],
            "channel": step["channel"],
            "template": step.get("template") or "",
            "reason": step.get("reason") or "",
            "below": below[0] if below else "",
            "fallback": step.get("fallback") or "",
            "then": then["kind"],
            "then_reason": then.get("reason") or "",
        }
        skip = [c["kind"] for c in conditions if c["kind"] != "balance_below"]
        shown.append(StepFields(values, skip))
    return shown


def posted_steps(form: FormData) -> list[StepFields]:
    """The steps as posted, in the order of their numbers."""
    found: dict[int, StepFields] = {}
    for name, value in form.multi_items():
        match = _NAME.fullmatch(name)
        if match is None or not isinstance(value, str):
            continue
        step = found.setdefault(int(match.group(1)), blank_step(""))
        if match.group(2) == "skip":
            step.skip.append(value)
        elif match.group(2) in FIELDS:
            step.values[match.group(2)] = value
    return [found[n] for n in sorted(found)]


def _text(value: str) -> str | None:
    return value.strip() or None


def stored(steps: list[StepFields]) -> list[dict[str, Any]]:
    """The steps as a version stores them (``steps.read_steps`` checks them); a template
    or a call task's reason on a step whose channel has none is left out."""
    result = []
    for step in steps:
        v = step.values
        days = v["days"].strip()
        trigger = {
            "anchor": _text(v["anchor"]),
            "at": _text(v["at"]),
            "days": int(days) if _DAYS.fullmatch(days) else _text(days),
        }
        raw: dict[str, Any] = {
            "key": _text(v["key"]),
            "trigger": trigger,
            "channel": _text(v["channel"]),
        }
        if v["channel"] in MESSAGE_CHANNELS:
            raw["template"] = _text(v["template"])
        if v["channel"] == "call_task":
            raw["reason"] = _text(v["reason"])
        conditions: list[dict[str, str]] = [{"kind": k} for k in dict.fromkeys(step.skip)]
        if _text(v["below"]):
            conditions.append({"kind": "balance_below", "amount": v["below"].strip()})
        if conditions:
            raw["skip_when"] = conditions
        if _text(v["fallback"]):
            raw["fallback"] = v["fallback"].strip()
        raw["then"] = {"kind": _text(v["then"])}
        if _text(v["then_reason"]):
            raw["then"]["reason"] = v["then_reason"].strip()
        result.append(raw)
    return result


def each_step_problems(steps: list[dict[str, Any]], currency: str) -> dict[str, str]:
    """What is wrong with each step on its own, by path (one a step), so that a form
    with several bad steps answers them all at once; the rules across steps (distinct
    keys, a US strategy's first step) are publishing's."""
    problems = {}
    for n, raw in enumerate(steps):
        try:
            read_steps([raw], currency=currency, country="", notice_by_client=True)
        except JsonInputError as exc:
            problems[exc.path.replace("steps[0]", f"steps[{n}]", 1)] = exc.reason
    return problems


def control_of(path: str) -> tuple[int, str] | None:
    """The step number and field of the control a path names (``steps[2].trigger.days``:
    ``(2, "days")``), or None for a path about the whole (``steps``)."""
    match = _PATH.fullmatch(path)
    if match is None:
        return None
    found = _CONTROLS.get(re.sub(r"\[\d+\]", "", match.group(2)))
    return None if found is None else (int(match.group(1)), found)


def edited(steps: list[StepFields], action: str | None) -> list[StepFields] | None:
    """The steps with a button's change ("add", "remove-<n>", "up-<n>"; anything else
    none), or None for "publish" (a form sent without a button, by Enter, publishes as
    its first button does)."""
    match = _ACTION.fullmatch(action or "publish")
    if match is None:
        return steps
    if match.group(1) == "publish":
        return None
    if match.group(1) == "add":
        if len(steps) >= MAX_STEPS:
            return steps
        taken = {s.values["key"] for s in steps}
        number = next(
            n for n in range(len(steps) + 1, 2 * MAX_STEPS + 2) if f"step-{n}" not in taken
        )
        return [*steps, blank_step(f"step-{number}")]
    at = int(match.group(3))
    if at >= len(steps):
        return steps
    if match.group(2) == "remove":
        return steps[:at] + steps[at + 1 :]
    if at == 0:
        return steps
    return [*steps[: at - 1], steps[at], steps[at - 1], *steps[at + 1 :]]
