"""The sandbox: every channel's stand-in when no provider is configured (``make run``).

It takes every message (the outbox row already holds exactly what would be sent) and
then settles it the way a provider would report: delivered — except to the addresses a
real provider could not reach, so a new user sees both endings: a phone number ending in
``0000``, or an e-mail address at ``undeliverable.example``, is undelivered.
"""

from __future__ import annotations

from datetime import datetime

from agency.outreach.channels.base import Outgoing, Sent

UNDELIVERABLE_NUMBER_END = "0000"
UNDELIVERABLE_DOMAIN = "@undeliverable.example"


class Sandbox:
    name = "sandbox"

    def send(self, outgoing: Outgoing) -> Sent:
        return Sent(provider_id=f"SB{outgoing.key.partition('@')[0]}", provider_status="sent")

    def look_up(self, outgoing: Outgoing, *, since: datetime) -> Sent | None:
        # The sandbox keeps nothing of its own: sending again is the same message.
        return None


def settled_status(to: str) -> str:
    """The status the sandbox reports once a message has "arrived"."""
    unreachable = to.endswith(UNDELIVERABLE_NUMBER_END) or to.lower().endswith(UNDELIVERABLE_DOMAIN)
    return "undelivered" if unreachable else "delivered"
