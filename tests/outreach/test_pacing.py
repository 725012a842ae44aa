"""Texts from a pool of numbers keep each number's pace (``outreach.pacing``): through the
outbox, the sweep and the real Twilio SDK over its in-process fake; two workers claiming
at once (two sessions, two threads — on PostgreSQL when the suite has it)."""

from __future__ import annotations

import itertools
import threading
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from agency.config import get_settings
from agency.db import session_scope
from agency.kit import clock
from agency.outreach import outbox, sending
from agency.outreach.models import MessageStatus, OutboxEvent, OutboxMessage
from agency.worker import drain
from tests.fixtures.compliance import OFFICE_HOURS
from tests.fixtures.twilio import FakeTwilio
from tests.outreach.pool import POOL, Person, messages, queue_texts


def run_sweeps(until: datetime, step: timedelta) -> None:
    """The sweep every ``step`` (the beat's second, finer), its jobs run, until ``until``."""
    while clock.now() < until:
        clock.advance(step)
        sending.send_due()
        drain()


def sends_by_number(fake: FakeTwilio) -> dict[str, list[datetime]]:
    """When each number was handed a text: the outbox's "sending" times, by its From."""
    by_sid = {m["sid"]: m["from"] for m in fake.messages}
    with session_scope() as db:
        sent = db.scalars(select(OutboxMessage).where(OutboxMessage.provider_id.is_not(None)))
        found: dict[str, list[datetime]] = defaultdict(list)
        for message in sent:
            assert message.sending_at is not None
            found[by_sid[message.provider_id]].append(message.sending_at)
    return {number: sorted(times) for number, times in found.items()}


def most_in_a_second(times: list[datetime]) -> int:
    return max(
        sum(1 for t in times if start <= t < start + timedelta(seconds=1)) for start in times
    )


@pytest.mark.parametrize("rate", [1.0, 2.0])
def test_ten_texts_on_three_numbers_keep_each_number_s_rate(
    pool: FakeTwilio, people: list[Person], monkeypatch: pytest.MonkeyPatch, rate: float
) -> None:
    monkeypatch.setattr(get_settings(), "sms_segments_per_second", rate)
    with clock.frozen(OFFICE_HOURS):
        ids = queue_texts(people, 10)
        drain()
        first = messages(ids)
        assert Counter(m.status for m in first) == {
            MessageStatus.SENT: 3,
            MessageStatus.PENDING: 7,
        }
        # Each number's first text left; the others wait for their turn: not failed, no
        # try spent, each with its own turn on its number.
        waiting = [m for m in first if m.status is MessageStatus.PENDING]
        assert all(m.tries == 0 and m.error is None for m in waiting)
        assert all(m.next_try_at == m.slot_at and m.slot_at is not None for m in waiting)
        turns = Counter((m.id % 3, m.slot_at) for m in waiting)
        assert max(turns.values()) == 1
        run_sweeps(OFFICE_HOURS + timedelta(seconds=10), timedelta(seconds=0.25))
    done = messages(ids)
    assert [m.status for m in done] == [MessageStatus.SENT] * 10
    assert all(m.tries == 1 for m in done)
    assert sorted({m.from_address for m in done}) == sorted(POOL)
    by_number = sends_by_number(pool)
    assert sorted(len(times) for times in by_number.values()) == [3, 3, 4]
    for times in by_number.values():
        assert most_in_a_second(times) <= rate
        assert all(b - a >= timedelta(seconds=1 / rate) for a, b in itertools.pairwise(times))
    # All ten left within the pool's pace: four turns on the busiest number.
    assert max(t for times in by_number.values() for t in times) == OFFICE_HOURS + timedelta(
        seconds=3 / rate
    )
    with session_scope() as db:
        statuses = db.scalars(select(OutboxEvent.status).where(OutboxEvent.message_id.in_(ids)))
        assert MessageStatus.FAILED not in set(statuses)


def test_a_two_segment_text_holds_its_number_for_two_turns(
    pool: FakeTwilio, people: list[Person]
) -> None:
    with clock.frozen(OFFICE_HOURS):
        ids = queue_texts(people, 4, send_now=False, long_first=True)
        long_text = ids[0]
        same_number = [i for i in ids[1:] if i % 3 == long_text % 3]
        sending.send_due()
        drain()
        assert [m.slot_at for m in messages(same_number)] == [OFFICE_HOURS + timedelta(seconds=2)]
        run_sweeps(OFFICE_HOURS + timedelta(seconds=3), timedelta(seconds=0.5))
    assert [m.status for m in messages(ids)] == [MessageStatus.SENT] * 4


def test_a_turn_missed_by_long_is_taken_anew_so_held_texts_never_leave_in_a_burst(
    pool: FakeTwilio, people: list[Person]
) -> None:
    with clock.frozen(OFFICE_HOURS):
        ids = queue_texts(people, 7)  # three numbers: 3 now, 3 at +1 s, 1 at +2 s
        drain()
    with clock.frozen(OFFICE_HOURS + timedelta(minutes=1)):  # the workers were down
        sending.send_due()
        drain()
        late = messages(ids)
    # One text per number now; the seventh's number has just been used: it takes a
    # new turn a second on.
    assert Counter(m.status for m in late) == {MessageStatus.SENT: 6, MessageStatus.PENDING: 1}
    with clock.frozen(OFFICE_HOURS + timedelta(minutes=1)):
        assert [m.slot_at for m in late if m.status is MessageStatus.PENDING] == [
            clock.now() + timedelta(seconds=1)
        ]


def test_with_a_messaging_service_texts_are_not_paced_by_us(
    fake_twilio: FakeTwilio, people: list[Person], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "twilio_from_numbers", ",".join(POOL))
    with clock.frozen(OFFICE_HOURS):
        ids = queue_texts(people, 10)
        drain()
    assert [m.status for m in messages(ids)] == [MessageStatus.SENT] * 10
    assert all("MessagingServiceSid" in r.data for r in fake_twilio.requests)


@pytest.fixture
def two_workers_race(pool: FakeTwilio, people: list[Person]) -> Iterator[list[int]]:
    with clock.frozen(OFFICE_HOURS):
        yield queue_texts(people, 6, send_now=False)


def test_two_workers_claiming_at_once_never_give_a_number_two_texts_in_one_turn(
    two_workers_race: list[int],
) -> None:
    """Each worker claims its half (every number appears in both halves) in its own
    session at the same instant: the number's row lock lets one take each turn."""
    ids = two_workers_race
    halves = [ids[0::2], ids[1::2]]
    start = threading.Barrier(2)
    claimed: list[list[int]] = [[], []]
    failures: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            start.wait()
            with session_scope() as db:
                claimed[n] = [c.message_id for c in outbox.claim_many(db, halves[n])]
        except BaseException as exc:
            failures.append(exc)

    with clock.frozen(OFFICE_HOURS):
        threads = [threading.Thread(target=worker, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert failures == []
    now = [*claimed[0], *claimed[1]]
    assert sorted(i % 3 for i in now) == [0, 1, 2]  # one text per number, this turn
    later = [m for m in messages(ids) if m.id not in now]
    assert [m.status for m in later] == [MessageStatus.PENDING] * 3
    turns = {(m.id % 3, m.slot_at) for m in later}
    assert len(turns) == 3
    assert {slot for _, slot in turns} == {OFFICE_HOURS + timedelta(seconds=1)}
