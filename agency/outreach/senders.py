"""Whom a client's messages come from (``ClientSender``), or the agency by default; and an
admin's changes to it (``save_sender``, ``clear_sender``), its pool of numbers checked."""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import formataddr

from sqlalchemy.orm import Session

from agency.config import get_settings
from agency.kit.forms import FieldRefusal
from agency.kit.phones import parse_phone
from agency.outreach.models import ClientSender
from agency.outreach.schemas import MAX_NUMBERS, SenderForm


@dataclass(frozen=True, slots=True)
class Sender:
    email_from: str  # "Name <address>"
    reply_to: str | None
    sms_numbers: tuple[str, ...]  # empty: the agency's pool (or its Messaging Service)


def agency_numbers() -> tuple[str, ...]:
    value = get_settings().twilio_from_numbers
    return tuple(number.strip() for number in value.split(",") if number.strip())


def agency_sender() -> Sender:
    """The agency's own sender, from the settings: what a client without one uses."""
    settings = get_settings()
    return Sender(
        email_from=formataddr((settings.agency_name, settings.agency_email)),
        reply_to=settings.agency_email,
        sms_numbers=agency_numbers(),
    )


def sender_of(db: Session, client_id: int) -> Sender:
    own = db.get(ClientSender, client_id)
    if own is None:
        return agency_sender()
    return Sender(
        email_from=formataddr((own.email_from_name, own.email_from_address)),
        reply_to=own.reply_to,
        sms_numbers=tuple(own.sms_numbers) or agency_numbers(),
    )


def e164(raw: str) -> str | None:
    """``raw`` in E.164 (+13125550100) when it is a valid number written with its country
    code (``phonenumbers``, through ``kit.phones``); None otherwise."""
    text = raw.strip()
    if not text.startswith("+"):
        return None
    phone = parse_phone(text, "US")
    return phone.e164 if phone is not None else None


def pool(text: str) -> list[str]:
    """A pool of texting numbers, one per line, as E.164 in the order given; FieldRefusal
    naming the first bad line, a number given twice, or more than ``MAX_NUMBERS``."""
    lines = [(number, line.strip()) for number, line in enumerate(text.splitlines(), 1)]
    given = [(number, line) for number, line in lines if line]
    if len(given) > MAX_NUMBERS:
        raise FieldRefusal(
            "SMS numbers",
            f"at most {MAX_NUMBERS} numbers, one per line ({len(given)} given)",
            control="sms_numbers",
        )
    numbers: list[str] = []
    for number, line in given:
        found = e164(line)
        if found is None:
            raise FieldRefusal(
                "SMS numbers",
                f"line {number}: {line[:40]!r} is not a phone number in E.164, such as "
                "+13125550100 (a +, the country code, the number)",
                control="sms_numbers",
            )
        if found in numbers:
            raise FieldRefusal(
                "SMS numbers", f"line {number}: {found} is given twice", control="sms_numbers"
            )
        numbers.append(found)
    return numbers


def save_sender(db: Session, *, client_id: int, data: SenderForm) -> ClientSender:
    """Make or change whom ``client_id``'s messages come from."""
    numbers = pool(data.sms_numbers)
    own = db.get(ClientSender, client_id)
    if own is None:
        own = ClientSender(client_id=client_id)
        db.add(own)
    own.email_from_name = " ".join(data.email_from_name.split())
    own.email_from_address = str(data.email_from_address)
    own.reply_to = str(data.reply_to) if data.reply_to else None
    own.sms_numbers = numbers
    db.flush()
    return own


def clear_sender(db: Session, *, client_id: int) -> bool:
    """The client sends as the agency again; False when it had no profile of its own."""
    own = db.get(ClientSender, client_id)
    if own is None:
        return False
    db.delete(own)
    db.flush()
    return True
