"""Celery adapters of the reporting domain: the aggregates kept up to date (every
minute, the vintages that changed) and rebuilt whole (nightly); webhook deliveries
attempted, and swept up every minute."""

from __future__ import annotations

from agency.db import session_scope
from agency.reporting import refresh, scheduled
from agency.reporting.webhooks import deliveries, emission
from agency.worker import celery_app


@celery_app.task(name="agency.reporting.tasks.refresh_reports")
def refresh_reports() -> int:
    """Rebuild the vintages something happened to since the last run, and queue the
    webhook events of the same window (0 when another run holds the lock)."""
    with session_scope() as db:
        since = refresh.changes_since(db)
        run = refresh.refresh(db)
        if run is None:
            return 0
        emission.emit(db, since=since or run.started_at - refresh.LOOKBACK)
        return run.vintages


@celery_app.task(name="agency.reporting.tasks.rebuild_reports")
def rebuild_reports() -> int:
    """Rebuild every vintage from the base tables (nightly: whatever a refresh could
    have missed is right by morning)."""
    with session_scope() as db:
        run = refresh.rebuild_all(db)
        return run.vintages if run is not None else 0


@celery_app.task(name="agency.reporting.tasks.deliver_webhook")
def deliver_webhook(delivery_id: int) -> str | None:
    """One attempt of a webhook delivery (nothing when it is not due or is taken); a
    failed one is left due again after its backoff, for the sweep."""
    done = deliveries.attempt(session_scope, delivery_id)
    return None if done is None else done.status.value


@celery_app.task(name="agency.reporting.tasks.sweep_webhooks")
def sweep_webhooks() -> int:
    """Every minute: the deliveries due again (backoff over, or a worker died)."""
    with session_scope() as db:
        due = deliveries.due_ids(db)
    for delivery_id in due:
        deliveries.attempt(session_scope, delivery_id)
    return len(due)


@celery_app.task(name="agency.reporting.tasks.send_scheduled_reports")
def send_scheduled_reports() -> int:
    """Hourly: the scheduled report e-mails whose period has ended and are not sent."""
    with session_scope() as db:
        return len(scheduled.send_due(db))
