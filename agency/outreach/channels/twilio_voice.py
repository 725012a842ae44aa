"""Click-to-call through Twilio, with the official SDK (``twilio.rest.Client``).

Twilio rings the agent's phone from the agency's caller id (``AGENCY_TWILIO_VOICE_FROM``);
once the agent answers it fetches our connect webhook, whose TwiML bridges the call to
the consumer.  Every status of the agent's leg (initiated, ringing, answered, completed)
is reported to the signed call-status webhook.  The HTTP client is the SDK's own unless
one is given (tests give one that answers like Twilio, in process).
"""

from __future__ import annotations

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http import HttpClient
from twilio.rest import Client

from agency.outreach.channels.base import ProviderError
from agency.outreach.channels.twilio_sms import refused
from agency.outreach.channels.voice import Ring

STATUS_EVENTS = ["initiated", "ringing", "answered", "completed"]


class TwilioVoice:
    name = "twilio"

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        caller_id: str,
        http_client: HttpClient | None = None,
    ) -> None:
        self.client = Client(account_sid, auth_token, http_client=http_client)
        self.caller_id = caller_id

    def ring(self, ring: Ring) -> str:
        try:
            call = self.client.calls.create(
                to=ring.to,
                from_=self.caller_id,
                url=ring.url,
                method="POST",
                status_callback=ring.status_callback,
                status_callback_method="POST",
                status_callback_event=STATUS_EVENTS,
            )
        except TwilioRestException as exc:
            raise refused(exc) from exc
        except TwilioException as exc:  # the connection failed: nothing was started
            raise ProviderError(f"Twilio could not be reached: {exc}", transient=True) from exc
        return str(call.sid)
