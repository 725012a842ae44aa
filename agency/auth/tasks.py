"""Celery adapters of the auth domain."""

from __future__ import annotations

from agency.auth import service
from agency.db import session_scope
from agency.worker import celery_app


@celery_app.task(name="agency.auth.tasks.purge_expired_sessions")
def purge_expired_sessions() -> int:
    """Delete ended sessions and stale login failures (idempotent; runs every 15 minutes)."""
    with session_scope() as db:
        return service.purge_expired(db)
