"""A consumer's text to us.  STOP in any wording revokes consent and opts the number out
(``compliance.record_inbound`` reads it: US-TCPA-REVOKE); START opts back in; HELP is
answered with the agency's help text; anything else goes on the case's timeline and brings
the case before its agent.  Every one is an inbound contact in the ledger, for each
consumer who gave us that number."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from agency.cases import service as cases_service
from agency.cases.models import Channel
from agency.compliance import service as compliance
from agency.config import get_settings
from agency.outreach import repository as repo
from agency.outreach.models import InboundMessage, MessageChannel
from agency.outreach.strategies import stepping

HELP_WORDS = frozenset({"help", "info", "ayuda"})
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")
MAX_BODY = 1600  # ten segments: the longest text a phone sends as one message


@dataclass(frozen=True, slots=True)
class Received:
    message: InboundMessage
    answer: str | None  # the text to send back at once (HELP), if any


def help_text() -> str:
    settings = get_settings()
    return (
        f"{settings.agency_name} is a debt collector. For help call {settings.agency_phone}"
        f" or e-mail {settings.agency_email}. Reply STOP to opt out."
    )


def meaning_of(body: str) -> str:
    """``stop``, ``start``, ``help`` or ``reply`` (the reply reader decides stop/start)."""
    if _EDGES.sub("", body.strip()).casefold() in HELP_WORDS:
        return "help"
    reading = compliance.classify_reply(body)
    return {"revoke": "stop", "opt_in": "start"}.get(reading or "", "reply")


def receive_text(
    db: Session, *, provider: str, provider_id: str, from_: str, to: str | None, body: str
) -> Received:
    """Record a text from ``from_``.  The same provider id twice (a webhook retried)
    records nothing new and answers the same."""
    meaning = meaning_of(body)
    answer = help_text() if meaning == "help" else None
    known = repo.inbound_by_provider_id(db, provider, provider_id)
    if known is not None:
        return Received(message=known, answer=answer)
    holders = cases_service.holders_of(db, channel=Channel.PHONE, value=from_)
    for holder in holders:
        compliance.record_inbound(
            db,
            consumer_id=holder.consumer_id,
            channel="sms",
            contact_point_id=holder.contact_point_id,
            case_ids=list(holder.open_case_ids),
            outcome="delivered",
            actor_id=None,
            reply_text=body,
        )
    case_id, consumer_id, point_id = _about(db, from_, holders)
    message = InboundMessage(
        consumer_id=consumer_id,
        case_id=case_id,
        contact_point_id=point_id,
        channel=MessageChannel.SMS,
        from_address=from_,
        to_address=to,
        body=body[:MAX_BODY],
        meaning=meaning,
        provider=provider,
        provider_id=provider_id,
    )
    db.add(message)
    db.flush()
    if meaning == "reply" and case_id is not None:
        cases_service.needs_agent(db, case_id=case_id)
        stepping.happened(db, case_ids=[case_id], anchor="inbound_reply", at=message.received_at)
    return Received(message=message, answer=answer)


def _about(
    db: Session, from_: str, holders: list[cases_service.Holder]
) -> tuple[int | None, int | None, int | None]:
    """The case a text is a reply to: that of our latest message to the number, else the
    first open case of the first consumer who gave it."""
    latest = repo.latest_message_to(db, from_, MessageChannel.SMS)
    if latest is not None:
        return latest.case_id, latest.consumer_id, latest.contact_point_id
    for holder in holders:
        if holder.open_case_ids:
            return holder.open_case_ids[0], holder.consumer_id, holder.contact_point_id
    if holders:
        return None, holders[0].consumer_id, holders[0].contact_point_id
    return None, None, None
