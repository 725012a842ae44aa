"""A client's maintenance instructions, each to the domain that carries it out: direct
payments are payments (``agency.payments.posting.direct``), the rest (recall, update,
adjust) are the cases domain's (``cases_service.apply_maintenance``).  Instructions run
in their order: consecutive ones of a kind go together, so a recall before a payment on
the same account still leaves the payment no open account."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from sqlalchemy.orm import Session

from agency.cases import service as cases_service
from agency.cases.schemas import Maintenance, Placed
from agency.payments.posting.direct import post_direct_payments


def apply(
    db: Session, *, client_id: int, placement_id: int | None, items: Sequence[Maintenance]
) -> list[Placed]:
    """Carry out ``items`` in order; one ``Placed`` per item, in the items' order."""
    results: list[Placed] = []
    for paying, run in groupby(items, key=lambda item: item.action == "direct_payment"):
        batch = list(run)
        if paying:
            results += post_direct_payments(
                db, client_id=client_id, placement_id=placement_id, items=batch
            )
        else:
            results += cases_service.apply_maintenance(
                db, client_id=client_id, placement_id=placement_id, items=batch
            )
    db.flush()
    return results
