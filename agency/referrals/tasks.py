"""Celery adapters of referral intake.

``run_placement`` is the one job here that calls the service more than once: a large
placement is a sequence of units of work (one per batch, each committed with its
progress), which is what lets a stopped run resume without half-written rows.
"""

from __future__ import annotations

import logging
import uuid

from agency.config import get_settings
from agency.db import session_scope
from agency.referrals import running, stored_files
from agency.referrals.errors import IntakeError, Unreadable
from agency.worker import celery_app, stopping

log = logging.getLogger("agency.referrals")


@celery_app.task(name="agency.referrals.tasks.run_placement")
def run_placement(placement_id: int) -> None:
    """Claim the placement and place its rows, batch by batch, then mark it completed.

    Idempotent: a finished placement, or one another live run holds, is left alone.
    When the server shuts down, the run stops between batches and the placement goes
    back to the queue, to be resumed (not counted as a failure) after the restart.
    """
    runner = uuid.uuid4().hex
    try:
        with session_scope() as db:
            run = running.start_run(db, placement_id=placement_id, runner=runner)
        if run is None:
            return
        for batch in running.batches(running.run_rows(run), get_settings().placement_batch_rows):
            if stopping.is_set():  # the server is shutting down: resume later
                with session_scope() as db:
                    running.release_run(db, run=run)
                log.info("placement %s: stopped for shutdown; it resumes", placement_id)
                return
            with session_scope() as db:
                running.place_batch(db, run=run, rows=batch)
        with session_scope() as db:
            running.finish_run(db, run=run)
    except running.Superseded:
        log.info("placement %s: taken over by another run", placement_id)
    except (Unreadable, IntakeError) as exc:
        with session_scope() as db:
            running.fail_run(db, placement_id=placement_id, reason=str(exc))


@celery_app.task(name="agency.referrals.tasks.resume_stalled_placements")
def resume_stalled_placements() -> int:
    """Re-queue placements whose run stopped or whose job was lost (every minute)."""
    with session_scope() as db:
        return len(running.resume_stalled(db))


@celery_app.task(name="agency.referrals.tasks.expire_stored_files")
def expire_stored_files() -> int:
    """Delete the stored files of previews left unconfirmed, and strays (every hour)."""
    with session_scope() as db:
        return stored_files.expire_stored_files(db)
