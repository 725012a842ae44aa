"""A row the database would refuse stops nothing: validation refuses every value beyond
the documented ranges, and a value only the database refuses is isolated to its row
(the batch bisected in savepoints) and rejected with a reason; the rest is placed.
Through the real placement job, committed, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from agency.cases import service as cases_service
from agency.cases.models import Case
from agency.cases.schemas import Account, Maintenance, Placed
from agency.clients import service as clients_service
from agency.clients.models import Client
from agency.config import get_settings
from agency.db import session_scope
from agency.kit import money, values
from agency.referrals import push, repository, storing
from agency.referrals.models import Placement, PlacementStatus
from tests.fixtures.factories import ClientFactory, ContractFactory, UserFactory, case_for
from tests.fixtures.referral_files import csv_text, good, references_placed
from tests.referrals.test_placing import make_client, place_file


def rejections_of(placement_id: int) -> list[tuple[int, list[dict[str, str]]]]:
    with session_scope() as db:
        return [(r.row, r.errors) for r in repository.rejections(db, placement_id)]


def rows(count: int, **poisoned: dict[str, str]) -> list[dict[str, str]]:
    """``count`` good rows; ``poisoned`` changes some by reference (A0, A1, ...)."""
    return [
        good(f"A{n}", email=f"a{n}@example.com", phone=f"(312) 555-01{n:02d}")
        | poisoned.get(f"A{n}", {})
        for n in range(count)
    ]


def test_the_issue_s_poison_row_is_rejected_with_its_reason_and_the_rest_placed(
    bound_engine: Engine, tmp_path: Path
) -> None:
    client_id = make_client("ACME")
    text = csv_text(rows(5, A2={"principal": "99999999999999999999", "balance": ""}))
    placement_id = place_file(tmp_path, client_id, text)
    with session_scope() as db:
        placement = db.get(Placement, placement_id)
        assert placement is not None
        assert (placement.status, placement.accepted, placement.rejected) == (
            PlacementStatus.COMPLETED,
            4,
            1,
        )
    assert rejections_of(placement_id) == [
        (
            4,
            [
                {
                    "column": "principal",
                    "message": "'99999999999999999999' is more than 999,999,999.99, "
                    "the largest amount accepted",
                }
            ],
        )
    ]
    assert references_placed() == ["A0", "A1", "A3", "A4"]


@pytest.fixture
def ranges_widened(monkeypatch: pytest.MonkeyPatch) -> None:
    """Validation lets amounts of up to 30 digits through: only the database refuses."""
    monkeypatch.setattr(values, "MAX_WHOLE_DIGITS", 30)
    monkeypatch.setattr(money, "MAX_WHOLE_DIGITS", 30)
    monkeypatch.setattr(values, "MAX_AMOUNT_TEXT", 60)


def test_a_value_only_the_database_refuses_is_isolated_to_its_row(
    bound_engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    ranges_widened: None,
) -> None:
    monkeypatch.setattr(get_settings(), "placement_batch_rows", 4)
    poison = {"principal": "99999999999999999999", "balance": ""}
    text = csv_text(rows(10, A1=poison, A6=poison))  # one in each of the first two batches
    placement_id = place_file(tmp_path, client_id := make_client("ACME"), text)
    with session_scope() as db:
        placement = db.get(Placement, placement_id)
        assert placement is not None
        assert (placement.status, placement.accepted, placement.rejected) == (
            PlacementStatus.COMPLETED,
            8,
            2,
        )
        assert placement.client_id == client_id
    refused = [
        {
            "column": "principal",
            "message": "could not be stored: a value is out of range for the database",
        }
    ]
    assert rejections_of(placement_id) == [(3, refused), (8, refused)]
    assert references_placed() == sorted(f"A{n}" for n in range(10) if n not in (1, 6))


def test_a_batch_the_database_refuses_whole_is_a_fault_not_poison_rows(
    db: Session, ranges_widened: None
) -> None:
    accounts = [
        Account(
            row=row,
            client_reference=f"A{row}",
            first_name="Jane",
            last_name="Doe",
            country="US",
            currency="USD",
            principal=10**22,
            interest=0,
            fees=0,
            amount_at_itemization=10**22,
            timezones=(),
        )
        for row in (2, 3)
    ]
    calls: list[int] = []

    def refuse_all(items: Sequence[Any]) -> list[Placed]:
        calls.append(len(items))
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    with pytest.raises(OverflowError):
        storing.store(db, accounts, refuse_all)
    assert calls == [2, 1, 1]
    one: list[Account] = accounts[:1]
    assert [p.status for p in storing.store(db, one, refuse_all)] == ["rejected"]


def test_an_adjustment_may_not_take_a_balance_beyond_the_largest(db: Session) -> None:
    client: Client = ClientFactory(code="ACME")
    largest = money.max_minor("USD")
    case = case_for(client, client_reference="A1", principal_minor=largest, interest_minor=0)
    adjust = Maintenance(
        row=2, client_reference="A1", action="adjust", amount=100, reason="interest"
    )
    (placed,) = cases_service.apply_maintenance(
        db, client_id=client.id, placement_id=None, items=[adjust]
    )
    assert placed.status == "rejected"
    assert placed.errors[0].message.endswith(
        "would take the balance above 999,999,999.99, the largest balance accepted"
    )
    assert db.scalar(select(Case.principal_minor).where(Case.id == case.id)) == largest


# ---- the JSON path: numbers as the bounded loader or json.loads give them ---------------


@pytest.mark.parametrize(
    ("principal", "message"),
    [
        (Decimal("1e1000000000"), "'1E+1000000000' is not an amount"),
        (
            Decimal("1e20"),
            "'100000000000000000000' is more than 999,999,999.99, the largest amount accepted",
        ),
        ("9" * 5000, f"'{'9' * 40}'… is too long to be an amount"),
        (10**100, f"'{'1' + '0' * 39}'… is too long to be an amount"),
        ("12\x00", "contains a NUL character"),
        ("\ud800", "contains a lone surrogate (not a character)"),
    ],
    ids=["1e1000000000", "1e20", "5000-digits", "10**100", "nul", "lone-surrogate"],
)
def test_pushed_amounts_beyond_reason_are_rejected_rows(
    db: Session, principal: object, message: str
) -> None:
    client: Client = ClientFactory(code="ACME")
    ContractFactory(client=client, effective_from=date(2020, 1, 1))
    admin = UserFactory()
    key, _ = clients_service.create_api_key(db, client=client, name="t", created_by_id=admin.id)
    account = {
        "client_reference": "A1",
        "first_name": "Jane",
        "last_name": "Doe",
        "region": "IL",
        "postal_code": "60601",
        "itemization_date": "2026-01-15",
    }
    response, _ = push.push_accounts(
        db,
        client=client,
        api_key_id=key.id,
        accounts=[
            account | {"principal": principal},
            account | {"client_reference": "A2", "principal": "10.00"},
        ],
        idempotency_key=None,
        request_hash="h",
        layout=None,
    )
    first, second = response["results"]
    assert (first["status"], first["errors"]) == (
        "rejected",
        [{"column": "principal", "message": message}],
    )
    assert second["status"] == "accepted"
