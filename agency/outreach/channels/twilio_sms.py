"""Texts through Twilio, with the official SDK (``twilio.rest.Client``).

A text goes from the Messaging Service when one is configured (Twilio then picks the
number and paces it), else from the sender the outbox chose from the pool of numbers.
``StatusCallback`` points at our signed status webhook; ``ValidityPeriod`` makes Twilio
drop a text still queued when the consumer's allowed window closes.  The HTTP client is
the SDK's own unless one is given (tests and the benchmark give one that answers like
Twilio, in process).
"""

from __future__ import annotations

from datetime import datetime

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http import HttpClient
from twilio.rest import Client

from agency.outreach.channels.base import Outgoing, ProviderError, Sent

# Twilio keeps a queued text at most 36,000 s (10 hours), and at least 1 s.
MAX_VALIDITY_SECONDS = 36_000
_TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})


class TwilioSms:
    name = "twilio"

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        messaging_service_sid: str = "",
        http_client: HttpClient | None = None,
    ) -> None:
        self.client = Client(account_sid, auth_token, http_client=http_client)
        self.messaging_service_sid = messaging_service_sid

    def send(self, outgoing: Outgoing) -> Sent:
        options: dict[str, object] = {"to": outgoing.to, "body": outgoing.body}
        if self.messaging_service_sid:
            options["messaging_service_sid"] = self.messaging_service_sid
        elif outgoing.sender:
            options["from_"] = outgoing.sender
        else:
            raise ProviderError(
                "no sender: set AGENCY_TWILIO_MESSAGING_SERVICE_SID or AGENCY_TWILIO_FROM_NUMBERS",
                transient=False,
            )
        if outgoing.status_callback:
            options["status_callback"] = outgoing.status_callback
        if outgoing.valid_for_seconds is not None:
            options["validity_period"] = max(
                1, min(outgoing.valid_for_seconds, MAX_VALIDITY_SECONDS)
            )
        try:
            message = self.client.messages.create(**options)
        except TwilioRestException as exc:
            raise refused(exc) from exc
        except TwilioException as exc:  # the connection failed: nothing was taken
            raise ProviderError(f"Twilio could not be reached: {exc}", transient=True) from exc
        return Sent(provider_id=str(message.sid), provider_status=str(message.status))

    def look_up(self, outgoing: Outgoing, *, since: datetime) -> Sent | None:
        """The text to ``outgoing.to`` with this body created at or after ``since``."""
        try:
            recent = self.client.messages.list(to=outgoing.to, limit=50)
        except TwilioRestException as exc:
            raise refused(exc) from exc
        except TwilioException as exc:
            raise ProviderError(f"Twilio could not be reached: {exc}", transient=True) from exc
        for message in recent:
            created = message.date_created
            if message.body == outgoing.body and created is not None and created >= since:
                return Sent(provider_id=str(message.sid), provider_status=str(message.status))
        return None


def refused(exc: TwilioRestException) -> ProviderError:
    """A 429 (too many requests) or a 5xx may pass; any other refusal will not."""
    status = int(exc.status)
    code = f" (error {exc.code})" if exc.code else ""
    return ProviderError(
        f"Twilio answered {status}{code}: {exc.msg}", transient=status in _TRANSIENT_STATUSES
    )
