"""Direct payments: the consumer paid the client, who tells us in a maintenance file or
by the API.  Each is a real payment (method ``direct``, ``to_client``, provider
``client``) posted through ``post_payment``, so it is allocated by the contract's order,
credits the arrangement, and closes the case when it clears the balance, exactly as a
payment we take.  A file's row is posted once: its provider reference is the placement
and row (an API call has no placement, hence no such key).  What each instruction did is
answered as intake answers every row (``Placed``), with the same refusals as before."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from agency.cases import balances
from agency.cases.models import Case
from agency.cases.schemas import Maintenance, Placed, RowError
from agency.kit import clock
from agency.kit.money import Money
from agency.payments.models import PaymentMethod
from agency.payments.posting.post import post_payment
from agency.payments.schemas import PaymentError, PaymentInput

# The maintenance file's column each refusal of ``post_payment`` is about.
_COLUMNS = {"received_on": "payment_date", "case": "client_reference"}
REFERENCE_MAX = 100


def post_direct_payments(
    db: Session, *, client_id: int, placement_id: int | None, items: Sequence[Maintenance]
) -> list[Placed]:
    """Post each ``direct_payment`` instruction on the client's open case with its
    reference, in order (a payment that closes the case leaves the next ones for it no
    open account); one ``Placed`` per item."""
    cases: dict[str, Case] = {
        case.client_reference: case
        for case in balances.open_by_reference(
            db, client_id=client_id, references=[item.client_reference for item in items]
        )
    }
    results: list[Placed] = []
    for item in items:
        case = cases.get(item.client_reference)
        if case is None:
            results.append(
                _refused(
                    item,
                    "client_reference",
                    f"no open account {item.client_reference} for this "
                    "client (unknown, or already closed)",
                )
            )
            continue
        assert item.amount is not None
        if item.amount > case.balance.minor:
            results.append(
                _refused(
                    item,
                    "amount",
                    f"a direct payment of {Money(item.amount, case.currency)} is more than the "
                    f"balance of {case.balance}",
                )
            )
            continue
        try:
            posted = post_payment(
                db, case_id=case.id, payment=_input(case, item, placement_id), by_user_id=None
            )
        except PaymentError as refused:
            results.append(
                _refused(item, _COLUMNS.get(refused.field, refused.field), refused.message)
            )
            continue
        if posted.case_closed_as is not None:
            del cases[item.client_reference]
        results.append(Placed(item.row, item.client_reference, "accepted", case.id))
    return results


def _input(case: Case, item: Maintenance, placement_id: int | None) -> PaymentInput:
    assert item.amount is not None
    received = item.effective_date or clock.now().astimezone(clock.office_zone()).date()
    return PaymentInput(
        amount_minor=item.amount,
        currency=case.currency,
        method=PaymentMethod.DIRECT,
        received_on=received,
        reference=(item.reason or None) and (item.reason or "")[:REFERENCE_MAX],
        provider="client",
        provider_reference=(
            f"placement {placement_id} row {item.row}" if placement_id is not None else None
        ),
        to_client=True,
        placement_id=placement_id,
    )


def _refused(item: Maintenance, column: str, message: str) -> Placed:
    return Placed(
        item.row, item.client_reference, "rejected", None, (RowError(item.row, column, message),)
    )
