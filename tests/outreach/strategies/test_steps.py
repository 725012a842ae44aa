"""A strategy's steps read exactly: every trigger, channel, condition and hand-over the
format has, and every value that does not fit refused with its path; the first step of
a US strategy is the validation notice unless the client sends it."""

from __future__ import annotations

import copy
from datetime import time
from typing import Any

import pytest

from agency.kit.json_input import JsonInputError
from agency.outreach.strategies.steps import ANCHORS, CONDITIONS, Condition, read_steps

NOTICE: dict[str, Any] = {
    "key": "notice",
    "trigger": {"anchor": "placement", "days": 0, "at": "09:00"},
    "channel": "validation_notice",
    "then": {"kind": "next"},
}
TEXT: dict[str, Any] = {
    "key": "text-day-5",
    "trigger": {"anchor": "validation_sent", "days": 5, "at": "10:30"},
    "channel": "sms",
    "template": "payment-reminder",
    "skip_when": [{"kind": "on_arrangement"}, {"kind": "balance_below", "amount": "25.00"}],
    "fallback": "email",
    "then": {"kind": "next"},
}
CALL: dict[str, Any] = {
    "key": "call-day-10",
    "trigger": {"anchor": "last_step", "days": 5, "at": "14:00"},
    "channel": "call_task",
    "reason": "no answer to the notice and the text",
    "then": {"kind": "agent", "reason": "needs a call"},
}


def read(steps: list[dict[str, Any]], **scope: Any) -> Any:
    options = {"currency": "USD", "country": "US", "notice_by_client": False} | scope
    return read_steps(steps, **options)


def test_a_three_step_strategy_reads_whole() -> None:
    notice, text, call = read([NOTICE, TEXT, CALL])
    assert (notice.channel, notice.anchor, notice.days, notice.at) == (
        "validation_notice",
        "placement",
        0,
        time(9, 0),
    )
    assert text.skip_when == (Condition("on_arrangement"), Condition("balance_below", 2_500))
    assert (text.template, text.fallback, text.at) == ("payment-reminder", "email", time(10, 30))
    assert (call.reason, call.then, call.then_reason) == (
        "no answer to the notice and the text",
        "agent",
        "needs a call",
    )


@pytest.mark.parametrize("anchor", ANCHORS)
def test_every_anchor_is_a_trigger(anchor: str) -> None:
    step = copy.deepcopy(TEXT) | {"trigger": {"anchor": anchor, "days": 3, "at": "12:00"}}
    assert read([NOTICE, step])[1].anchor == anchor


@pytest.mark.parametrize("kind", [c for c in CONDITIONS if c != "balance_below"])
def test_every_condition_reads(kind: str) -> None:
    step = copy.deepcopy(TEXT) | {"skip_when": [{"kind": kind}]}
    assert read([NOTICE, step])[1].skip_when == (Condition(kind),)


def changed(step: dict[str, Any], path: list[str | int], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(step)
    target: Any = out
    for key in path[:-1]:
        target = target[key]
    if value is None:
        target.pop(path[-1])
    else:
        target[path[-1]] = value
    return out


@pytest.mark.parametrize(
    ("path", "value", "where", "why"),
    [
        (["key"], "Text 5", "steps[1].key", "lower-case letters"),
        (["trigger", "anchor"], "birthday", "steps[1].trigger.anchor", "must be one of"),
        (["trigger", "days"], 366, "steps[1].trigger.days", "from 0 to 365"),
        (["trigger", "days"], True, "steps[1].trigger.days", "whole number"),
        (["trigger", "at"], "24:00", "steps[1].trigger.at", "HH:MM"),
        (["channel"], "fax", "steps[1].channel", "must be one of"),
        (["template"], None, "steps[1].template", "is required"),
        (["skip_when", 1, "amount"], "25.001", "steps[1].skip_when[1].amount", "decimal"),
        (["skip_when", 1, "amount"], None, "steps[1].skip_when[1].amount", "is required"),
        (["skip_when", 0, "kind"], "raining", "steps[1].skip_when[0].kind", "must be one of"),
        (["fallback"], "sms", "steps[1].fallback", "must be one of email, letter"),
        (["then", "kind"], "loop", "steps[1].then.kind", "must be one of"),
        (["colour"], "red", "steps[1].colour", "unknown key"),
    ],
)
def test_a_value_that_does_not_fit_is_named_by_its_path(
    path: list[str | int], value: Any, where: str, why: str
) -> None:
    with pytest.raises(JsonInputError) as refused:
        read([NOTICE, changed(TEXT, path, value)])
    assert refused.value.path == where
    assert why in refused.value.reason


def test_a_call_task_and_a_hand_over_say_why() -> None:
    with pytest.raises(JsonInputError) as refused:
        read([NOTICE, changed(CALL, ["reason"], None)])
    assert refused.value.path == "steps[1].reason"
    with pytest.raises(JsonInputError) as refused:
        read([NOTICE, changed(CALL, ["then", "reason"], None)])
    assert refused.value.path == "steps[1].then.reason"


def test_keys_are_unique_and_the_list_is_bounded() -> None:
    with pytest.raises(JsonInputError, match="the key of an earlier step"):
        read([NOTICE, TEXT, TEXT])
    with pytest.raises(JsonInputError, match="at least one step"):
        read([])
    many = [NOTICE] + [changed(TEXT, ["key"], f"t-{n}") for n in range(30)]
    with pytest.raises(JsonInputError, match="at most 30 steps"):
        read(many)


def test_a_us_strategy_starts_with_the_validation_notice() -> None:
    with pytest.raises(JsonInputError) as refused:
        read([TEXT, CALL])
    assert refused.value.path == "steps[0].channel"
    assert "validation notice (Reg F)" in refused.value.reason
    assert len(read([TEXT, CALL], notice_by_client=True)) == 2
    assert len(read([TEXT, CALL], country="CA", currency="CAD")) == 2
