"""Twilio's webhooks: a text's status (``StatusCallback``) and the texts consumers send us.

Each request must carry a valid ``X-Twilio-Signature``, checked with the SDK's
``RequestValidator`` against the URL Twilio called — ``AGENCY_PUBLIC_URL`` plus the path
and query, not the URL this server sees, so the check holds behind a TLS proxy.  An
unsigned or wrongly signed request is refused (403) and changes nothing; with no auth
token configured (the sandbox) every request is.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from agency.config import get_settings
from agency.db import DbSession
from agency.kit.forms import read_form
from agency.outreach import inbound, outbox

router = APIRouter(prefix="/webhooks/twilio", include_in_schema=False)
SIGNATURE = "X-Twilio-Signature"


class BadSignature(Exception):
    """The request is not Twilio's (or not for this URL)."""


def signed_url(request: Request) -> str:
    """The URL Twilio signed: the public base URL, this path, this query."""
    url = get_settings().public_url.rstrip("/") + request.url.path
    return f"{url}?{request.url.query}" if request.url.query else url


async def twilio_form(request: Request) -> FormData:
    """The posted form, once its signature is checked (BadSignature otherwise)."""
    form = await read_form(request)
    token = get_settings().twilio_auth_token
    signature = request.headers.get(SIGNATURE)
    params = {name: value for name, value in form.items() if isinstance(value, str)}
    if not token or not signature:
        raise BadSignature
    if not RequestValidator(token).validate(signed_url(request), params, signature):
        raise BadSignature
    return form


SignedForm = Annotated[FormData, Depends(twilio_form)]


def form_text(form: FormData, name: str, limit: int = 100) -> str:
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


@router.post("/sms-status")
def sms_status(form: SignedForm, db: DbSession) -> Response:
    """A text's status moved at Twilio (queued, sent, delivered, undelivered, failed)."""
    sid = form_text(form, "MessageSid")
    status = form_text(form, "MessageStatus", 32)
    error = form_text(form, "ErrorCode", 16)
    if sid and status:
        outbox.apply_status(
            db,
            provider="twilio",
            provider_id=sid,
            provider_status=status,
            detail={"error_code": error} if error else {},
        )
    return Response(status_code=204)


@router.post("/sms-inbound")
def sms_inbound(form: SignedForm, db: DbSession) -> Response:
    """A consumer texted one of our numbers; answered with TwiML (HELP gets the help
    text; STOP and START are confirmed by Twilio's own opt-out handling)."""
    sid = form_text(form, "MessageSid")
    sender = form_text(form, "From", 32)
    reply = MessagingResponse()
    if sid and sender:
        received = inbound.receive_text(
            db,
            provider="twilio",
            provider_id=sid,
            from_=sender,
            to=form_text(form, "To", 32) or None,
            body=form_text(form, "Body", inbound.MAX_BODY),
        )
        if received.answer:
            reply.message(received.answer)
    return Response(str(reply), media_type="application/xml")
