"""Pacing texts from a pool of numbers: each long code sends at most
``AGENCY_SMS_SEGMENTS_PER_SECOND`` segments a second, across every worker.

Each number's next free time is a row (``SmsNumberSlot``) locked while a sending job
takes turns on it, so two jobs never give a number the same turn.  A text whose number is
free now leaves; one whose number is busy takes the number's next turn and waits for it,
``pending`` with ``next_try_at`` = ``slot_at`` = its turn (no failure, no try spent); due
then, it leaves without asking the number again.  A turn lasts the text's segments
divided by the rate, so a three-segment text holds its number three times as long.
Texts are spread over the pool by their id (``providers.pool_number``), so a pool of
100 numbers sends about 100 segments a second.  A Messaging Service is not paced here:
Twilio paces the numbers inside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from agency.config import get_settings
from agency.outreach import repository as repo
from agency.outreach.models import OutboxMessage
from agency.outreach.segments import count_segments

# A turn missed by more than this (the workers were down, the sweep late) is given up and
# the number's next one taken: texts held back never leave in a burst.
LATE = timedelta(seconds=5)


def turn_length(message: OutboxMessage) -> timedelta:
    """How long ``message`` holds its number: its segments at the configured rate."""
    segments = message.segments or count_segments(message.body).segments
    return timedelta(seconds=segments / get_settings().sms_segments_per_second)


def take_turns(
    db: Session, numbered: Sequence[tuple[OutboxMessage, str]], now: datetime
) -> list[OutboxMessage]:
    """Of the texts (each with the number it leaves from), those whose turn is now, in
    order; each other one waits for the turn it took (``next_try_at``, ``slot_at``)."""
    slots = repo.number_slots_for_update(db, [number for _, number in numbered], now)
    going = []
    for message, number in numbered:
        held, message.slot_at = message.slot_at, None
        if held is not None and held <= now < held + LATE:
            going.append(message)
            continue
        slot = slots[number]
        turn = max(now, slot.next_free_at)
        slot.next_free_at = turn + turn_length(message)
        if turn <= now:
            going.append(message)
        else:
            message.slot_at = message.next_try_at = turn
            message.from_address = number
    return going


def rest(db: Session, number: str, *, until: datetime, now: datetime) -> None:
    """The provider said ``number`` sends too fast: nothing leaves it before ``until``
    (the pool's other numbers go on); the texts holding turns on it give them up and
    take new ones then."""
    slot = repo.number_slots_for_update(db, [number], now)[number]
    slot.next_free_at = max(slot.next_free_at, until)
    repo.give_up_turns(db, number, until)
