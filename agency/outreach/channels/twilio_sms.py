"""Texts through Twilio, with the official SDK (``twilio.rest.Client``).

A text goes from the Messaging Service when one is configured (Twilio then picks the
number and paces it), else from the sender the outbox chose from the pool of numbers.
``StatusCallback`` points at our signed status webhook; ``ValidityPeriod`` makes Twilio
drop a text still queued when the consumer's allowed window closes.  The HTTP client is
the SDK's own unless one is given (tests and the benchmark give one that answers like
Twilio, in process).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from agency.outreach.channels.base import Outgoing, ProviderError, Sent

# Twilio keeps a queued text at most 36,000 s (10 hours), and at least 1 s.
MAX_VALIDITY_SECONDS = 36_000
_TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})
# Twilio's "too many requests" (the API's concurrency) and "message rate limit exceeded".
_RATE_LIMIT_CODES = frozenset({20429, 14107})
# The longest Retry-After we honour (a longer one is Twilio's mistake, or not ours to keep).
MAX_RETRY_AFTER_SECONDS = 3600


class _KeepsHeaders(HttpClient):  # type: ignore[misc]
    """The SDK's HTTP client, keeping (per thread) the headers of the last answer: the
    SDK's exception drops them, and a 429's ``Retry-After`` is among them."""

    def __init__(self, inner: HttpClient) -> None:
        super().__init__(inner.logger, is_async=False, timeout=inner.timeout)
        self.inner = inner
        self._last = threading.local()

    def request(self, *args: Any, **kwargs: Any) -> Response:
        self._last.headers = None
        response = self.inner.request(*args, **kwargs)
        self._last.headers = response.headers  # kept as given: read only after a refusal
        return response

    def last_headers(self) -> Mapping[str, str]:
        """The last answer's headers, their names in lower case."""
        headers = getattr(self._last, "headers", None) or {}
        return {str(name).lower(): str(value) for name, value in headers.items()}


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
        self.http = _KeepsHeaders(http_client or TwilioHttpClient())
        self.client = Client(account_sid, auth_token, http_client=self.http)
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
            raise refused(exc, self.http.last_headers()) from exc
        except TwilioException as exc:  # the connection failed: nothing was taken
            raise ProviderError(f"Twilio could not be reached: {exc}", transient=True) from exc
        return Sent(provider_id=str(message.sid), provider_status=str(message.status))

    def look_up(self, outgoing: Outgoing, *, since: datetime) -> Sent | None:
        """The text to ``outgoing.to`` with this body created at or after ``since``."""
        try:
            recent = self.client.messages.list(to=outgoing.to, limit=50)
        except TwilioRestException as exc:
            raise refused(exc, self.http.last_headers()) from exc
        except TwilioException as exc:
            raise ProviderError(f"Twilio could not be reached: {exc}", transient=True) from exc
        for message in recent:
            created = message.date_created
            if message.body == outgoing.body and created is not None and created >= since:
                return Sent(provider_id=str(message.sid), provider_status=str(message.status))
        return None


def refused(exc: TwilioRestException, headers: Mapping[str, str] | None = None) -> ProviderError:
    """A 5xx may pass; a 429 or a rate-limit error (20429, 14107) is "too many requests",
    with the wait Twilio asked for (``Retry-After``) when it said; any other refusal will
    not pass."""
    status = int(exc.status)
    code = f" (error {exc.code})" if exc.code else ""
    rate_limited = status == 429 or exc.code in _RATE_LIMIT_CODES
    return ProviderError(
        f"Twilio answered {status}{code}: {exc.msg}",
        transient=status in _TRANSIENT_STATUSES,
        rate_limited=rate_limited,
        retry_after=_seconds((headers or {}).get("retry-after")) if rate_limited else None,
    )


def _seconds(value: str | None) -> float | None:
    """A ``Retry-After`` of seconds (the form Twilio sends), at most an hour."""
    if value is None or not value.strip().isdigit():
        return None
    return float(min(int(value.strip()), MAX_RETRY_AFTER_SECONDS))
