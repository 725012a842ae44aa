"""What a placement comes to, for the command line: an ``Outcome`` (counts and every
rejected row's reasons), of a finished run (``outcome_of``) or of a dry run (``dry_run``:
everything a placement would do, in a transaction the caller rolls back).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from agency.cases.schemas import RowError
from agency.clients.models import Client
from agency.config import get_settings
from agency.referrals import reading, repository
from agency.referrals.fields import map_header
from agency.referrals.models import (
    Layout,
    Placement,
    PlacementSource,
    PlacementStatus,
    ReplacementPolicy,
)
from agency.referrals.placing import pairs_of, place_rows
from agency.referrals.rows import file_rows, kind_of, rules_for, validator_for
from agency.referrals.running import batches


@dataclass
class Outcome:
    """The accounting of a placement: counts and every rejected row's reasons."""

    placement_id: int | None
    status: str
    accepted: int
    rejected: int
    replaced: int
    errors: list[RowError]
    encoding: str | None
    delimiter: str | None
    file_format: str | None
    dry_run: bool = False
    # possible same people: (reference, other reference, what they share)
    pairs: list[tuple[str, str, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "placement": self.placement_id,
            "status": self.status,
            "dry_run": self.dry_run,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "replaced": self.replaced,
            "format": self.file_format,
            "encoding": self.encoding,
            "delimiter": reading.DELIMITER_NAMES.get(self.delimiter or "", self.delimiter),
            "errors": [
                {"row": e.row, "column": e.column, "message": e.message} for e in self.errors
            ],
            "possible_same_person": [
                {"client_reference": a, "other_client_reference": b, "shares": shared}
                for a, b, shared in self.pairs
            ],
        }


def outcome_of(db: Session, placement: Placement) -> Outcome:
    errors = [
        RowError(r.row, error["column"], error["message"])
        for r in repository.rejections(db, placement.id)
        for error in r.errors
    ]
    return Outcome(
        placement.id,
        placement.status.value,
        placement.accepted,
        placement.rejected,
        placement.replaced,
        errors,
        placement.encoding,
        placement.delimiter,
        placement.file_format,
        pairs=pairs_of(db, placement.id),
    )


def dry_run(db: Session, *, client: Client, path: Path, layout: Layout | None) -> Outcome:
    """Everything a placement would do, inside the caller's transaction, which the caller
    rolls back: the answer is exact (duplicates, re-placements, matching) and nothing is
    written."""
    sheet = layout.sheet if layout else None
    with reading.open_file(path, sheet=sheet) as opened:
        detected = opened.detected
        mapping = map_header(detected.header, layout.mapping if layout else None)
        rules, contract_id = rules_for(db, client, layout)
        validator = validator_for(mapping, rules)
        placement = Placement(
            client_id=client.id,
            kind=kind_of(mapping),
            source=PlacementSource.CLI,
            status=PlacementStatus.RUNNING,
            file_name=path.name[:255],
            mapping={},
        )
        db.add(placement)
        db.flush()
        errors: list[RowError] = []
        update_open = bool(layout and layout.replacement_policy is ReplacementPolicy.UPDATE)
        for batch in batches(
            file_rows(opened.rows(), detected, rules, validator),
            get_settings().placement_batch_rows,
        ):
            for placed in place_rows(
                db,
                placement=placement,
                rows=batch,
                mapping=mapping,
                validator=validator,
                contract_id=contract_id,
                update_open=update_open,
            ):
                errors.extend(placed.errors)
    return Outcome(
        None,
        "dry run",
        placement.accepted,
        placement.rejected,
        placement.replaced,
        errors,
        detected.encoding,
        detected.delimiter,
        detected.file_format,
        True,
        pairs_of(db, placement.id),
    )
