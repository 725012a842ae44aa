"""Twilio's webhooks for click-to-call, each signature-checked as the texts' are
(``webhooks.SignedForm``: 403 and nothing changed without a valid signature).

- ``POST /webhooks/twilio/voice/connect/{token}``: the agent answered; TwiML whispers
  to the agent and dials the consumer (the token, signed, names the call: the number is
  only ever in this answer's body).
- ``POST /webhooks/twilio/voice/dialed/{token}``: the dial ended (``<Dial action>``).
- ``POST /webhooks/twilio/call-status``: a status of either leg.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from starlette.datastructures import FormData
from twilio.twiml.voice_response import Dial, VoiceResponse

from agency.config import get_settings
from agency.db import DbSession
from agency.kit.errors import NotFound
from agency.outreach import calls
from agency.outreach.webhooks import SignedForm, form_text

router = APIRouter(prefix="/webhooks/twilio", include_in_schema=False)
CONSUMER_EVENTS = "initiated ringing answered completed"


def _call_id(token: str) -> int:
    try:
        return calls.call_of_token(token)
    except ValueError:
        raise NotFound("call") from None


def _duration(form: FormData, name: str) -> int | None:
    value = form_text(form, name, 8)
    return int(value) if value.isdigit() else None


def _twiml(response: VoiceResponse) -> Response:
    return Response(str(response), media_type="application/xml")


@router.post("/voice/connect/{token}")
def connect(token: str, form: SignedForm, db: DbSession) -> Response:
    """The agent picked up: a short whisper, then the consumer dialled from the agency's
    caller id, for as long as the gate allows (``timeLimit``), the agent hearing the
    ringing until the consumer answers (``answerOnBridge``)."""
    call_id = _call_id(token)
    bridge = calls.connect(db, call_id, provider_call_id=form_text(form, "CallSid", 64) or None)
    reply = VoiceResponse()
    if bridge is None:
        reply.say("This call can no longer be connected. Nothing was dialled. Goodbye.")
        reply.hangup()
        return _twiml(reply)
    reply.say(f"{get_settings().agency_name}: connecting you to the consumer.")
    dial = Dial(
        caller_id=get_settings().twilio_voice_from,
        action=calls.dialed_url(call_id),
        method="POST",
        time_limit=bridge.time_limit_seconds,
        answer_on_bridge=True,
    )
    dial.number(
        bridge.number,
        status_callback=calls.status_url(),
        status_callback_event=CONSUMER_EVENTS,
        status_callback_method="POST",
    )
    reply.append(dial)
    return _twiml(reply)


@router.post("/voice/dialed/{token}")
def dialed(token: str, form: SignedForm, db: DbSession) -> Response:
    """The dial to the consumer ended (answered and over, no answer, busy, failed)."""
    call_id = _call_id(token)
    status = form_text(form, "DialCallStatus", 32)
    if status:
        calls.record_dialed(
            db, call_id, status=status, duration_seconds=_duration(form, "DialCallDuration")
        )
    reply = VoiceResponse()
    reply.hangup()
    return _twiml(reply)


@router.post("/call-status")
def call_status(form: SignedForm, db: DbSession) -> Response:
    """A status of the agent's leg or, with ``ParentCallSid``, of the consumer's."""
    sid = form_text(form, "CallSid", 64)
    status = form_text(form, "CallStatus", 32)
    if sid and status:
        calls.apply_status(
            db,
            provider="twilio",
            call_sid=sid,
            parent_call_sid=form_text(form, "ParentCallSid", 64) or None,
            status=status,
            duration_seconds=_duration(form, "CallDuration"),
        )
    return Response(status_code=204)
