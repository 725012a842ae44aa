"""The Celery app, its beat schedule, and the after-commit job buffer.

House rule 2 (design.md §3): a service calls ``enqueue(db, task, *ids)``; the job is
sent only once the session commits, and dropped if it rolls back.  Jobs take ids.

With the default broker (``memory://``) jobs run in-process and eagerly, and
``EmbeddedBeat`` fires the periodic jobs from a thread of the web server.  With a real
broker (``AGENCY_BROKER_URL=redis://...``) ``agency worker`` runs a worker with beat.
Same task code either way.
"""

from __future__ import annotations

import logging
import logging.config
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime, timedelta
from typing import Any

from celery import Celery
from celery.schedules import crontab, schedule
from celery.signals import setup_logging
from sqlalchemy import event
from sqlalchemy.orm import Session

from agency.config import VAR, get_settings
from agency.kit import logs

log = logging.getLogger("agency.worker")

TASK_MODULES = [
    "agency.auth.tasks",
    "agency.cases.tasks",
    "agency.commission.tasks",
    "agency.compliance.tasks",
    "agency.outreach.tasks",
    "agency.payments.tasks",
    "agency.payments.providers.tasks",
    "agency.referrals.tasks",
    "agency.reporting.tasks",
]

BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "purge-expired-sessions": {
        "task": "agency.auth.tasks.purge_expired_sessions",
        "schedule": crontab(minute="*/15"),
    },
    "resume-stalled-placements": {
        "task": "agency.referrals.tasks.resume_stalled_placements",
        "schedule": crontab(minute="*"),
    },
    "expire-stored-files": {
        "task": "agency.referrals.tasks.expire_stored_files",
        "schedule": crontab(minute="23"),
    },
    "wake-cases": {
        "task": "agency.cases.tasks.wake_cases",
        "schedule": crontab(minute="*"),
    },
    # Every second: a text waiting for its turn on a pool number leaves on time.
    "send-due-messages": {
        "task": "agency.outreach.tasks.send_due",
        "schedule": schedule(timedelta(seconds=1)),
    },
    # Every minute: the contact strategies' due steps, through the batch gate.
    "run-strategies": {
        "task": "agency.outreach.tasks.run_strategies",
        "schedule": crontab(minute="*"),
    },
    "reconcile-stuck-messages": {
        "task": "agency.outreach.tasks.reconcile_stuck",
        "schedule": crontab(minute="*"),
    },
    "make-letter-batches": {
        "task": "agency.outreach.tasks.make_letter_batches",
        "schedule": crontab(minute="5"),
    },
    "check-installments": {
        "task": "agency.payments.tasks.check_installments",
        "schedule": crontab(minute="35", hour="1"),
    },
    "verify-ledger": {
        "task": "agency.compliance.tasks.verify_ledger",
        "schedule": crontab(minute="17", hour="2"),
    },
    "check-statements": {
        "task": "agency.commission.tasks.check_statements",
        "schedule": crontab(minute="2", hour="4"),
    },
    "reconcile-trust": {
        "task": "agency.commission.tasks.reconcile_trust",
        "schedule": crontab(minute="12", hour="6"),
    },
    # Every minute: the partner reports' vintages that changed; nightly, all of them.
    "refresh-reports": {
        "task": "agency.reporting.tasks.refresh_reports",
        "schedule": crontab(minute="*"),
    },
    "sweep-webhooks": {
        "task": "agency.reporting.tasks.sweep_webhooks",
        "schedule": crontab(minute="*"),
    },
    "send-scheduled-reports": {
        "task": "agency.reporting.tasks.send_scheduled_reports",
        "schedule": crontab(minute="50"),
    },
    "rebuild-reports": {
        "task": "agency.reporting.tasks.rebuild_reports",
        "schedule": crontab(minute="40", hour="4"),
    },
    "purge-expired-records": {
        "task": "agency.compliance.tasks.purge_expired_records",
        "schedule": crontab(minute="47", hour="3"),
    },
}


def make_celery() -> Celery:
    settings = get_settings()
    app = Celery("agency", broker=settings.broker_url, include=TASK_MODULES)
    app.conf.update(
        task_always_eager=settings.jobs_in_process,
        task_eager_propagates=True,
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        timezone="UTC",
        enable_utc=True,
        beat_schedule=BEAT_SCHEDULE,
        beat_schedule_filename=str(VAR / "celerybeat-schedule"),
        # Arguments are ids; no pickles cross the broker.
        task_serializer="json",
        accept_content=["json"],
    )
    return app


celery_app = make_celery()


@setup_logging.connect
def _logging(**_kwargs: Any) -> None:
    """The worker logs as the server does (``agency.kit.logs``), not with Celery's own
    handlers, which would print exception messages with personal data."""
    logging.config.dictConfig(logs.config(get_settings().log_level))


