"""The scenario format read exactly: unknown and missing keys, wrong types, bad values,
and the bounds of the file; the output object in the spec's key order."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from agency.kit.json_input import JsonInputError
from agency.payments.schedule.scenario import MAX_SCENARIO_BYTES, read_document
from tests.payments.schedule.helpers import EXAMPLE, EXAMPLE_OUTPUT, changed, refusal, run

Edit = Callable[[dict[str, Any]], object]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.update(colour="blue"), "colour: unknown key"),
        (lambda d: d["case"].update(balnce="1.00"), "case.balnce: unknown key"),
        (lambda d: d["authority"].update(floor="1"), "authority.floor: unknown key"),
        (lambda d: d["offer"].update(due="2026-03-31"), "offer.due: unknown key"),
        (
            lambda d: d["offer"].update(
                down_payment={"amount": "1.00", "due": "2026-03-20", "x": 1}
            ),
            "offer.down_payment.x: unknown key",
        ),
        (lambda d: d["case"].update({"a b": 1}), 'case["a b"]: unknown key'),
        (lambda d: d.pop("today"), "today: is required"),
        (lambda d: d.pop("case"), "case: is required"),
        (lambda d: d.pop("offer"), "offer: is required"),
        (lambda d: d["case"].pop("balance"), "case.balance: is required"),
        (lambda d: d["case"].pop("currency"), "case.currency: is required"),
        (lambda d: d["case"].pop("country"), "case.country: is required"),
        (lambda d: d["offer"].pop("kind"), "offer.kind: is required"),
        (lambda d: d["offer"].update(first_due=None), "offer.first_due: is required"),
        (
            lambda d: d["offer"].update(down_payment={"amount": "1.00"}),
            "offer.down_payment.due: is required",
        ),
        (lambda d: d.update(today=20260310), "today: must be a date written YYYY-MM-DD"),
        (lambda d: d.update(today="2026-03-10T00:00"), "today: must be a date written YYYY-MM-DD"),
        (lambda d: d.update(case=[]), "case: must be a JSON object"),
        (lambda d: d.update(authority="none"), "authority: must be a JSON object"),
        (
            lambda d: d["offer"].update(down_payment="100.00"),
            "offer.down_payment: must be a JSON object",
        ),
        (
            lambda d: d["case"].update(currency="usd"),
            'case.currency: must be an ISO 4217 currency code such as "USD"',
        ),
        (
            lambda d: d["case"].update(currency="XYZ"),
            'case.currency: must be an ISO 4217 currency code such as "USD"',
        ),
        (
            lambda d: d["case"].update(balance=1000),
            'case.balance: must be an amount written as a string, such as "1000.00"',
        ),
        (lambda d: d["case"].update(balance="0"), "case.balance: must be more than zero"),
        (lambda d: d["case"].update(balance="-10.00"), "case.balance: must be more than zero"),
        (
            lambda d: d["authority"].update(max_months=0),
            "authority.max_months: must be a whole number from 1 to 120",
        ),
        (
            lambda d: d["authority"].update(max_months="12"),
            "authority.max_months: must be a whole number from 1 to 120",
        ),
        (
            lambda d: d["authority"].update(settlement_floor=60),
            "authority.settlement_floor: must be a percentage from 0 to 100 with at most 3 "
            'decimals, such as "60.000"',
        ),
        (
            lambda d: d["authority"].update(min_down_payment_percent="101"),
            "authority.min_down_payment_percent: must be a percentage from 0 to 100 with at most "
            '3 decimals, such as "60.000"',
        ),
        (
            lambda d: d["authority"].update(min_installment="-1.00"),
            "authority.min_installment: must be more than zero",
        ),
        (
            lambda d: d["offer"].update(kind=["plan"]),
            "offer.kind: must be one of promise, plan, settlement",
        ),
    ],
)
def test_bad_scenarios_name_the_path(edit: Edit, message: str) -> None:
    assert refusal(changed(edit)) == message


def test_the_document_must_be_an_object() -> None:
    assert refusal([EXAMPLE]) == ": the scenario must be a JSON object"


def test_missing_limits_and_region_are_no_limit_and_no_region() -> None:
    document = changed(lambda d: (d.pop("authority"), d["case"].pop("region")))
    for key in ("total", "installment", "down_payment"):
        document["offer"].pop(key)
    assert run(document) == EXAMPLE_OUTPUT


def test_the_output_keys_are_in_the_spec_order() -> None:
    text = json.dumps(run(EXAMPLE))
    assert list(json.loads(text)) == [
        "kind",
        "currency",
        "total",
        "needs_approval",
        "reasons",
        "payments",
    ]
    assert list(json.loads(text)["payments"][0]) == ["due", "amount", "down_payment"]


@pytest.mark.parametrize(
    ("raw", "path", "reason"),
    [
        (
            b"{",
            "",
            "not JSON: Expecting property name enclosed in double quotes at line 1 column 2",
        ),
        (b'{"today": "2026-03-10", "today": "2026-03-11"}', "today", "is given twice"),
        (
            b'{"offer": {"down_payment": {"amount": {"x": 1}}}}',
            "offer.down_payment.amount",
            "is nested deeper than 3 levels",
        ),
        (
            b'{"case": {"balance": 1e999}}',
            "case.balance",
            "is a number with an exponent beyond ±40",
        ),
        (b'{"x": NaN}', "x", "NaN is not a JSON number"),
        (b"\xff", "", "the JSON is not UTF-8 (byte 1)"),
    ],
)
def test_json_outside_the_bounds_is_refused(raw: bytes, path: str, reason: str) -> None:
    with pytest.raises(JsonInputError) as caught:
        read_document(raw)
    assert (caught.value.path, caught.value.reason) == (path, reason)


def test_a_document_over_64_kib_is_refused_before_it_is_parsed() -> None:
    raw = json.dumps(EXAMPLE).encode().ljust(MAX_SCENARIO_BYTES + 1)
    with pytest.raises(JsonInputError, match="larger than 64 KiB"):
        read_document(raw)
    assert read_document(json.dumps(EXAMPLE).encode().ljust(MAX_SCENARIO_BYTES)) == json.loads(
        json.dumps(EXAMPLE), parse_float=str
    )
