"""What the case page's timeline and status history show: the case's own records, its
ledger entries (compliance's) and the names of the people behind them (promises and
plans are payments', above cases: its arrangements panel shows them; the status changes
they make are here), gathered through each domain's service in a fixed number of
statements, whatever the history."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from agency.auth import service as auth_service
from agency.cases import repository
from agency.cases.models import Callback, CaseNote, StatusChange
from agency.compliance import service as compliance
from agency.compliance.service import LedgerEntry


@dataclass(frozen=True, slots=True)
class CaseHistory:
    """Newest first, each source at most ``limit`` + 1 long (so the page can say "more")."""

    entries: list[LedgerEntry]
    notes: list[CaseNote]
    status_changes: list[StatusChange]
    callbacks: list[Callback]
    names: dict[int, str]


def case_history(db: Session, *, case_id: int, limit: int | None) -> CaseHistory:
    """The case's history, each source capped at ``limit`` + 1 (None: all of it)."""
    entries = compliance.case_ledger(db, case_id=case_id, limit=limit)
    notes, changes, callbacks = repository.case_records(db, case_id, limit=limit)
    people = {
        *(e.actor_id for e in entries),
        *(n.author_id for n in notes),
        *(s.by_user_id for s in changes),
        *(c.created_by_id for c in callbacks),
    }
    ids = sorted(p for p in people if p is not None)
    names = {u.id: u.full_name for u in auth_service.users_by_ids(db, ids)} if ids else {}
    return CaseHistory(entries, notes, changes, callbacks, names)
