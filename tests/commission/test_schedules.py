"""Publishing a fee schedule: a new version from the scenario format, refused whole when
a value is bad, the tiers overlap or leave a gap, the day is past, or no reason is given;
the ledger then rates payments by it."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency.commission.models import FeeScheduleVersion
from agency.commission.schedules import ScheduleRefused, publish
from tests.fixtures.factories import ContractFactory

TODAY = date(2025, 6, 10)
TERMS: dict[str, Any] = {
    "currency": "USD",
    "remittance": "gross",
    "minimum_fee": "1.00",
    "legal_rate": "40.000",
    "tiers": [
        {"rate": "20.000", "placement_age_days": [0, 90]},
        {"rate": "25", "placement_age_days": [91, None]},
    ],
}


def publish_(db: Session, contract_id: int, **changes: Any) -> FeeScheduleVersion:
    values: dict[str, Any] = {
        "contract_id": contract_id,
        "contract_currency": "USD",
        "terms": TERMS,
        "effective_from": TODAY,
        "today": TODAY,
        "reason": "  addendum 3,\n signed 2025-06-01 ",
        "by_user_id": None,
    }
    return publish(db, **{**values, **changes})


def test_each_publish_is_a_new_version_with_its_reason(db: Session) -> None:
    contract = ContractFactory()
    first = publish_(db, contract.id)
    second = publish_(db, contract.id, effective_from=date(2025, 7, 1), reason="renewal")
    assert (first.version, second.version) == (1, 2)
    assert first.reason == "addendum 3, signed 2025-06-01"  # whitespace folded
    assert (first.minimum_fee_minor, str(first.legal_rate), first.remittance.value) == (
        100,
        "40.000",
        "gross",
    )
    assert first.tiers == [
        {"rate": "20.000", "placement_age_days": [0, 90]},
        {"rate": "25", "placement_age_days": [91, None]},
    ]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"reason": "  "}, "reason", "say why the schedule changes"),
        ({"effective_from": date(2025, 6, 9)}, "effective_from", None),
        ({"contract_currency": "EUR"}, "schedule.currency", "must be the contract's, EUR"),
        ({"terms": {**TERMS, "tiers": [{"rate": "120"}]}}, "schedule.tiers[0].rate", None),
        ({"terms": {**TERMS, "colour": "red"}}, "schedule.colour", "unknown key"),
        (
            {"terms": {**TERMS, "tiers": [{"rate": "20", "placement_age_days": [0, 90]}]}},
            "schedule.tiers",
            "no tier covers placement age 91 days or more, any placed balance: "
            "add a tier or widen one",
        ),
        (
            {"terms": {**TERMS, "tiers": [{"rate": "20", "placement_age_days": [0, 100]},
                                          {"rate": "25", "placement_age_days": [91, None]}]}},
            "schedule.tiers",
            "tiers 1 and 2 overlap: both cover placement age 91–100 days, any placed balance",
        ),
    ],
)  # fmt: skip
def test_a_refused_schedule_names_what_and_writes_nothing(
    db: Session, changes: dict[str, Any], field: str, message: str | None
) -> None:
    contract = ContractFactory()
    with pytest.raises(ScheduleRefused) as refused:
        publish_(db, contract.id, **changes)
    assert refused.value.field == field
    if message is not None:
        assert refused.value.message == message
    assert db.scalar(select(func.count()).select_from(FeeScheduleVersion)) == 0
