"""Celery adapters of the compliance domain: the nightly chain check and retention."""

from __future__ import annotations

import logging

from agency.compliance import integrity, retention
from agency.db import session_scope
from agency.worker import celery_app

log = logging.getLogger("agency.compliance")


@celery_app.task(name="agency.compliance.tasks.verify_ledger")
def verify_ledger() -> bool:
    """Verify every ledger chain against the newest checkpoint and the journal, record
    the result and write a checkpoint (nightly: at least one checkpoint a day)."""
    with session_scope() as db:
        run = integrity.verify_ledger(db)
        if not run.ok:
            log.error(
                "ledger verification %s failed: first bad entry %s, alarm %s",
                run.id,
                run.first_bad_entry_id,
                run.alarm_id,
            )
        return run.ok


@celery_app.task(name="agency.compliance.tasks.purge_expired_records")
def purge_expired_records() -> int:
    """Retention: remove contact records past their period (daily)."""
    with session_scope() as db:
        return retention.purge_expired(db)
