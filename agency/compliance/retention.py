"""Retention (US-REGF-RECORDS): ``purge_expired`` removes the ledger and facts of
consumers whose records have outlived their jurisdiction's period."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from agency.compliance import repository as repo
from agency.compliance.ledger import append
from agency.compliance.models import (
    ComplianceFact,
    EntryKind,
    LedgerCase,
    LedgerEntry,
    LedgerRuleHit,
    Source,
)
from agency.kit import clock


def purge_expired(db: Session) -> int:
    """Retention (US-REGF-RECORDS): remove the ledger and facts of consumers whose cases
    are all closed and whose last activity is older than their jurisdiction's period
    (3 years; Washington 4).  Each removal is recorded in the system chain with the
    removed chain's head, which accounts for the chain in later verifications against
    checkpoints.  Returns the number of consumers purged."""
    now = clock.now()
    cutoffs = {years: now - timedelta(days=365 * years + years // 4) for years in (3, 4, 5, 6, 7)}
    consumer_ids = repo.expired_consumers(db, before_by_years=cutoffs)
    if not consumer_ids:
        return 0
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SET LOCAL agency.ledger_retention = 'on'"))
    repo.lock_chain(db, None)
    for consumer_id in consumer_ids:
        repo.lock_chain(db, consumer_id)
        removed = repo.chain_head(db, consumer_id)
        count = db.scalar(select(func.count()).where(LedgerEntry.consumer_id == consumer_id))
        entry_ids = select(LedgerEntry.id).where(LedgerEntry.consumer_id == consumer_id)
        db.execute(delete(LedgerCase).where(LedgerCase.entry_id.in_(entry_ids)))
        db.execute(delete(LedgerRuleHit).where(LedgerRuleHit.entry_id.in_(entry_ids)))
        db.execute(delete(LedgerEntry).where(LedgerEntry.consumer_id == consumer_id))
        db.execute(delete(ComplianceFact).where(ComplianceFact.consumer_id == consumer_id))
        append(
            db,
            head=repo.chain_head(db, None),
            consumer_id=None,
            kind=EntryKind.PURGE,
            at=now,
            actor_id=None,
            source=Source.SYSTEM,
            detail={
                "consumer_id": consumer_id,
                "entries": count or 0,
                "head_seq": None if removed is None else removed.seq,
                "head_hash": None if removed is None else removed.hash,
            },
        )
    return len(consumer_ids)
