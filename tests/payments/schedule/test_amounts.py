"""Amounts exact in each currency's minor units, and splits that sum to the whole."""

from __future__ import annotations

import pytest

from agency.payments.schedule.amounts import percent_of, split_by_count, split_by_installment
from agency.payments.schemas import PaymentError
from tests.payments.schedule.helpers import amounts, refusal, run, scenario


def test_percentages_are_shown_truncated() -> None:
    assert percent_of(5499, 10000) == "54.99"
    assert percent_of(2, 3) == "66.66"  # 66.666…: never shown above its value
    assert percent_of(1, 1) == "100.00"


def test_split_by_count_floors_and_gives_the_last_the_remainder() -> None:
    assert split_by_count(100000, 3) == (33333, 33333, 33334)
    assert split_by_count(100, 7) == (14, 14, 14, 14, 14, 14, 16)
    assert split_by_count(5, 1) == (5,)
    with pytest.raises(PaymentError, match="too small"):
        split_by_count(2, 3)


def test_split_by_installment_ends_with_what_remains() -> None:
    assert split_by_installment(100000, 30000, "USD") == (30000, 30000, 30000, 10000)
    assert split_by_installment(90000, 30000, "USD") == (30000, 30000, 30000)  # never zero
    assert split_by_installment(500, 1000, "USD") == (500,)
    with pytest.raises(PaymentError) as caught:
        split_by_installment(100000, 100, "USD")
    assert caught.value.field == "offer.installment"
    assert caught.value.message == "makes 1000 installments, more than 120; make it at least 8.34"


def test_jpy_plan() -> None:
    document = scenario(
        case={"balance": "100000", "currency": "JPY", "country": "JP", "region": None},
        authority={"min_installment": "2500"},
        offer={"first_due": "2026-04-01", "count": 3},
    )
    result = run(document)
    assert result["total"] == "100000"
    assert [p["amount"] for p in result["payments"]] == ["33333", "33333", "33334"]
    assert result["needs_approval"] is False


def test_kwd_settlement_by_installment() -> None:
    document = scenario(
        case={"balance": "100.000", "currency": "KWD", "country": "KW", "region": None},
        authority=None,
        offer={"kind": "settlement", "total": "70.500", "count": None, "installment": "25.250"},
    )
    assert amounts(document) == ["25.250", "25.250", "20.000"]
    document["offer"]["installment"] = "25.2505"
    assert (
        refusal(document) == "offer.installment: has 4 decimals; KWD amounts have 3 decimal places"
    )


def test_extra_decimals_refused_in_every_amount_of_a_scenario() -> None:
    cases = [
        (scenario(case={"balance": "1000.001"}), "case.balance"),
        (scenario(offer={"kind": "settlement", "total": "500.001"}), "offer.total"),
        (scenario(offer={"count": None, "installment": "100.001"}), "offer.installment"),
        (
            scenario(offer={"down_payment": {"amount": "1.001", "due": "2026-03-20"}}),
            "offer.down_payment.amount",
        ),
        (scenario(authority={"min_installment": "25.001"}), "authority.min_installment"),
    ]
    for document, path in cases:
        assert refusal(document) == f"{path}: has 3 decimals; USD amounts have 2 decimal places"
