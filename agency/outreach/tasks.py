"""Celery adapters of the outreach domain."""

from __future__ import annotations

from collections import Counter

from agency.config import get_settings
from agency.db import get_engine
from agency.outreach import letters, ringing, sending
from agency.outreach.strategies import runner
from agency.worker import celery_app, run_job


@celery_app.task(name="agency.outreach.tasks.deliver")
def deliver(message_id: int) -> str:
    """Hand one queued message to its provider (the gate asked again first).  Idempotent:
    a message no longer pending, or not yet due, is left alone."""
    return sending.deliver(message_id)


@celery_app.task(name="agency.outreach.tasks.deliver_batch")
def deliver_batch(message_ids: list[int]) -> dict[str, int]:
    """Hand a batch of due messages to their providers (the gate asked again for all of
    them at once).  Idempotent as ``deliver``: a message another job holds, or no longer
    pending, is left alone."""
    return sending.deliver_batch(message_ids)


@celery_app.task(name="agency.outreach.tasks.sandbox_settle")
def sandbox_settle(message_id: int) -> None:
    """The sandbox reports a message delivered (or undelivered), as a provider would."""
    sending.settle_in_sandbox(message_id)


@celery_app.task(name="agency.outreach.tasks.send_due")
def send_due() -> int:
    """Every second: queue, in batches, the messages due to be sent (left to the sweep,
    a text's turn on its number come, a retry's wait or a deferral over, a job lost)."""
    return sending.send_due()


@celery_app.task(name="agency.outreach.tasks.reconcile_stuck")
def reconcile_stuck() -> int:
    """Every minute: look up at their provider the messages left half-sent by a crash."""
    return sending.reconcile_stuck()


@celery_app.task(name="agency.outreach.tasks.make_letter_batches")
def make_letter_batches() -> int:
    """Hourly: from the configured hour, once a day, the letters waiting go into print
    batches.  Idempotent: a day with the job's batch made is left alone."""
    return letters.make_daily_batches()


@celery_app.task(name="agency.outreach.tasks.ring_agent")
def ring_agent(call_id: int) -> None:
    """Ask the voice provider to ring the agent for a click-to-call.  Idempotent: a call
    no longer queued is left alone."""
    ringing.ring_agent(call_id)


@celery_app.task(name="agency.outreach.tasks.sandbox_call")
def sandbox_call(call_id: int) -> None:
    """The sandbox plays a click-to-call's statuses, as Twilio would report them."""
    ringing.play_in_sandbox(call_id)


@celery_app.task(name="agency.outreach.tasks.run_strategies")
def run_strategies() -> dict[str, int]:
    """Every minute: new cases put on their strategies and fallbacks of messages that
    came back; then the due steps in batches through the batch gate, here and in
    ``strategy_runners - 1`` more workers at once.  Safe to overlap: each batch takes
    its cases with SKIP LOCKED, and a step's send record is unique."""
    counts = runner.prepare()
    # SQLite has no SKIP LOCKED: two runners would take the same batch (and the second
    # fail on its send records), so there the tick's worker does it alone.
    if get_engine().dialect.name == "postgresql":
        for _ in range(get_settings().strategy_runners - 1):
            run_job(RUN_DUE_STEPS)
    return dict(Counter(counts) + Counter(runner.run_due()))


RUN_DUE_STEPS = "agency.outreach.tasks.run_due_steps"


@celery_app.task(name=RUN_DUE_STEPS)
def run_due_steps() -> dict[str, int]:
    """The strategies' due steps in batches, beside the tick's own worker."""
    return runner.run_due()
