"""What the merchant sees of a previewed placement before confirming it: the stored
file checked with the placement's mapping (``refresh_preview``), kept on the placement.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from agency.cases import service as cases_service
from agency.cases.schemas import Account
from agency.clients.models import Client
from agency.referrals import repository
from agency.referrals.fields import BY_NAME
from agency.referrals.file_check import check_file
from agency.referrals.models import Placement
from agency.referrals.rows import kind_of
from agency.referrals.stored_files import file_gone


def refresh_preview(db: Session, *, placement: Placement, client: Client) -> dict[str, Any]:
    """Check the stored file with the placement's mapping and keep what the preview shows."""
    if placement.stored_path is None:
        raise file_gone()
    layout = (
        repository.layout(db, client.id, layout_id=placement.layout_id)
        if placement.layout_id
        else None
    )
    check = check_file(
        db,
        client=client,
        path=Path(placement.stored_path),
        layout=layout,
        mapping=placement.mapping or None,
    )
    placement.total_rows = check.total_rows
    placement.kind = kind_of(check.mapping)
    placement.preview = {
        "header": check.detected.header,
        "columns": {
            name: check.detected.header[index] for name, index in check.mapping.columns.items()
        },
        "total_rows": check.total_rows,
        "checked_rows": check.checked_rows,
        "valid_rows": check.valid_rows,
        "rejected_rows": check.rejected_rows,
        "errors": [
            {"row": e.row, "column": e.column, "message": e.message[:300]}
            for e in check.errors[:50]
        ],
        "missing": [field_label(name) for name in check.missing],
        "unused": check.mapping.unused,
        "duplicates": check.mapping.duplicates,
        **_pairs_preview(db, client, check.accounts),
    }
    db.flush()
    return placement.preview


PREVIEW_PAIRS = 50


def _pairs_preview(db: Session, client: Client, accounts: list[Account]) -> dict[str, Any]:
    """The "possible same person" pairs the placement would make (the first 50)."""
    pairs = cases_service.possible_pairs(db, client_id=client.id, accounts=accounts)
    return {
        "pairs_count": len(pairs),
        "pairs": [
            {
                "row": p.row,
                "reference": p.client_reference,
                "name": p.name,
                "other_row": p.other_row,
                "other_reference": p.other_reference,
                "other_name": p.other_name,
                "channel": p.channel,
            }
            for p in pairs[:PREVIEW_PAIRS]
        ],
    }


def field_label(name: str) -> str:
    found = BY_NAME.get(name)
    return found.label if found else name
