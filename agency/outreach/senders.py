"""Whom a client's messages come from (``ClientSender``), or the agency by default."""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import formataddr

from sqlalchemy.orm import Session

from agency.config import get_settings
from agency.outreach.models import ClientSender


@dataclass(frozen=True, slots=True)
class Sender:
    email_from: str  # "Name <address>"
    reply_to: str | None
    sms_numbers: tuple[str, ...]  # empty: the agency's pool (or its Messaging Service)


def agency_numbers() -> tuple[str, ...]:
    value = get_settings().twilio_from_numbers
    return tuple(number.strip() for number in value.split(",") if number.strip())


def sender_of(db: Session, client_id: int) -> Sender:
    settings = get_settings()
    own = db.get(ClientSender, client_id)
    if own is None:
        return Sender(
            email_from=formataddr((settings.agency_name, settings.agency_email)),
            reply_to=settings.agency_email,
            sms_numbers=agency_numbers(),
        )
    return Sender(
        email_from=formataddr((own.email_from_name, own.email_from_address)),
        reply_to=own.reply_to,
        sms_numbers=tuple(own.sms_numbers) or agency_numbers(),
    )
