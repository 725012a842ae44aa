"""The gate rehearsed: a run of contacts to come decided as the gate would decide them
one by one at those moments (each allowed one counting for the next), with nothing
written — a differential test against the real gate over generated runs."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from agency.compliance import service
from agency.compliance.models import LedgerEntry, Source
from agency.kit import clock
from tests.compliance.test_gate_many import CHANNELS, PLACES, point_of
from tests.fixtures.compliance import MONDAY_AFTERNOON, Person, make_person


def consented(person: Person) -> Person:
    """``person`` with consent to texts on their mobile (as a placement gives it)."""
    service.set_at_placement(db_of(person), flags={person.mobile.id: service.Flags(consent=True)})
    return person


def db_of(person: Person) -> Session:
    return object_session(person.consumer)  # type: ignore[return-value]


run = st.lists(st.tuples(st.sampled_from(CHANNELS), st.integers(0, 3 * 24 * 60)), max_size=10)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(place=st.integers(0, len(PLACES) - 1), contacts=run)
def test_a_rehearsal_decides_as_the_gate_then_does(
    db: Session, place: int, contacts: list[tuple[str, int]]
) -> None:
    region, postal_code, country = PLACES[place]
    person = consented(make_person(region=region, postal_code=postal_code, country=country))
    moments = sorted((MONDAY_AFTERNOON + timedelta(minutes=m), c) for c, m in contacts)
    before = db.scalar(select(func.count()).select_from(LedgerEntry))
    with clock.frozen(MONDAY_AFTERNOON):
        rehearsal = service.Rehearsal(db, consumer_id=person.consumer.id, case_ids=[person.case.id])
        rehearsed = [
            rehearsal.decide(
                channel=channel,
                contact_point_id=point_of(person, channel),
                at=at,
                automated=channel != "call",
            )  # type: ignore[arg-type]
            for at, channel in moments
        ]
    assert db.scalar(select(func.count()).select_from(LedgerEntry)) == before
    for (at, channel), said in zip(moments, rehearsed, strict=True):
        with clock.frozen(at):
            done = service.gate(
                db,
                consumer_id=person.consumer.id,
                channel=channel,  # type: ignore[arg-type]
                contact_point_id=point_of(person, channel),
                case_ids=[person.case.id],
                actor_id=None,
                source=Source.STRATEGY,
                automated=channel != "call",
            ).decision
        assert (said.allowed, said.blocked_by, said.next_allowed_at) == (
            done.allowed,
            done.blocked_by,
            done.next_allowed_at,
        )


def test_each_allowed_contact_counts_for_the_next(db: Session) -> None:
    """Massachusetts: two texts in seven days, the third waits for the window."""
    person = consented(make_person(region="MA", postal_code="02108", country="US"))
    with clock.frozen(MONDAY_AFTERNOON):
        rehearsal = service.Rehearsal(db, consumer_id=person.consumer.id, case_ids=[person.case.id])
        said = [
            rehearsal.decide(
                channel="sms",
                contact_point_id=person.mobile.id,
                automated=True,
                at=MONDAY_AFTERNOON + timedelta(hours=n),
            )
            for n in range(3)
        ]
    assert [d.allowed for d in said] == [True, True, False]
    assert said[2].blocked_by == ("US-MA-CALLS",)
