"""The sending job, transaction by transaction (see ``outbox``): claim the message and
commit; call the provider outside any transaction; record what the provider said and
commit.  A crash between the last two leaves the message ``sending``, which
``reconcile_stuck`` looks up at the provider before anything is sent again."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from agency.db import session_scope
from agency.outreach import letters, outbox, providers, senders
from agency.outreach.channels.base import ProviderError, Sent
from agency.outreach.channels.sandbox import settled_status
from agency.outreach.models import MessageStatus
from agency.worker import enqueue

log = logging.getLogger("agency.outreach")
SETTLE = "agency.outreach.tasks.sandbox_settle"
DELIVER_BATCH = "agency.outreach.tasks.deliver_batch"
# Messages one sending job claims and sends together.
BATCH = 100


def deliver(message_id: int) -> str:
    """Send one message if it is due and the gate still allows it; says what happened."""
    done = deliver_batch([message_id])
    return next(iter(done), "not sent")


def deliver_batch(message_ids: Sequence[int]) -> dict[str, int]:
    """Send the due messages among ``message_ids`` that the gate still allows: claimed
    together (one commit), handed to their providers one by one, their answers recorded
    together (one commit).  A letter has its PDF made and waits for the print batch
    (``letters``).  Returns how many ended how ("sent", "pending" …)."""
    with session_scope() as db:
        claimed = outbox.claim_many(db, message_ids)
    done: dict[str, int] = {}
    printed = [item.message_id for item in claimed if item.provider == providers.PRINT]
    if printed:
        with session_scope() as db:
            done[letters.WAITING] = letters.prepare(db, printed)
    results: dict[int, Sent | ProviderError] = {}
    # A pool number the provider called too fast rests: the batch's other texts from it
    # are not sent (they wait as it does); the pool's other numbers go on.
    resting: dict[str, ProviderError] = {}
    for item in claimed:
        if item.provider == providers.PRINT:
            continue
        if item.paced_number in resting:
            results[item.message_id] = resting[item.paced_number]
            continue
        try:
            results[item.message_id] = providers.provider(item.provider).send(item.outgoing)
        except ProviderError as exc:
            log.warning("message %s: %s", item.message_id, exc)
            results[item.message_id] = exc
            if exc.rate_limited and item.paced_number is not None:
                resting[item.paced_number] = exc
    if not results:
        return done
    with session_scope() as db:
        for message in outbox.record_results(db, results):
            done[message.status.value] = done.get(message.status.value, 0) + 1
            if message.provider == "sandbox" and message.status is MessageStatus.SENT:
                enqueue(db, SETTLE, message.id)
    return done


def settle_in_sandbox(message_id: int) -> None:
    """The sandbox's delivery report, as a provider's webhook would bring it."""
    with session_scope() as db:
        message = outbox.message(db, message_id)
        if message is None or message.provider != "sandbox" or message.provider_id is None:
            return
        outbox.apply_status(
            db,
            provider="sandbox",
            provider_id=message.provider_id,
            provider_status=settled_status(message.to_address),
        )


def send_due(*, most: int = 50_000) -> int:
    """Queue jobs, a batch of ``BATCH`` messages each, for every message due to be sent
    (at most ``most`` a sweep); returns how many messages."""
    queued = 0
    while queued < most:
        with session_scope() as db:
            ids = outbox.take_due(db, limit=min(BATCH * 10, most - queued))
            for start in range(0, len(ids), BATCH):
                enqueue(db, DELIVER_BATCH, ids[start : start + BATCH])
        queued += len(ids)
        if len(ids) < BATCH * 10:
            break
    return queued


def reconcile_stuck() -> int:
    """Look up each message left ``sending`` at its provider: found, it is ``sent``; not
    found, it is sent again (once).  Returns how many were looked at."""
    with session_scope() as db:
        stuck = [(m.id, m.provider, m.sending_at) for m in outbox.stuck_messages(db)]
    for message_id, provider_name, since in stuck:
        with session_scope() as db:
            message = outbox.message(db, message_id)
            if message is None or since is None:
                continue
            outgoing = providers.outgoing(
                message, valid_for_seconds=None, sender=senders.sender_of(db, message.client_id)
            )
        try:
            found = providers.provider(provider_name).look_up(outgoing, since=since)
        except ProviderError as exc:
            log.warning("message %s: could not be looked up: %s", message_id, exc)
            continue
        with session_scope() as db:
            outbox.reconcile(db, message_id, found)
    return len(stuck)
