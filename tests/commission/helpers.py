"""The spec's example scenario (``commission-scenarios.md``) and its output, and a way
to vary it."""

from __future__ import annotations

import copy
from typing import Any

from agency.commission.scenario import run_scenario

EXAMPLE: dict[str, Any] = {
    "contract": {
        "currency": "USD",
        "remittance": "net",
        "minimum_fee": "0.00",
        "legal_rate": "40.000",
        "tiers": [
            {"rate": "20.000", "placement_age_days": [0, 90]},
            {"rate": "25.000", "placement_age_days": [91, 180]},
            {"rate": "33.000"},
        ],
    },
    "case": {"placed_on": "2026-01-05", "placed_balance": "1200.00", "legal_on": None},
    "payments": [
        {"id": "P1", "on": "2026-02-01", "amount": "100.00", "paid_to": "agency"},
        {"id": "P2", "on": "2026-04-15", "amount": "200.00", "paid_to": "client"},
        {"id": "R1", "on": "2026-04-20", "reverses": "P1", "reason": "nsf"},
    ],
    "period": {"from": "2026-04-01", "to": "2026-04-30"},
}

EXAMPLE_OUTPUT: dict[str, Any] = {
    "currency": "USD",
    "entries": [
        {"id": "P1", "on": "2026-02-01", "paid_to": "agency", "amount": "100.00",
         "rate": "20.000", "tier": 0, "commission": "20.00"},
        {"id": "P2", "on": "2026-04-15", "paid_to": "client", "amount": "200.00",
         "rate": "25.000", "tier": 1, "commission": "50.00"},
        {"id": "R1", "on": "2026-04-20", "paid_to": "agency", "amount": "-100.00",
         "rate": "20.000", "tier": 0, "commission": "-20.00", "reverses": "P1"},
    ],
    "statement": {"from": "2026-04-01", "to": "2026-04-30", "remittance": "net",
                  "collected_agency": "-100.00", "collected_client": "200.00",
                  "commission": "30.00", "remit": "-130.00", "invoice": "0.00"},
}  # fmt: skip


def scenario(
    *,
    contract: dict[str, Any] | None = None,
    case: dict[str, Any] | None = None,
    payments: list[dict[str, Any]] | None = None,
    period: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The example with ``contract`` and ``case`` keys replaced, and ``payments`` or
    ``period`` instead of its own."""
    document = copy.deepcopy(EXAMPLE)
    document["contract"].update(contract or {})
    document["case"].update(case or {})
    if payments is not None:
        document["payments"] = payments
    if period is not None:
        document["period"] = period
    return document


def pay(id: str, on: str, amount: str, paid_to: str = "agency") -> dict[str, str]:
    return {"id": id, "on": on, "amount": amount, "paid_to": paid_to}


def entries(document: dict[str, Any]) -> list[dict[str, Any]]:
    return list(run_scenario(document)["entries"])


def totals(document: dict[str, Any]) -> dict[str, str]:
    return dict(run_scenario(document)["statement"])