_BUFFER_KEY = "agency.jobs"


def enqueue(
    db: Session, task_name: str, *args: int | str | list[int], countdown: float | None = None
) -> None:
    """Send ``task_name(*args)`` once ``db`` commits; forget it if ``db`` rolls back, or
    if the savepoint it was queued in does (a row set aside, an action refused).
    ``countdown``: run it that many seconds after the commit, not at once."""
    queued_in = db.get_nested_transaction() or db.get_transaction()
    db.info.setdefault(_BUFFER_KEY, []).append((task_name, args, queued_in, countdown))


# In-process jobs run one at a time on a background thread, after the response: the
# request that queued a placement returns at once, as it would with a real worker.
JOB_THREAD = "agency-job"
_local_jobs = ThreadPoolExecutor(max_workers=1, thread_name_prefix=JOB_THREAD)
_pending: list[Future[Any]] = []
_pending_lock = threading.Lock()


def _run_here(task_name: str, args: tuple[Any, ...]) -> None:
    try:
        celery_app.tasks[task_name].apply(args=args, throw=True)
    except Exception:
        log.exception("job %s failed", task_name)


def run_job(task_name: str, *args: Any, countdown: float | None = None) -> None:
    """Send a job to the broker, or, with in-process jobs, to the local job thread;
    ``countdown`` seconds from now when given (with in-process jobs a timer holds it:
    a job still waiting when the process exits is lost)."""
    if celery_app.conf.task_always_eager:
        celery_app.loader.import_default_modules()
        if countdown:
            timer = threading.Timer(countdown, _submit, (task_name, args))
            timer.daemon = True
            timer.start()
        else:
            _submit(task_name, args)
    else:
        celery_app.send_task(task_name, args=list(args), countdown=countdown or None)


def _submit(task_name: str, args: tuple[Any, ...]) -> None:
    with _pending_lock:
        _pending.append(_local_jobs.submit(_run_here, task_name, args))


# Set when the server is shutting down: a long in-process job (a placement) stops at its
# next unit of work and hands itself back to the queue, so the process can exit.
stopping = threading.Event()


def drain(timeout: float | None = None) -> None:
    """Wait until every in-process job queued so far (and any they queue) has run."""
    while True:
        with _pending_lock:
            pending = list(_pending)
            _pending.clear()
        if not pending:
            return
        wait(pending, timeout=timeout)


@event.listens_for(Session, "after_commit")
def _send_buffered_jobs(session: Session) -> None:
    # SQLAlchemy fires after_commit for a savepoint released too: the jobs wait for the
    # outermost commit, or a rollback after the savepoint would leave them sent.
    if session.in_nested_transaction():
        return
    for task_name, args, _queued_in, countdown in session.info.pop(_BUFFER_KEY, []):
        run_job(task_name, *args, countdown=countdown)


@event.listens_for(Session, "after_soft_rollback")
def _drop_buffered_jobs(session: Session, previous_transaction: Any) -> None:
    """Drop the jobs queued in the transaction that rolled back or in one inside it."""
    if previous_transaction.parent is None:  # the outermost transaction rolled back
        session.info.pop(_BUFFER_KEY, None)
        return
    jobs = session.info.get(_BUFFER_KEY)
    if jobs:
        jobs[:] = [job for job in jobs if not _within(job[2], previous_transaction)]


def _within(transaction: Any, ancestor: Any) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


class EmbeddedBeat(threading.Thread):
    """Runs the beat schedule inside this process (the zero-service default).

    Uses Celery's own schedule objects, so "when is it due" has one definition.
    """

    def __init__(self, *, tick_seconds: float = 1.0) -> None:
        super().__init__(name="agency-beat", daemon=True)
        self.tick_seconds = tick_seconds
        self._stop_event = threading.Event()
        now = datetime.now(UTC)
        self.last_run: dict[str, datetime] = dict.fromkeys(BEAT_SCHEDULE, now)

    def run_due(self) -> list[str]:
        """Fire every entry that is due now; returns the names fired."""
        fired = []
        for name, entry in BEAT_SCHEDULE.items():
            entry_schedule: schedule = entry["schedule"]
            due, _next = entry_schedule.is_due(self.last_run[name])
            if due:
                self.last_run[name] = datetime.now(UTC)
                try:
                    run_job(entry["task"], *entry.get("args", ()))
                except Exception:
                    log.exception("periodic job %s failed", name)
                fired.append(name)
        return fired

    def run(self) -> None:
        while not self._stop_event.wait(self.tick_seconds):
            self.run_due()

    def stop(self) -> None:
        self._stop_event.set()
