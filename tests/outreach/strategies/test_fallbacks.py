"""Delivery-aware steps: an undelivered text falls back to the step's fallback channel,
a returned letter tries the next postal address — each the step's next attempt, once."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.engine import Engine

from agency.compliance.models import Source
from agency.db import session_scope
from agency.kit import clock
from agency.outreach import outbox
from agency.outreach.models import MessageStatus, OutboxMessage
from agency.outreach.strategies import runner
from tests.outreach.strategies import world as w


def came_back(message_id: int, status: MessageStatus) -> None:
    with session_scope() as db:
        db.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_id).values(status=status)
        )


def test_an_undelivered_text_falls_back_to_email_once(bound_engine: Engine) -> None:
    world = w.build([w.NOTICE, w.step("text", "sms", fallback="email")])
    with clock.frozen(w.TUESDAY_10):
        runner.tick()
        with session_scope() as db:
            (text,) = w.messages(db, world)
        came_back(text.id, MessageStatus.UNDELIVERED)
        assert runner.tick()["fallback"] == 1
        assert "fallback" not in runner.tick()
    with session_scope() as db:
        assert w.sends(db, world)[1:] == [
            ("text", 0, "sms", "queued"),
            ("text", 1, "email", "queued"),
        ]
        mail = w.messages(db, world)[1]
        assert (mail.channel.value, mail.contact_point_id) == ("email", world.email_id)
        assert w.kinds(db, world)[-1] == ("fallback", "text")


def test_a_delivered_text_is_watched_no_more(bound_engine: Engine) -> None:
    world = w.build([w.NOTICE, w.step("text", "sms", fallback="email")])
    with clock.frozen(w.TUESDAY_10):
        runner.tick()
        with session_scope() as db:
            (text,) = w.messages(db, world)
        came_back(text.id, MessageStatus.DELIVERED)
        runner.tick()
        came_back(text.id, MessageStatus.UNDELIVERED)  # never happens; if it did: too late
        assert "fallback" not in runner.tick()
    with session_scope() as db:
        assert len(w.messages(db, world)) == 1


def test_a_text_without_fallback_stays_undelivered(bound_engine: Engine) -> None:
    world = w.build([w.NOTICE, w.step("text", "sms")])
    with clock.frozen(w.TUESDAY_10):
        runner.tick()
        with session_scope() as db:
            (text,) = w.messages(db, world)
        came_back(text.id, MessageStatus.FAILED)
        assert "fallback" not in runner.tick()


def returned(message_id: int) -> None:
    with session_scope() as db:
        db.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(status=MessageStatus.SENT, sent_at=clock.now())
        )
        outbox.record_returned(
            db, message_id=message_id, reason="moved away", actor_id=None, source=Source.SYSTEM
        )


def test_a_returned_letter_tries_the_next_address(bound_engine: Engine) -> None:
    world = w.build([w.NOTICE, w.step("letter", "letter")])
    first = w.add_address(world, "1 Elm St\nChicago IL 60601")
    second = w.add_address(world, "9 Oak Ave\nChicago IL 60602")
    with clock.frozen(w.TUESDAY_10):
        runner.tick()
        with session_scope() as db:
            (letter,) = w.messages(db, world)
            assert letter.contact_point_id == first
        returned(letter.id)
        assert runner.tick()["fallback"] == 1
        with session_scope() as db:
            again = w.messages(db, world)[1]
            assert (again.channel.value, again.contact_point_id) == ("letter", second)
        returned(again.id)
        assert runner.tick()["no fallback"] == 1
    with session_scope() as db:
        assert [s[1] for s in w.sends(db, world)[1:]] == [0, 1]
        last = w.enrolling_events(db, world)[0]
        assert last.words == "the letter came back; no other letter contact point we may use"
