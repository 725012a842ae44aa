"""The scenario format of ``commission-scenarios.md`` accepted exactly: unknown keys,
missing required keys and bad values refused with the path of what is wrong."""

from __future__ import annotations

from typing import Any

import pytest

from agency.commission.scenario import read_document, run_scenario
from agency.kit.json_input import JsonInputError
from tests.commission.helpers import EXAMPLE, pay, scenario

TIERS = EXAMPLE["contract"]["tiers"]


def refusal(document: Any) -> tuple[str, str]:
    with pytest.raises(JsonInputError) as caught:
        run_scenario(document)
    return caught.value.path, caught.value.reason


@pytest.mark.parametrize(
    ("document", "path", "reason"),
    [
        (scenario(contract={"tiers": [TIERS[0], {"rate": "101"}]}), "contract.tiers[1].rate",
         'must be a percentage from 0 to 100 with at most 3 decimals, such as "60.000"'),
        (scenario(contract={"tiers": [{"rate": "20.0001"}]}), "contract.tiers[0].rate", None),
        (scenario(contract={"tiers": []}), "contract.tiers", "must hold from 1 to 50 items"),
        (scenario(contract={"tiers": [{"rate": "20", "colour": "red"}]}),
         "contract.tiers[0].colour", "unknown key"),
        (scenario(contract={"tiers": [{"rate": "20", "placement_age_days": [10, 5]}]}),
         "contract.tiers[0].placement_age_days[1]", "must not be less than the minimum"),
        (scenario(contract={"tiers": [{"rate": "20", "placement_age_days": [0]}]}),
         "contract.tiers[0].placement_age_days", None),
        (scenario(contract={"tiers": [{"rate": "20", "placement_age_days": [-1, None]}]}),
         "contract.tiers[0].placement_age_days[0]", "must be a whole number from 0 to 36600"),
        (scenario(contract={"tiers": [{"rate": "20", "placed_balance": ["0.001", None]}]}),
         "contract.tiers[0].placed_balance[0]",
         "has 3 decimals; USD amounts have 2 decimal places"),
        (scenario(contract={"tiers": [{"rate": "20", "stage": "late"}]}),
         "contract.tiers[0].stage", "must be one of early, collection"),
        (scenario(contract={"remittance": "both"}), "contract.remittance",
         "must be one of net, gross"),
        (scenario(contract={"minimum_fee": "-1.00"}), "contract.minimum_fee", "cannot be negative"),
        (scenario(contract={"currency": "XYZ"}), "contract.currency", None),
        (scenario(contract={"legal_rate": 40}), "contract.legal_rate", None),
        (scenario(case={"placed_on": "2026-02-30"}), "case.placed_on",
         "must be a date written YYYY-MM-DD"),
        (scenario(case={"placed_balance": None}), "case.placed_balance", "is required"),
        (scenario(case={"legal_on": "2025-12-31"}), "case.legal_on",
         "must be on or after case.placed_on"),
        (scenario(case={"escalated_on": "2026-02-01"}), "case.escalated_on",
         'is only for a case whose stage is "early"'),
        (scenario(payments=[pay("P1", "2026-01-04", "1.00")]), "payments[0].on",
         "must be on or after case.placed_on"),
        (scenario(payments=[pay("P1", "2026-02-01", "0.00")]), "payments[0].amount",
         "must be more than zero"),
        (scenario(payments=[pay("P1", "2026-02-01", "1.005")]), "payments[0].amount",
         "has 3 decimals; USD amounts have 2 decimal places"),
        (scenario(payments=[pay("P1", "2026-02-01", "1.00", "bank")]), "payments[0].paid_to",
         "must be one of agency, client"),
        (scenario(payments=[pay("P1", "2026-02-01", "1.00"), pay("P1", "2026-02-02", "1.00")]),
         "payments[1].id", "is also payments[0]'s id"),
        (scenario(payments=[{"id": "R", "on": "2026-02-01", "reverses": "P9", "reason": "nsf"}]),
         "payments[0].reverses", "names no payment of the scenario"),
        (scenario(payments=[{"id": "R", "on": "2026-02-01", "reverses": "P9"}]),
         "payments[0].reason", "is required"),
        (scenario(payments=[pay("P1", "2026-02-01", "1.00"),
                            {"id": "R", "on": "2026-01-31", "reverses": "P1", "reason": "nsf"}]),
         "payments[1].on", "is before the payment it reverses (P1)"),
        (scenario(payments=[pay("P1", "2026-02-01", "1.00"),
                            {"id": "R", "on": "2026-02-01", "reverses": "P1", "reason": "nsf"},
                            {"id": "S", "on": "2026-02-02", "reverses": "R", "reason": "error"}]),
         "payments[2].reverses", "names a reversal: a reversal cannot be reversed"),
        (scenario(payments=[pay("P1", "2026-02-01", "1.00"),
                            {"id": "R", "on": "2026-02-01", "reverses": "P1", "reason": "nsf"},
                            {"id": "S", "on": "2026-02-02", "reverses": "P1", "reason": "nsf"}]),
         "payments[2].reverses", "P1 is reversed already by payments[1]"),
        (scenario(period={"from": "2026-04-30", "to": "2026-04-01"}), "period.to",
         "must be on or after period.from"),
        (scenario(period={"from": "2026-04-01"}), "period.to", "is required"),
        ({**EXAMPLE, "extra": 1}, "extra", "unknown key"),
        ([], "", "must be a JSON object"),
    ],
)  # fmt: skip
def test_bad_scenarios_name_the_path(document: Any, path: str, reason: str | None) -> None:
    got_path, got_reason = refusal(document)
    assert got_path == path
    if reason is not None:
        assert got_reason == reason


def test_a_payment_no_tier_covers_names_the_payment_its_age_and_the_balance() -> None:
    document = scenario(
        contract={"tiers": [TIERS[0]], "legal_rate": None},
        payments=[pay("P1", "2026-02-01", "1.00"), pay("P2", "2026-06-01", "1.00")],
    )
    assert refusal(document) == (
        "payments[1]",
        "P2: no tier covers it (placement age 147 days, placed balance 1200.00, stage collection)",
    )


def test_the_document_is_bounded_before_it_is_read() -> None:
    with pytest.raises(JsonInputError, match="larger than 1024 KiB"):
        read_document(b" " * (1024 * 1024 + 1))
    with pytest.raises(JsonInputError):
        read_document(b'{"a": [[[[[[1]]]]]]}')  # deeper than the format nests


def test_optional_keys_may_be_left_out() -> None:
    document = scenario()
    for key in ("remittance", "minimum_fee", "legal_rate"):
        del document["contract"][key]
    del document["case"]["legal_on"]
    assert run_scenario(document)["statement"]["remittance"] == "net"
