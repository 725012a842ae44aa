"""Celery adapters of the commission domain: the nightly check of the statements."""

from __future__ import annotations

import logging

from agency.commission.statements.invariants import check
from agency.db import session_scope
from agency.worker import celery_app

log = logging.getLogger("agency.commission")


@celery_app.task(name="agency.commission.tasks.check_statements")
def check_statements() -> int:
    """Check every current statement against the ledger; log each breach (references
    and amounts only, no personal data) and return how many there were."""
    with session_scope() as db:
        breaches = check(db)
    for breach in breaches:
        log.error(
            "commission invariant breached: client %s statement %s: %s",
            breach.client_id,
            breach.statement or "-",
            breach.what,
        )
    return len(breaches)
