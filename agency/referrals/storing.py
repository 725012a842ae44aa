"""Writing a batch's valid rows so that a row the database refuses is that row's
rejection, not the end of the whole placement.

Validation keeps every value inside what the columns hold, so this is the safety net:
a value only the database refuses (a range or a length validation does not know, a
constraint broken by a concurrent write) fails the bulk write of the whole batch.  The
batch is then written again in halves, each in its own savepoint, and so on down to the
rows the database refuses: each is rejected with a reason that names the field, never
the value, and every other row is placed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TypeVar

from sqlalchemy.orm import Session

from agency.cases.schemas import Account, Maintenance, Placed, RowError
from agency.kit.db_faults import RowFault, row_fault
from agency.referrals.fields import BY_NAME

log = logging.getLogger("agency.referrals")

Item = TypeVar("Item", Account, Maintenance)

_MAX_BIGINT = 2**63 - 1
_AMOUNTS = (
    "principal",
    "interest",
    "fees",
    "amount_at_itemization",
    "interest_since",
    "fees_since",
    "payments_since",
    "credits_since",
)
# Database columns that are not named as the field they hold.
_COLUMN_FIELDS = {
    "placed_minor": "principal",  # principal + interest + fees
    "itemization_amount_minor": "amount_at_itemization",
    "value": "",  # a contact point: a phone, the e-mail or the address
}


def store(
    db: Session, items: Sequence[Item], write: Callable[[Sequence[Item]], list[Placed]]
) -> list[Placed]:
    """``write(items)`` in a savepoint; on a data fault, bisect to the refused rows and
    reject just those (one outcome per item, in row order).

    When the database refuses every row of a batch of several, that is no poison row but
    a fault of ours (or of the database): the first error is raised, nothing written.
    """
    placed, refused = _bisect(db, items, write)
    if refused and len(refused) == len(items) > 1:
        raise refused[0][1]
    for item, error, fault in refused:
        log.warning(
            "row %s refused by the database (%s, column %s)",
            item.row,
            type(error).__name__,
            fault.column,
        )
        message = f"could not be stored: {fault.reason}"
        placed.append(
            Placed(
                item.row,
                item.client_reference,
                "rejected",
                None,
                (RowError(item.row, _field(item, fault), message),),
            )
        )
    return sorted(placed, key=lambda outcome: outcome.row)


def _bisect(
    db: Session, items: Sequence[Item], write: Callable[[Sequence[Item]], list[Placed]]
) -> tuple[list[Placed], list[tuple[Item, Exception, RowFault]]]:
    try:
        with db.begin_nested():
            return write(items), []
    except Exception as error:
        fault = row_fault(error)
        if fault is None:
            raise
        if len(items) == 1:
            return [], [(items[0], error, fault)]
    middle = len(items) // 2
    left_placed, left_refused = _bisect(db, items[:middle], write)
    right_placed, right_refused = _bisect(db, items[middle:], write)
    return left_placed + right_placed, left_refused + right_refused


def _field(item: Account | Maintenance, fault: RowFault) -> str:
    """The referral field the refused value came from, or "" when it cannot be told."""
    if fault.column is not None:
        name = _COLUMN_FIELDS.get(fault.column, fault.column.removesuffix("_minor"))
        return name if name in BY_NAME or name == "" else ""
    if isinstance(item, Maintenance):
        return "amount" if item.amount is not None and abs(item.amount) > _MAX_BIGINT else ""
    for name in _AMOUNTS:  # SQLite names no column: the amount beyond 64 bits is the one
        if abs(getattr(item, name)) > _MAX_BIGINT:
            return name
    return "principal" if item.balance > _MAX_BIGINT else ""
