"""The click-to-call job, transaction by transaction (see ``calls``): claim the call and
commit; ask the provider to ring the agent, outside any transaction; record its id and
commit.  In the sandbox the job then plays the call's life — the agent's phone rings and
is answered, the consumer's rings and is answered (a number ending ``0000`` is not), the
call ends with a duration — through the same status-recording code Twilio's webhooks
use, each report in a transaction of its own as it would arrive."""

from __future__ import annotations

import logging
import uuid

from agency.db import session_scope
from agency.outreach import calls, providers
from agency.outreach.channels.base import ProviderError
from agency.outreach.channels.sandbox import UNDELIVERABLE_NUMBER_END
from agency.worker import enqueue

log = logging.getLogger("agency.outreach")
PLAY = "agency.outreach.tasks.sandbox_call"
# How long the sandbox's consumer talks.
SANDBOX_SECONDS = 42


def ring_agent(call_id: int) -> None:
    """Ring the agent for a queued call (idempotent: a call already rung is left)."""
    with session_scope() as db:
        claimed = calls.claim_ring(db, call_id)
    if claimed is None:
        return
    provider_name, ring = claimed
    try:
        provider_id = providers.voice(provider_name).ring(ring)
    except ProviderError as exc:
        log.warning("call %s: %s", call_id, exc)
        with session_scope() as db:
            calls.record_ring_failure(db, call_id, str(exc))
        return
    with session_scope() as db:
        calls.record_rung(db, call_id, provider_id)
        if provider_name == "sandbox":
            enqueue(db, PLAY, call_id)


def play_in_sandbox(call_id: int) -> None:
    """The sandbox's call, report by report, as Twilio's webhooks would bring them."""
    with session_scope() as db:
        call = calls.call_for_update(db, call_id)
        if call is None or call.provider != "sandbox" or call.provider_id is None:
            return
        agent_sid = call.provider_id
    for status in ("initiated", "ringing", "in-progress"):
        _report(agent_sid, None, status)
    with session_scope() as db:
        bridge = calls.connect(db, call_id, provider_call_id=agent_sid)
    if bridge is not None:
        consumer_sid = "SBCA" + uuid.uuid4().hex
        _report(consumer_sid, agent_sid, "ringing")
        if bridge.number.endswith(UNDELIVERABLE_NUMBER_END):
            _report(consumer_sid, agent_sid, "no-answer")
        else:
            _report(consumer_sid, agent_sid, "in-progress")
            _report(consumer_sid, agent_sid, "completed", SANDBOX_SECONDS)
    _report(agent_sid, None, "completed")


def _report(sid: str, parent: str | None, status: str, duration: int | None = None) -> None:
    with session_scope() as db:
        calls.apply_status(
            db,
            provider="sandbox",
            call_sid=sid,
            parent_call_sid=parent,
            status=status,
            duration_seconds=duration,
        )
