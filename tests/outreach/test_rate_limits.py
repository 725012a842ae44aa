"""Twilio's "too many requests" (HTTP 429, errors 20429 and 14107), through the real SDK
over its in-process fake: the wait Twilio asks for, no try spent, and only the number
that was refused rests."""

from __future__ import annotations

from datetime import timedelta

import pytest

from agency.config import get_settings
from agency.kit import clock
from agency.outreach import sending
from agency.outreach.models import MessageStatus
from agency.worker import drain
from tests.fixtures.compliance import OFFICE_HOURS
from tests.fixtures.twilio import FakeTwilio, Refusal
from tests.outreach.pool import POOL, Person, messages, queue_texts


def test_a_429_with_retry_after_waits_as_long_as_twilio_asked_and_spends_no_try(
    fake_twilio: FakeTwilio, people: list[Person], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "outbox_max_tries", 2)
    fake_twilio.failures.extend([Refusal(429, headers={"Retry-After": "30"})] * 3)
    with clock.frozen(OFFICE_HOURS):
        [message_id] = queue_texts(people, 1)
        drain()
        [waiting] = messages([message_id])
        assert waiting.status is MessageStatus.PENDING
        assert waiting.next_try_at == OFFICE_HOURS + timedelta(seconds=30)
        assert (waiting.tries, waiting.rate_limits) == (0, 1)
        assert (
            waiting.error
            == "Twilio answered 429 (error 20429): Unable to create record: Too Many Requests"
        )
    for n in range(1, 4):  # two more 429s, then Twilio takes it: more than two tries' worth
        with clock.frozen(OFFICE_HOURS + timedelta(seconds=30 * n)):
            assert sending.send_due() == 1
            drain()
    [sent] = messages([message_id])
    assert sent.status is MessageStatus.SENT
    assert (sent.tries, sent.rate_limits) == (1, 3)


def test_without_retry_after_a_rate_limit_waits_longer_each_time(
    fake_twilio: FakeTwilio, people: list[Person]
) -> None:
    fake_twilio.failures.extend([429, 429])
    with clock.frozen(OFFICE_HOURS):
        [message_id] = queue_texts(people, 1)
        drain()
        assert messages([message_id])[0].next_try_at == OFFICE_HOURS + timedelta(minutes=1)
    with clock.frozen(OFFICE_HOURS + timedelta(minutes=1)):
        sending.send_due()
        drain()
        assert messages([message_id])[0].next_try_at == clock.now() + timedelta(minutes=2)


def test_error_14107_message_rate_limit_exceeded_is_a_rate_limit_too(
    fake_twilio: FakeTwilio, people: list[Person]
) -> None:
    fake_twilio.failures.extend([Refusal(400, code=14107)])
    with clock.frozen(OFFICE_HOURS):
        [message_id] = queue_texts(people, 1)
        drain()
    [waiting] = messages([message_id])
    assert waiting.status is MessageStatus.PENDING
    assert (waiting.tries, waiting.rate_limits) == (0, 1)
    assert "14107" in (waiting.error or "")


def test_rate_limited_without_end_the_text_is_failed_after_three_times_its_tries(
    fake_twilio: FakeTwilio, people: list[Person], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "outbox_max_tries", 1)
    fake_twilio.failures.extend([Refusal(429, headers={"Retry-After": "5"})] * 4)
    with clock.frozen(OFFICE_HOURS):
        [message_id] = queue_texts(people, 1)
        drain()
        for _ in range(3):
            clock.advance(timedelta(seconds=5))
            sending.send_due()
            drain()
    [failed] = messages([message_id])
    assert failed.status is MessageStatus.FAILED
    assert failed.rate_limits == 3
    assert fake_twilio.messages == []


def test_a_429_on_one_number_rests_it_and_the_pool_s_other_numbers_go_on(
    pool: FakeTwilio, people: list[Person]
) -> None:
    refused = POOL[0]
    pool.refuse_from[refused] = Refusal(429, code=14107, headers={"Retry-After": "20"})
    with clock.frozen(OFFICE_HOURS):
        ids = queue_texts(people, 9, send_now=False)  # three a number, one batch
        sending.send_due()
        drain()
        first = messages(ids)
        on_refused = [m for m in first if m.id % 3 == 0]
        # One request from the refused number, not three: the batch's others from it
        # wait as it does; the other numbers each sent their first text.
        assert [r.data["From"] for r in pool.requests].count(refused) == 1
        assert sorted(m["from"] for m in pool.messages) == sorted(POOL[1:])
        # All three wait for the rest to end, without a turn.
        assert [(m.slot_at, m.next_try_at) for m in on_refused] == [
            (None, OFFICE_HOURS + timedelta(seconds=20))
        ] * 3
        for _ in range(8):  # the next eight seconds: the other numbers keep their pace
            clock.advance(timedelta(seconds=1))
            sending.send_due()
            drain()
        assert [r.data["From"] for r in pool.requests].count(refused) == 1
        assert sorted(m["from"] for m in pool.messages) == sorted(POOL[1:] * 3)
        del pool.refuse_from[refused]
        clock.advance(timedelta(seconds=12))  # the rest is over
        for _ in range(3):
            sending.send_due()
            drain()
            clock.advance(timedelta(seconds=1))
    assert [m.status for m in messages(ids)] == [MessageStatus.SENT] * 9
