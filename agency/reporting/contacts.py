"""What counts as a contact in every report (the experiments' results, the partner
reports), over the ledger's entries:

- **contacted**: a call that reached a person (the outcome "conversation") or anything
  the consumer sent us (an inbound entry);
- **reached** (right-party contact): an inbound entry, or a call the agent recorded as
  a right-party contact."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_
from sqlalchemy.sql.elements import ColumnElement

from agency.compliance.models import EntryKind, LedgerEntry

KINDS = (EntryKind.INBOUND, EntryKind.OUTCOME)  # the only entries either looks at


def contacted(entry: Any = LedgerEntry) -> ColumnElement[bool]:
    """Of ``entry`` (LedgerEntry, or an alias of it)."""
    inbound = entry.kind == EntryKind.INBOUND
    outcome = entry.kind == EntryKind.OUTCOME
    return or_(inbound, and_(outcome, entry.outcome == "conversation"))


def reached(entry: Any = LedgerEntry) -> ColumnElement[bool]:
    inbound = entry.kind == EntryKind.INBOUND
    outcome = entry.kind == EntryKind.OUTCOME
    agent_said = entry.detail["agent_outcome"].as_string()
    return or_(inbound, and_(outcome, agent_said == "right_party_contact"))
