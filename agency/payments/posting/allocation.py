"""Allocating a payment across a case's open balance buckets, in the order the client's
contract names (``Contract.allocation_order``: a comma list of fees, interest and
principal; fees first by default).  Exact in minor units: each bucket takes what it can,
the parts always sum to the amount, and no bucket goes below zero."""

from __future__ import annotations

from agency.payments.schemas import Allocation, PaymentError

BUCKETS = ("fees", "interest", "principal")
DEFAULT_ORDER = "fees,interest,principal"


def order_of(text: str | None) -> tuple[str, ...]:
    """The bucket order a contract's ``allocation_order`` names: each of the three once,
    any missing one after them in the default order; an unknown name is refused."""
    names = [part.strip().lower() for part in (text or DEFAULT_ORDER).split(",") if part.strip()]
    unknown = [name for name in names if name not in BUCKETS]
    if unknown:
        raise PaymentError(
            "allocation_order",
            f"{unknown[0]!r} is not a balance bucket (fees, interest, principal)",
        )
    ordered = tuple(dict.fromkeys(names))
    return ordered + tuple(name for name in BUCKETS if name not in ordered)


def allocate(amount_minor: int, open_minor: dict[str, int], order: tuple[str, ...]) -> Allocation:
    """``amount_minor`` across ``open_minor`` (bucket name -> what is still owed in it) in
    ``order``.  Raises ``PaymentError`` when the amount is not positive or more than the
    buckets together hold."""
    if amount_minor <= 0:
        raise PaymentError("amount", "must be more than zero")
    if amount_minor > sum(open_minor.get(name, 0) for name in BUCKETS):
        raise PaymentError("amount", "is more than the open balance")
    rest = amount_minor
    parts = dict.fromkeys(BUCKETS, 0)
    for name in order:
        taken = min(rest, max(open_minor.get(name, 0), 0))
        parts[name] = taken
        rest -= taken
    return Allocation(
        fees_minor=parts["fees"],
        interest_minor=parts["interest"],
        principal_minor=parts["principal"],
    )
