"""Properties of the engine over random valid facts (four contact channels):

- adding a history event (before the attempt) never turns a block into an allow;
- the decision does not depend on the order of the history or of the consents;
- ``next_allowed_at``, when given, is itself allowed for the same attempt moved there.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agency.compliance.engine import evaluate
from agency.compliance.facts import (
    CHANNELS,
    OUTCOMES,
    POINT_CHANNEL,
    Attempt,
    Attorney,
    CaseFacts,
    Consent,
    ConsumerFacts,
    ContactPointFacts,
    Facts,
    HistoryEvent,
    InconvenientTime,
)
from agency.compliance.templates import TEMPLATES

PROFILES = [
    ("US", "IL", "60601", "+13125550100", "+13125550199"),
    ("US", "IL", "60601", "+12135550100", "+13125550199"),  # two zones
    ("US", "MA", "02108", "+16175550100", "+16175550199"),
    ("US", "WA", "98101", "+12065550100", "+12065550199"),
    ("US", "NY", "11201", "+17185550100", "+19175550199"),
    ("AU", "NSW", "2000", "+61412345678", "+61298765432"),
    ("CA", "ON", "M5H 2N2", "+14165550100", "+14165550199"),
    ("CA", "QC", "H2X 1Y4", "+15145550100", "+15145550199"),
    ("GB", None, "SW1A 1AA", "+447700900123", "+442079460000"),
    ("XK", None, None, "+38344123456", "+38338123456"),
]
POINT_IDS = ("m1", "h1", "w1", "e1", "ew", "a1")
CASE_IDS = ("A", "B")
BASE = datetime(2025, 1, 1, tzinfo=UTC)


def _minutes(low: int, high: int) -> st.SearchStrategy[timedelta]:
    return st.integers(low, high).map(lambda m: timedelta(minutes=m))


@st.composite
def points(draw: st.DrawFn, mobile: str, home: str) -> tuple[ContactPointFacts, ...]:
    def flags() -> dict[str, object]:
        return {
            "consent": draw(st.booleans()),
            "opted_out": draw(st.integers(0, 6)) == 1,
            "do_not_call": draw(st.integers(0, 10)) == 1,
            "do_not_use": draw(st.integers(0, 14)) == 1,
            "workplace": draw(st.integers(0, 8)) == 1,
            "consent_revoked_at": (
                BASE + draw(_minutes(0, 800 * 24 * 60)) if draw(st.integers(0, 6)) == 1 else None
            ),
            "used_by_consumer": draw(st.booleans()),
        }

    return (
        ContactPointFacts(id="m1", channel="phone", value=mobile, kind="mobile", **flags()),  # type: ignore[arg-type]
        ContactPointFacts(id="h1", channel="phone", value=home, kind="home", **flags()),  # type: ignore[arg-type]
        ContactPointFacts(id="w1", channel="phone", value=None, kind="work", **flags()),  # type: ignore[arg-type]
        ContactPointFacts(
            id="e1", channel="email", value="p@example.com", kind="personal", **flags()
        ),  # type: ignore[arg-type]
        ContactPointFacts(id="ew", channel="email", value="p@work.example", kind="work", **flags()),  # type: ignore[arg-type]
        ContactPointFacts(id="a1", channel="address", value="1 Main St", kind="home", **flags()),  # type: ignore[arg-type]
    )


def _maybe_time(draw: st.DrawFn, around: datetime, chance: int) -> datetime | None:
    if draw(st.integers(0, chance)) != 1:
        return None
    return around + draw(_minutes(-60 * 24 * 60, 20 * 24 * 60))


@st.composite
def events(draw: st.DrawFn, at: datetime) -> HistoryEvent:
    return HistoryEvent(
        at=at - draw(_minutes(1, 8 * 24 * 60) | _minutes(1, 45 * 24 * 60)),
        channel=draw(st.sampled_from((*CHANNELS, "call", "call"))),
        direction=draw(st.sampled_from(("outbound", "outbound", "inbound"))),
        contact_point=draw(st.sampled_from((*POINT_IDS, None, "gone"))),
        case_ids=tuple(
            draw(st.lists(st.sampled_from(CASE_IDS), min_size=1, max_size=2, unique=True))
        ),
        outcome=draw(st.sampled_from(OUTCOMES)),
    )


@st.composite
def all_facts(draw: st.DrawFn) -> Facts:
    country, region, postal, mobile, home = draw(st.sampled_from(PROFILES))
    at = BASE + draw(_minutes(0, 730 * 24 * 60))
    inconvenient = tuple(
        InconvenientTime(
            start=time(draw(st.integers(0, 23)), draw(st.sampled_from((0, 30)))),
            end=time(draw(st.integers(0, 23)), draw(st.sampled_from((0, 30)))),
            days=draw(st.none() | st.frozensets(st.integers(0, 6), min_size=1)),
        )
        for _ in range(draw(st.integers(0, 1)))
    )
    attorney = (
        Attorney(name="J", case_ids=draw(st.none() | st.just(("B",))))
        if draw(st.integers(0, 15)) == 1
        else None
    )
    consumer = ConsumerFacts(
        country=country,
        region=region if draw(st.integers(0, 4)) else None,
        postal_code=postal,
        contact_points=draw(points(mobile, home)),
        stated_timezone=draw(st.sampled_from((None, None, None, "America/Denver"))),
        attorney=attorney,
        cease_received_at=_maybe_time(draw, at, 15),
        inconvenient_times=inconvenient,
    )
    cases = tuple(
        CaseFacts(
            id=case_id,
            validation_sent_at=_maybe_time(draw, at, 1),
            disputed_at=_maybe_time(draw, at, 3),
            dispute_written=draw(st.booleans()),
            verification_sent_at=_maybe_time(draw, at, 2),
            time_barred=draw(st.integers(0, 4)) == 1,
        )
        for case_id in CASE_IDS
    )
    channel = draw(st.sampled_from(CHANNELS))
    point = draw(
        st.sampled_from([p for p in consumer.contact_points if p.channel == POINT_CHANNEL[channel]])
    )
    fitting = sorted(t.id for t in TEMPLATES.values() if channel in t.channels)
    attempt = Attempt(
        at=at,
        channel=channel,
        contact_point=point.id,
        case_ids=tuple(
            draw(st.lists(st.sampled_from(CASE_IDS), min_size=1, max_size=2, unique=True))
        ),
        automated=draw(st.booleans()),
        template=draw(st.none() | st.sampled_from(fitting)) if fitting else None,
    )
    consents = tuple(
        Consent(
            at=at + draw(_minutes(-10 * 24 * 60, 2 * 24 * 60)),
            case_ids=tuple(
                draw(st.lists(st.sampled_from(CASE_IDS), min_size=1, max_size=2, unique=True))
            ),
            until=None,
        )
        for _ in range(draw(st.integers(0, 2)))
    )
    consents = tuple(
        dataclasses.replace(c, until=c.at + draw(_minutes(30, 9 * 24 * 60)))
        if draw(st.integers(0, 2)) == 1
        else c
        for c in consents
    )
    history = tuple(draw(st.lists(events(at), max_size=24)))
    if draw(st.integers(0, 3)) == 1:  # a burst of calls: where the frequency rules bite
        history += tuple(
            HistoryEvent(
                at=at - draw(_minutes(1, 7 * 24 * 60)),
                channel="call",
                direction="outbound",
                contact_point=draw(st.sampled_from(("m1", "h1", "w1"))),
                case_ids=tuple(
                    draw(st.lists(st.sampled_from(CASE_IDS), min_size=1, max_size=2, unique=True))
                ),
                outcome=draw(st.sampled_from(("no_answer", "voicemail", "conversation"))),
            )
            for _ in range(draw(st.integers(5, 9)))
        )
    return Facts(
        consumer=consumer,
        cases=cases,
        attempt=attempt,
        now=at,
        history=history,
        consents=consents,
    )


PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(facts=all_facts(), data=st.data())
def test_more_history_never_turns_a_block_into_an_allow(facts: Facts, data: st.DataObject) -> None:
    before = evaluate(facts)
    extra = data.draw(events(facts.attempt.at))
    position = data.draw(st.integers(0, len(facts.history)))
    history = (*facts.history[:position], extra, *facts.history[position:])
    after = evaluate(dataclasses.replace(facts, history=history))
    if not before.allowed:
        assert not after.allowed, (before, after, extra)


@PROPERTY
@given(facts=all_facts(), data=st.data())
def test_order_of_history_and_consents_does_not_matter(facts: Facts, data: st.DataObject) -> None:
    shuffled = dataclasses.replace(
        facts,
        history=tuple(data.draw(st.permutations(facts.history))),
        consents=tuple(data.draw(st.permutations(facts.consents))),
    )
    assert evaluate(shuffled) == evaluate(facts)


@PROPERTY
@given(facts=all_facts())
def test_next_allowed_at_is_allowed(facts: Facts) -> None:
    decision = evaluate(facts)
    if decision.allowed:
        assert decision.next_allowed_at is None and decision.blocked_by == ()
        return
    assert decision.blocked_by
    if decision.next_allowed_at is None:
        return
    assert decision.next_allowed_at > facts.attempt.at
    moved = dataclasses.replace(
        facts, attempt=dataclasses.replace(facts.attempt, at=decision.next_allowed_at)
    )
    again = evaluate(moved)
    assert again.allowed, (decision, again)
