"""The sending job, transaction by transaction (see ``outbox``): claim the message and
commit; call the provider outside any transaction; record what the provider said and
commit.  A crash between the last two leaves the message ``sending``, which
``reconcile_stuck`` looks up at the provider before anything is sent again."""

from __future__ import annotations

import logging

from agency.db import session_scope
from agency.kit import clock
from agency.outreach import outbox, providers, senders
from agency.outreach.channels.base import ProviderError
from agency.outreach.channels.sandbox import settled_status
from agency.worker import enqueue

log = logging.getLogger("agency.outreach")
SETTLE = "agency.outreach.tasks.sandbox_settle"


def deliver(message_id: int) -> str:
    """Send one message if it is due and the gate still allows it; says what happened."""
    with session_scope() as db:
        claimed = outbox.claim(db, message_id)
    if claimed is None:
        return "not sent"
    provider = providers.provider(claimed.provider)
    try:
        sent = provider.send(claimed.outgoing)
    except ProviderError as exc:
        with session_scope() as db:
            failed = outbox.record_failure(db, message_id, exc)
        log.warning("message %s: %s", message_id, exc)
        return failed.status.value if failed is not None else "gone"
    with session_scope() as db:
        outbox.record_sent(db, message_id, sent)
        if claimed.provider == "sandbox":
            enqueue(db, SETTLE, message_id)
    return "sent"


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


def send_due() -> int:
    """Queue the job of every message whose next try is due; returns how many."""
    with session_scope() as db:
        ids = outbox.due(db, now=clock.now())
        for message_id in ids:
            enqueue(db, outbox.DELIVER, message_id)
    return len(ids)


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
