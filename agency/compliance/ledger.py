"""The ledger writer: ``append`` seals one entry onto its chain.

Every entry of the contact ledger (decisions, outcomes, inbound contacts, facts, policy
changes, purges) is written by this one function; nothing updates or deletes a ledger
row (retention excepted, see ``retention``).  Flushes, never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from agency.compliance import journal
from agency.compliance.chain import Head, seal
from agency.compliance.keys import ledger_keys
from agency.compliance.models import EntryKind, LedgerEntry, Source
from agency.kit import clock


def append(
    db: Session,
    *,
    head: Head | None,
    consumer_id: int | None,
    kind: EntryKind,
    at: datetime,
    actor_id: int | None,
    source: Source,
    case_ids: Sequence[int] = (),
    blocked_by: Sequence[str] = (),
    **values: Any,
) -> LedgerEntry:
    """Append one entry to its chain, sealed with the current ledger key.  The caller
    holds the chain's lock and gives the chain's head (``head``, None for a new chain).
    The entry's search rows (``LedgerCase``, ``LedgerRuleHit``) are written by the
    database as it is inserted (migration 0004); once the transaction commits, the new
    head goes to the journal outside the database (``journal``)."""
    entry = LedgerEntry(
        consumer_id=consumer_id,
        kind=kind,
        at=at,
        recorded_at=clock.now(),
        actor_id=actor_id,
        source=source,
        case_ids=[int(c) for c in case_ids],
        blocked_by=list(blocked_by),
        allowed=values.pop("allowed", None),
        next_allowed_at=values.pop("next_allowed_at", None),
        timezones=values.pop("timezones", []),
        automated=values.pop("automated", False),
        detail=values.pop("detail", {}),
        prev_hash=None if head is None else head.hash,
        seq=1 if head is None else head.seq + 1,
        **values,
    )
    seal(entry, ledger_keys())
    db.add(entry)
    db.flush()
    journal.note(db, entry)
    return entry
