"""Celery adapters of the reporting domain: the aggregates kept up to date (every
minute, the vintages that changed) and rebuilt whole (nightly)."""

from __future__ import annotations

from agency.db import session_scope
from agency.reporting import refresh
from agency.worker import celery_app


@celery_app.task(name="agency.reporting.tasks.refresh_reports")
def refresh_reports() -> int:
    """Rebuild the vintages something happened to since the last run (0 when another
    run holds the lock)."""
    with session_scope() as db:
        run = refresh.refresh(db)
        return run.vintages if run is not None else 0


@celery_app.task(name="agency.reporting.tasks.rebuild_reports")
def rebuild_reports() -> int:
    """Rebuild every vintage from the base tables (nightly: whatever a refresh could
    have missed is right by morning)."""
    with session_scope() as db:
        run = refresh.rebuild_all(db)
        return run.vintages if run is not None else 0
