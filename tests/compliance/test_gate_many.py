"""The batch gate decides exactly as the single gate: over generated consumers (in
Illinois, Massachusetts and Ontario, with histories of calls, texts and e-mails at
generated times) and generated batches of asks (a consumer asked about more than once
included), ``gate_many`` gives each ask the same decision, rule ids, next allowed time
and ledger entry — the same hash, so the same chain — as ``gate`` called for each in
turn."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency.compliance import service
from agency.compliance.errors import ComplianceError
from agency.compliance.models import LedgerEntry, Source
from agency.kit import clock
from tests.fixtures.compliance import MONDAY_AFTERNOON, Person, make_person

PLACES = [("IL", "60601", "US"), ("MA", "02108", "US"), ("ON", "M5V 2T6", "CA")]
CHANNELS = ["call", "sms", "email", "letter"]
past = st.tuples(st.sampled_from(CHANNELS), st.integers(0, 10 * 24 * 60))  # minutes ago
consumer = st.tuples(st.integers(0, len(PLACES) - 1), st.lists(past, max_size=8))
ask = st.tuples(st.integers(0, 3), st.sampled_from(CHANNELS))


def point_of(person: Person, channel: str) -> int:
    if channel in ("call", "sms"):
        return person.mobile.id
    return person.email.id if channel == "email" else person.address.id


def asking(person: Person, channel: str) -> service.GateAsk:
    return service.GateAsk(
        consumer_id=person.consumer.id,
        channel=channel,  # type: ignore[arg-type]
        contact_point_id=point_of(person, channel),
        case_ids=[person.case.id],
        actor_id=None,
        source=Source.STRATEGY,
        automated=channel != "call",
    )


def seen(result: service.GateResult) -> tuple[Any, ...]:
    d, e = result.decision, result.entry
    return (
        d.allowed,
        tuple(d.blocked_by),
        d.next_allowed_at,
        d.rule_set,
        e.seq,
        e.prev_hash,
        e.hash,
    )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    people=st.lists(consumer, min_size=1, max_size=4),
    asks=st.lists(ask, min_size=1, max_size=8),
    minutes=st.integers(0, 24 * 60 - 1),
)
def test_the_batch_gate_decides_as_the_single_gate(
    db: Session,
    people: list[tuple[int, list[tuple[str, int]]]],
    asks: list[tuple[int, str]],
    minutes: int,
) -> None:
    now = MONDAY_AFTERNOON.replace(hour=0, minute=0) + timedelta(minutes=minutes)
    persons = []
    for place, history in people:
        region, postal, country = PLACES[place]
        person = make_person(region=region, postal_code=postal, country=country)
        for channel, ago in sorted(history, key=lambda h: -h[1]):
            with clock.frozen(now - timedelta(minutes=ago + 1)):
                service.gate(db, **_kwargs(asking(person, channel)))
        persons.append(person)
    batch = [asking(persons[i % len(persons)], channel) for i, channel in asks]
    with clock.frozen(now):
        single_run = db.begin_nested()
        single = [seen(service.gate(db, **_kwargs(a))) for a in batch]
        single_run.rollback()
        many = [seen(result) for result in service.gate_many(db, batch)]
    assert many == single


def _kwargs(a: service.GateAsk) -> dict[str, Any]:
    return {
        "consumer_id": a.consumer_id,
        "channel": a.channel,
        "contact_point_id": a.contact_point_id,
        "case_ids": a.case_ids,
        "actor_id": a.actor_id,
        "source": a.source,
        "automated": a.automated,
        "template": a.template,
    }


def test_a_batch_is_bounded(db: Session) -> None:
    person = make_person()
    with clock.frozen(MONDAY_AFTERNOON), pytest.raises(ComplianceError, match="at most 1,000"):
        service.gate_many(db, [asking(person, "call")] * 1_001)


def test_a_wrong_contact_point_is_refused_with_nothing_written(db: Session) -> None:
    person, other = make_person(), make_person()
    wrong = service.GateAsk(
        **{**_kwargs(asking(person, "call")), "contact_point_id": other.mobile.id}
    )  # type: ignore[arg-type]
    before = db.scalar(select(func.count()).select_from(LedgerEntry))
    with clock.frozen(MONDAY_AFTERNOON), pytest.raises(ComplianceError, match="not one of this"):
        service.gate_many(db, [asking(other, "email"), wrong])
    assert db.scalar(select(func.count()).select_from(LedgerEntry)) == before
