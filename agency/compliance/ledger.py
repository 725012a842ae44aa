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
from agency.kit.bulk import add_copied


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
    fields: dict[str, Any] = {"head": head, "consumer_id": consumer_id, "kind": kind, "at": at}
    fields |= {"actor_id": actor_id, "source": source, "case_ids": case_ids}
    return append_many(db, [{**fields, "blocked_by": blocked_by, **values}])[0]


def append_many(db: Session, entries: Sequence[dict[str, Any]]) -> list[LedgerEntry]:
    """``append`` for several entries (each the keyword arguments ``append`` takes), on
    chains the caller holds the locks of, written at once (``kit.bulk.add_copied``: on
    PostgreSQL one COPY, so the search rows' statement trigger runs once for them all):
    the batch gate's write."""
    keys = ledger_keys()
    written = []
    for given in entries:
        values = dict(given)
        head: Head | None = values.pop("head")
        entry = LedgerEntry(
            consumer_id=values.pop("consumer_id"),
            kind=values.pop("kind"),
            at=values.pop("at"),
            recorded_at=clock.now(),
            actor_id=values.pop("actor_id"),
            source=values.pop("source"),
            case_ids=[int(c) for c in values.pop("case_ids", ())],
            blocked_by=list(values.pop("blocked_by", ())),
            allowed=values.pop("allowed", None),
            next_allowed_at=values.pop("next_allowed_at", None),
            timezones=values.pop("timezones", []),
            automated=values.pop("automated", False),
            detail=values.pop("detail", {}),
            prev_hash=None if head is None else head.hash,
            seq=1 if head is None else head.seq + 1,
            **values,
        )
        seal(entry, keys)
        written.append(entry)
    add_copied(db, written)
    for entry in written:
        journal.note(db, entry)
    return written
