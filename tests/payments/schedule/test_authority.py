"""The client's authority: each limit, alone and together, and read from a contract."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from agency.clients.models import Contract
from agency.payments.schedule.authority import authority_of
from agency.payments.schemas import Authority
from tests.payments.schedule.helpers import run, scenario

LIMITS = {
    "settlement_floor": "60.000",
    "max_months": 12,
    "min_installment": "25.00",
    "min_down_payment_percent": "10.000",
}


def reasons(offer: dict[str, Any], **authority: Any) -> list[str]:
    result = run(scenario(offer=offer, authority=LIMITS | authority))
    assert result["needs_approval"] is bool(result["reasons"])
    return list(result["reasons"])


def settlement(**changes: Any) -> dict[str, Any]:
    return {"kind": "settlement", "total": "700.00", "count": None} | changes


def test_the_spec_example_needs_no_approval() -> None:
    assert reasons({}) == []


def test_settlement_floor() -> None:
    assert reasons(settlement(total="550.00")) == [
        "settlement_floor: 55.00% of the balance is below the client's floor of 60.000%"
    ]
    assert reasons(settlement(total="600.00")) == []  # at the floor is within it
    # 599.99 is 59.999 %: shown truncated, never above its true value.
    assert reasons(settlement(total="599.99")) == [
        "settlement_floor: 59.99% of the balance is below the client's floor of 60.000%"
    ]
    assert reasons(settlement(total="599.99"), settlement_floor="59.999") == []


def test_the_floor_is_for_settlements_only() -> None:
    promise = {"kind": "promise", "total": "100.00", "count": None}
    assert reasons(promise) == []


def test_max_months() -> None:
    within = {"count": 12, "first_due": "2026-03-10"}  # last on 10 Feb 2027
    assert reasons(within) == []
    beyond = {"count": 14}
    assert reasons(beyond) == [
        "max_months: the last payment is due on 2027-04-30, later than the client's limit "
        "of 12 months (2027-03-10)"
    ]
    assert reasons(beyond, max_months=14) == []


def test_max_months_counts_the_moved_date() -> None:
    document = scenario(
        today="2026-03-09",
        authority={"max_months": 12},
        offer={"count": 1, "first_due": "2027-03-07", "frequency": None},  # Sun -> Mon 8 Mar
    )
    assert run(document)["reasons"] == []
    document["today"] = "2026-03-07"  # the limit is Sun 7 Mar 2027: the moved date is past it
    assert run(document)["reasons"] == [
        "max_months: the last payment is due on 2027-03-08, later than the client's limit "
        "of 12 months (2027-03-07)"
    ]


def test_min_installment_ignores_the_last_and_the_down_payment() -> None:
    assert reasons({"count": 50, "frequency": "weekly"}) == [
        "min_installment: an installment of 20.00 is below the client's minimum of 25.00"
    ]
    # 1000 in 25.00 installments and a small last one: within.
    small_last = {"count": None, "installment": "30.00", "frequency": "weekly"}
    assert reasons(small_last) == []  # 33 of 30.00, the last 10.00
    down = {"count": 2, "down_payment": {"amount": "5.00", "due": "2026-03-20"}}
    assert reasons(down) == []
    assert reasons({"count": 1, "frequency": None}, min_installment="5000.00") == []


def test_min_down_payment_percent_for_settlements_in_installments() -> None:
    assert reasons(settlement(count=2)) == [
        "min_down_payment_percent: there is no down payment; the client asks for at least "
        "10.000% of the settlement"
    ]
    small = settlement(count=2, down_payment={"amount": "69.99", "due": "2026-03-20"})
    assert reasons(small) == [
        "min_down_payment_percent: a down payment of 69.99 is 9.99% of the settlement, "
        "below the client's minimum of 10.000%"
    ]
    enough = settlement(count=2, down_payment={"amount": "70.00", "due": "2026-03-20"})
    assert reasons(enough) == []
    one_installment = settlement(count=1, frequency=None)
    assert reasons(one_installment) == []  # one payment: needs no down payment
    assert reasons(settlement()) == []


def test_a_plan_needs_no_down_payment() -> None:
    assert reasons({"count": 3}, min_down_payment_percent="50.000") == []


def test_every_limit_passed_at_once_gives_one_reason_each_in_order() -> None:
    offer = settlement(total="500.00", count=40, frequency="monthly")
    found = reasons(offer)
    assert [reason.split(":")[0] for reason in found] == [
        "settlement_floor",
        "max_months",
        "min_installment",
        "min_down_payment_percent",
    ]


def test_no_limits_means_no_approval() -> None:
    offer = settlement(total="1.00", count=100, frequency="weekly")
    result = run(scenario(offer=offer | {"total": "100.00"}, authority={}))
    assert result["needs_approval"] is False and result["reasons"] == []
    del_authority = scenario(offer=offer | {"total": "100.00"})
    del del_authority["authority"]
    assert run(del_authority)["reasons"] == []


def test_authority_of_a_contract() -> None:
    contract = Contract(
        settlement_floor=Decimal("60.000"),
        max_months=12,
        min_installment_minor=2500,
        min_down_payment_percent=Decimal("10.000"),
    )
    assert authority_of(contract) == Authority(Decimal("60.000"), 12, 2500, Decimal("10.000"))
    bare = Contract(settlement_floor=Decimal("0"))
    assert authority_of(bare) == Authority(settlement_floor=Decimal("0"))
