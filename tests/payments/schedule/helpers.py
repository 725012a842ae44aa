"""The spec's example scenario, and running a scenario document through the real code."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from agency.payments.schedule.scenario import run_scenario
from agency.payments.schemas import PaymentError

EXAMPLE: dict[str, Any] = {
    "today": "2026-03-10",
    "case": {"balance": "1000.00", "currency": "USD", "country": "US", "region": "NY"},
    "authority": {
        "settlement_floor": "60.000",
        "max_months": 12,
        "min_installment": "25.00",
        "min_down_payment_percent": "10.000",
    },
    "offer": {
        "kind": "plan",
        "total": None,
        "first_due": "2026-03-31",
        "frequency": "monthly",
        "count": 3,
        "installment": None,
        "down_payment": None,
    },
}

EXAMPLE_OUTPUT: dict[str, Any] = {
    "kind": "plan",
    "currency": "USD",
    "total": "1000.00",
    "needs_approval": False,
    "reasons": [],
    "payments": [
        {"due": "2026-03-31", "amount": "333.33", "down_payment": False},
        {"due": "2026-04-30", "amount": "333.33", "down_payment": False},
        {"due": "2026-06-01", "amount": "333.34", "down_payment": False},
    ],
}


def scenario(
    *, case: dict[str, Any] | None = None, offer: dict[str, Any] | None = None, **top: Any
) -> dict[str, Any]:
    """The example with ``case`` and ``offer`` keys changed and top-level keys replaced."""
    document = copy.deepcopy(EXAMPLE)
    document["case"].update(case or {})
    document["offer"].update(offer or {})
    document.update(top)
    return document


def run(document: dict[str, Any]) -> dict[str, Any]:
    return run_scenario(document)


def dues(document: dict[str, Any]) -> list[str]:
    return [payment["due"] for payment in run(document)["payments"]]


def amounts(document: dict[str, Any]) -> list[str]:
    return [payment["amount"] for payment in run(document)["payments"]]


def refusal(document: Any) -> str:
    """``path: message`` of the refusal; fails the test if the scenario is accepted."""
    with pytest.raises(PaymentError) as caught:
        run_scenario(document)
    return f"{caught.value.field}: {caught.value.message}"


def changed(edit: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    document = copy.deepcopy(EXAMPLE)
    edit(document)
    return document
