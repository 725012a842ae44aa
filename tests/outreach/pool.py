"""Texts to several debtors from a pool of numbers (the pacing and rate-limit tests)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from agency.compliance.models import Source
from agency.compliance.templates import get as builtin_template
from agency.db import session_scope
from agency.outreach import outbox, providers
from agency.outreach.models import MessageChannel, OutboxMessage

POOL = ("+13125559001", "+13125559002", "+13125559003")
BODY = "Northwind: a message from a debt collector about your account. Reply STOP to opt out."
# 200 GSM characters: two segments.
LONG_BODY = BODY + " " + "x" * (199 - len(BODY))


@dataclass(frozen=True)
class Person:
    case_id: int
    consumer_id: int
    client_id: int
    phone_id: int
    phone: str


def queue_texts(
    people: list[Person], count: int, *, send_now: bool = True, long_first: bool = False
) -> list[int]:
    """``count`` texts to ``people`` in turn (``long_first``: the first is two segments)."""
    template = builtin_template("payment-reminder-sms")
    assert template is not None
    ids = []
    with session_scope() as db:
        for n in range(count):
            person = people[n % len(people)]
            body = LONG_BODY if n == 0 and long_first else BODY
            message = outbox.queue(
                db,
                case_id=person.case_id,
                consumer_id=person.consumer_id,
                client_id=person.client_id,
                contact_point_id=person.phone_id,
                to_address=person.phone,
                draft=outbox.Draft(channel=MessageChannel.SMS, body=body, gate_template=template),
                provider=providers.name_for(MessageChannel.SMS),
                by_user_id=None,
                source=Source.AGENT,
                send_now=send_now,
            )
            ids.append(message.id)
    return ids


def messages(ids: list[int]) -> list[OutboxMessage]:
    with session_scope() as db:
        found = list(db.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids))))
        db.expunge_all()
    return sorted(found, key=lambda m: m.id)
