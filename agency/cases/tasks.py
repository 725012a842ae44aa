"""Celery adapters of the cases domain."""

from __future__ import annotations

import logging

from agency.cases import assignment, queue
from agency.db import session_scope
from agency.worker import celery_app

log = logging.getLogger("agency.cases")


@celery_app.task(name="agency.cases.tasks.assign_new_cases")
def assign_new_cases(placement_id: int) -> int:
    """Give the placement's new, unassigned cases to agents or team pools by the rules.

    Queued after each committed batch of a placement.  Idempotent: only cases that are
    still new with neither agent nor team are considered, so a second run (or a run for
    a batch another run already covered) changes nothing.  Returns how many it placed.
    """
    with session_scope() as db:
        outcome = assignment.assign_new_cases(db, placement_id=placement_id)
    log.info(
        "placement %s: %s assigned, %s pooled, %s left unassigned",
        placement_id,
        outcome.assigned,
        outcome.pooled,
        outcome.unassigned,
    )
    return outcome.assigned + outcome.pooled


@celery_app.task(name="agency.cases.tasks.wake_cases")
def wake_cases() -> int:
    """Every minute: put back in the queue the cases whose wait is over (a lapsed lease,
    a skipped case's wait, a gate hold that has ended).  Returns how many."""
    with session_scope() as db:
        woken = queue.wake(db)
    log.info("%s cases back in the queue", woken)
    return woken
