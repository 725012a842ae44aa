"""Allocation across the buckets in the contract's order: exact, parts sum to the whole."""

from __future__ import annotations

import pytest

from agency.payments.posting.allocation import allocate, order_of
from agency.payments.schemas import Allocation, PaymentError

OPEN = {"fees": 300, "interest": 500, "principal": 10_000}


@pytest.mark.parametrize(
    ("order", "amount", "expected"),
    [
        ("fees,interest,principal", 700, Allocation(300, 400, 0)),
        ("principal,interest,fees", 10_200, Allocation(0, 200, 10_000)),
        ("interest,fees,principal", 900, Allocation(300, 500, 100)),
        ("interest", 600, Allocation(100, 500, 0)),  # the missing ones in the default order
        (None, 10_800, Allocation(300, 500, 10_000)),
        (" Principal , FEES ", 10_100, Allocation(100, 0, 10_000)),
    ],
)
def test_each_order_takes_the_buckets_in_turn(
    order: str | None, amount: int, expected: Allocation
) -> None:
    allocation = allocate(amount, OPEN, order_of(order))
    assert allocation == expected
    assert allocation.total_minor == amount


def test_refusals() -> None:
    with pytest.raises(PaymentError, match="amount: must be more than zero"):
        allocate(0, OPEN, order_of(None))
    with pytest.raises(PaymentError, match="amount: is more than the open balance"):
        allocate(10_801, OPEN, order_of(None))
    with pytest.raises(PaymentError, match="'penalties' is not a balance bucket"):
        order_of("fees,penalties")
