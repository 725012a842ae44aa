"""Placing a batch of rows, the heart of intake shared by runs, dry runs and API pushes:
validate, place the valid rows through the cases domain, record the rejections, count.
Also the possible same people a placement made (``pairs_of``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from agency.cases import pairs as pairs_service
from agency.cases import service as cases_service
from agency.cases.schemas import Placed, RowError
from agency.kit.bulk import insert_rows
from agency.referrals import maintaining, storing
from agency.referrals.fields import HeaderMapping
from agency.referrals.models import Placement, PlacementKind, PlacementRejection
from agency.referrals.rows import Row, validate_row
from agency.referrals.schemas import MAX_PUSH
from agency.referrals.validation import RowValidator

SENSITIVE = frozenset({"national_id", "ssn_last4"})  # never stored, even in rejections


def place_rows(
    db: Session,
    *,
    placement: Placement,
    rows: Sequence[Row | RowError],
    mapping: HeaderMapping,
    validator: RowValidator,
    contract_id: int,
    update_open: bool,
) -> list[Placed]:
    """The heart of intake, shared by files, API pushes and dry runs: validate, place
    the valid rows (a row the database refuses is rejected alone, see ``storing``),
    record the rejections and count."""
    cells_of = {row.number: row.cells for row in rows if isinstance(row, Row)}
    maintenance = placement.kind is PlacementKind.MAINTENANCE
    outcomes: list[Placed] = []
    valid: list[Any] = []
    for row in rows:
        if isinstance(row, RowError):
            outcomes.append(Placed(row.row, "", "rejected", None, (row,)))
            continue
        result = validate_row(validator, row, maintenance=maintenance)
        if isinstance(result, list):
            reference = row.values.get("client_reference", "")
            outcomes.append(Placed(row.number, reference, "rejected", None, tuple(result)))
        else:
            valid.append(result)

    def write(items: Sequence[Any]) -> list[Placed]:
        if maintenance:
            return maintaining.apply(
                db, client_id=placement.client_id, placement_id=placement.id, items=items
            )
        return cases_service.place_accounts(
            db,
            client_id=placement.client_id,
            contract_id=contract_id,
            placement_id=placement.id,
            accounts=items,
            update_open=update_open,
        )

    placed_rows = storing.store(db, valid, write)
    for placed in placed_rows:
        if placed.status == "rejected":  # refused by the cases domain: use the file's names
            placed = Placed(
                placed.row,
                placed.client_reference,
                "rejected",
                None,
                tuple(
                    RowError(e.row, mapping.labels.get(e.column, e.column), e.message)
                    for e in placed.errors
                ),
            )
        outcomes.append(placed)
    outcomes.sort(key=lambda placed: placed.row)
    rejections = [
        {
            "placement_id": placement.id,
            "row": placed.row,
            "client_reference": (placed.client_reference or None),
            "errors": [{"column": e.column, "message": e.message} for e in placed.errors],
            "cells": _stored_cells(cells_of.get(placed.row), mapping),
        }
        for placed in outcomes
        if placed.status == "rejected"
    ]
    insert_rows(db, PlacementRejection, rejections)
    placement.accepted += sum(placed.status == "accepted" for placed in outcomes)
    placement.replaced += sum(placed.status == "replaced" for placed in outcomes)
    placement.rejected += len(rejections)
    return outcomes


def _stored_cells(
    cells: list[str] | dict[str, Any] | None, mapping: HeaderMapping
) -> list[str] | dict[str, Any]:
    """A rejected row as sent, with national ids blanked: they are never stored."""
    if cells is None:
        return []
    if isinstance(cells, dict):
        return {key: ("" if key in SENSITIVE else value) for key, value in cells.items()}
    hidden = {mapping.columns[name] for name in SENSITIVE if name in mapping.columns}
    return ["" if index in hidden else value for index, value in enumerate(cells)]


def pairs_of(db: Session, placement_id: int) -> list[tuple[str, str, str]]:
    return [
        (pair.reference, pair.other_reference, pair.channel)
        for pair in pairs_service.pairs_of_placement(db, placement_id=placement_id, limit=MAX_PUSH)
    ]
