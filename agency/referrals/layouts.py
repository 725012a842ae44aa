"""Column mappings and saved layouts: the merchant's own mapping of a previewed file
(``set_mapping``), kept as a named layout of the client (``save_layout``), and the
layout that fits a new file's header (``layout_for``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from agency.clients.models import Client
from agency.kit.forms import FormError
from agency.referrals import repository
from agency.referrals.errors import IntakeError
from agency.referrals.fields import BY_NAME, header_key, map_header
from agency.referrals.models import Layout, Placement, PlacementStatus, ReplacementPolicy
from agency.referrals.previewing import refresh_preview


def layout_for(db: Session, client: Client, header: Sequence[str]) -> Layout | None:
    """The client's saved layout that names the most of this file's columns (at least
    half of them), so a merchant's usual export is read its usual way without asking."""
    keys = {header_key(text) for text in header if text.strip()}
    best, best_hits = None, 0
    for layout in repository.layouts_of(db, client.id):
        hits = len(keys & {header_key(column) for column in layout.mapping})
        if hits > best_hits:
            best, best_hits = layout, hits
    return best if keys and best_hits * 2 >= len(keys) else None


def use_mapping(placement: Placement, mapping: dict[str, str]) -> None:
    """Take the merchant's own column mapping (file column -> field, "" to ignore one)."""
    if placement.status is not PlacementStatus.PREVIEWED:
        raise IntakeError(f"this placement is already {placement.status.value}")
    unknown = sorted({name for name in mapping.values() if name and name not in BY_NAME})
    if unknown:
        raise IntakeError(f"unknown fields: {', '.join(unknown)}")
    placement.mapping = mapping


def set_mapping(
    db: Session, *, placement: Placement, client: Client, mapping: dict[str, str]
) -> dict[str, Any]:
    """Check the file again with the merchant's column mapping."""
    use_mapping(placement, mapping)
    return refresh_preview(db, placement=placement, client=client)


def save_layout(
    db: Session,
    *,
    placement: Placement,
    client: Client,
    mapping: dict[str, str],
    name: str,
    date_order: str,
    replacement_policy: str,
    drop_bad_contacts: bool = False,
    allow_short_rows: bool = False,
    sheet: str | None = None,
) -> Layout:
    """Keep ``mapping`` and these reading rules as the client's layout ``name`` (new or
    replaced), read this placement with it, and check the file once more."""
    name = name.strip()
    if not name or len(name) > 60:
        raise FormError({"layout_name": "is required (at most 60 characters)"})
    if date_order not in ("mdy", "dmy"):
        raise FormError({"date_order": "must be mdy or dmy"})
    if replacement_policy not in {policy.value for policy in ReplacementPolicy}:
        raise FormError({"replacement_policy": "must be reject or update"})
    use_mapping(placement, mapping)
    layout = repository.layout(db, client.id, name=name)
    if layout is None:
        layout = Layout(client_id=client.id, name=name)
        db.add(layout)
    header = (placement.preview or {}).get("header", [])
    current = map_header(header, mapping or None)
    layout.mapping = {
        text: next((n for n, i in current.columns.items() if i == index), "")
        for index, text in enumerate(header)
    }
    layout.date_order = date_order
    layout.replacement_policy = ReplacementPolicy(replacement_policy)
    layout.drop_bad_contacts = drop_bad_contacts
    layout.allow_short_rows = allow_short_rows
    layout.sheet = (sheet or "").strip()[:100] or None
    db.flush()
    placement.layout_id = layout.id
    placement.mapping = dict(layout.mapping)
    refresh_preview(db, placement=placement, client=client)
    return layout
