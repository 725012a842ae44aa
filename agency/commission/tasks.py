"""Celery adapters of the commission domain: the nightly check of the statements and
the daily reconciliation of the trust account."""

from __future__ import annotations

import logging
from datetime import timedelta

from agency.commission.statements.invariants import check
from agency.commission.trust.report import trust_report
from agency.commission.web import today
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


@celery_app.task(name="agency.commission.tasks.reconcile_trust")
def reconcile_trust() -> int:
    """Reconcile the trust account over the 30 days to yesterday; log each difference
    and late deposit (dates, amounts, references: no personal data) and return how many
    there were.  The page (/admin/trust) shows the same for any span."""
    yesterday = today() - timedelta(days=1)
    with session_scope() as db:
        found = trust_report(
            db, starts_on=yesterday - timedelta(days=29), ends_on=yesterday, today=today()
        )
    # Kind, amount and day only: a bank line's text may name the person who paid.
    for difference in found.reconciliation.differences:
        log.warning(
            "trust reconciliation: %s %s on %s",
            difference.kind,
            difference.amount_minor,
            difference.on.isoformat(),
        )
    for late in found.late:
        log.warning(
            "trust deposit late: %s (client %s, %s) due %s, deposited %s",
            late.reference,
            late.client_id,
            late.region,
            late.due_on.isoformat(),
            late.deposited_on.isoformat() if late.deposited_on else "not yet",
        )
    return len(found.reconciliation.differences) + len(found.late)
