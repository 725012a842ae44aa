"""Celery adapters of the compliance domain: the nightly chain check and retention."""

from __future__ import annotations

import logging

from agency.compliance import service
from agency.db import session_scope
from agency.worker import celery_app

log = logging.getLogger("agency.compliance")


@celery_app.task(name="agency.compliance.tasks.verify_ledger")
def verify_ledger() -> bool:
    """Recompute every ledger chain and record the result (nightly)."""
    with session_scope() as db:
        run = service.verify_ledger(db)
        if not run.ok:
            log.error("ledger verification failed at entry %s", run.first_bad_entry_id)
        return run.ok


@celery_app.task(name="agency.compliance.tasks.purge_expired_records")
def purge_expired_records() -> int:
    """Retention: remove contact records past their period (daily)."""
    with session_scope() as db:
        return service.purge_expired(db)
