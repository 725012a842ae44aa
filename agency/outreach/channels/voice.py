"""What a voice provider does for click-to-call: ring the agent's phone, telling the
provider where to fetch what the call does once the agent answers (``url``: our connect
webhook, which bridges to the consumer) and where to report the call's status.  The
sandbox takes every call and plays its life itself (``agency.outreach.ringing``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Ring:
    """One call to the agent's phone.  ``url`` names the call only by a signed token:
    the consumer's number is never in a URL."""

    to: str
    url: str
    status_callback: str


class VoiceProvider(Protocol):
    name: str

    def ring(self, ring: Ring) -> str:
        """Start the call; its id at the provider (ProviderError when it was refused)."""
        ...


class SandboxVoice:
    name = "sandbox"

    def ring(self, ring: Ring) -> str:
        return "SBCA" + uuid.uuid4().hex
