"""A referral row as read, and the client's rules for reading it: shared by the file
check, placement runs, dry runs and API pushes.

``rules_for`` gives the reading rules of a client (with its layout) and the contract in
force; ``file_rows`` turns a file's cells into ``Row``s (or a ``RowError`` for a row of the
wrong width); ``validate_row`` makes a row a new account or a maintenance instruction.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from agency.cases.schemas import Account, Maintenance, RowError
from agency.clients import service as clients_service
from agency.clients.models import Client
from agency.kit import clock
from agency.kit.crypto import pii_hash
from agency.referrals.errors import IntakeError
from agency.referrals.fields import HeaderMapping
from agency.referrals.models import Layout, PlacementKind
from agency.referrals.reading import Detected
from agency.referrals.validation import RowValidator, Rules, validate_maintenance


@dataclass(frozen=True)
class Row:
    """One row as read: its number, its cells as sent, and its cells by field."""

    number: int
    cells: list[str] | dict[str, Any]
    values: dict[str, str]


def kind_of(mapping: HeaderMapping) -> PlacementKind:
    """A file with an ``action`` column is maintenance of open accounts."""
    return PlacementKind.MAINTENANCE if "action" in mapping.columns else PlacementKind.PLACEMENT


def rules_for(db: Session, client: Client, layout: Layout | None) -> tuple[Rules, int]:
    """The reading rules for ``client`` (with ``layout``) and the contract now in force."""
    contract = clients_service.contract_in_force(db, client=client, day=clock.now().date())
    if contract is None:
        raise IntakeError(
            f"{client.name} has no contract in force today; accounts cannot be placed"
        )
    date_order = layout.date_order if layout else ("mdy" if client.country == "US" else "dmy")
    rules = Rules(
        country=client.country,
        currency=contract.currency,
        creditor=client.legal_name,
        date_order=date_order,
        decimal_comma=bool(layout and layout.decimal_comma),
        drop_bad_contacts=bool(layout and layout.drop_bad_contacts),
        allow_short_rows=bool(layout and layout.allow_short_rows),
    )
    return rules, contract.id


def validator_for(mapping: HeaderMapping, rules: Rules) -> RowValidator:
    return RowValidator(mapping, rules, today=clock.now().date(), hash_national_id=pii_hash)


def file_rows(
    source: Iterable[tuple[int, list[str]]],
    detected: Detected,
    rules: Rules,
    validator: RowValidator,
) -> Generator[Row | RowError, None, None]:
    """The file's rows, or a RowError for a row whose shape is wrong."""
    width = len(detected.header)
    for number, cells in source:
        if len(cells) != width and not (rules.allow_short_rows and len(cells) < width):
            if len(cells) > width and not any(cell.strip() for cell in cells[width:]):
                cells = cells[:width]  # trailing empty cells are harmless
            else:
                yield RowError(number, "", f"expected {width} fields, found {len(cells)}")
                continue
        yield Row(number, cells, validator.cells_of(cells))


def validate_row(
    validator: RowValidator, row: Row, *, maintenance: bool
) -> Account | Maintenance | list[RowError]:
    """A row of a placement (new accounts) or of a maintenance file."""
    if maintenance:
        return validate_maintenance(validator, row.number, row.values)
    return validator.validate(row.number, row.values)
