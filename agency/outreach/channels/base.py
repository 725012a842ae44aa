"""What every provider adapter does: send one message, and find one it may already have
(after a crash between the provider's answer and our commit)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file an e-mail carries (the validation notice's PDF), as kept."""

    file_name: str
    content_type: str
    content: bytes


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message as a provider needs it.  ``key`` is ours and unique (an e-mail's
    Message-ID); ``valid_for_seconds``: a text still queued after this is dropped by the
    provider, so it cannot arrive after the consumer's allowed window closes."""

    key: str
    to: str
    body: str
    sender: str | None = None
    subject: str | None = None
    html: str | None = None
    status_callback: str | None = None
    valid_for_seconds: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True, slots=True)
class Sent:
    """The provider took the message: its id there and the status it gave."""

    provider_id: str
    provider_status: str


class ProviderError(Exception):
    """The provider refused or could not be reached.  ``transient``: trying again later may
    work (a 5xx, a 429, a dropped connection); otherwise it never will (a bad number)."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


class Provider(Protocol):
    name: str

    def send(self, outgoing: Outgoing) -> Sent:
        """Hand the message over; ProviderError when it was not taken."""
        ...

    def look_up(self, outgoing: Outgoing, *, since: datetime) -> Sent | None:
        """The message, if the provider took it at or after ``since`` (None: it did not,
        so sending it again sends it once).  Providers that cannot be asked return None
        and send again under the same ``key`` (an e-mail's Message-ID), recognisably."""
        ...
