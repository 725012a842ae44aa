"""The runner, tick by tick on committed data: cases enrolled by their contract's rule,
each due step done once (a send record unique per case, version, step and attempt), the
batch gate's deferral kept until its next allowed time, a step skipped when a condition
holds or waiting cannot help — each said on the case's strategy timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from agency.cases.models import Case, CaseStatus
from agency.compliance import service as compliance
from agency.compliance.models import FactKind, Source
from agency.db import session_scope
from agency.kit import clock
from agency.outreach.models import MessageStatus
from agency.outreach.strategies import enrolment as enrolling
from agency.outreach.strategies import runner, stepping
from agency.outreach.strategies.models import EnrolmentState, StrategyEnrolment
from tests.outreach.strategies import world as w

TEXT = w.step("text", "sms", at="00:00")  # due at once: the gate decides the hour


@pytest.fixture
def notice_then_text(bound_engine: Engine) -> w.World:
    return w.build([w.NOTICE, TEXT])


def test_a_sent_notice_is_skipped_and_the_text_queued_once(notice_then_text: w.World) -> None:
    world = notice_then_text
    with clock.frozen(w.TUESDAY_10):
        counts = runner.tick()
        again = runner.tick()
    assert counts == {"enrolled": 1, "skipped": 1, "queued": 1}
    assert again == {}
    with session_scope() as db:
        assert w.sends(db, world) == [
            ("notice", 0, "validation_notice", "skipped"),
            ("text", 0, "sms", "queued"),
        ]
        assert w.kinds(db, world) == [
            ("enrolled", None),
            ("skipped", "notice"),
            ("queued", "text"),
            ("ended", "text"),
        ]
        (message,) = w.messages(db, world)
        assert (message.status, message.contact_point_id) == (MessageStatus.PENDING, world.phone_id)
        assert message.attempt_entry_id is not None
        done = w.enrolment(db, world)
        assert (done.state, done.due_at) == (EnrolmentState.ENDED, None)
        assert done.reason == "the strategy's last step is done"


def test_a_step_is_never_done_twice(notice_then_text: w.World) -> None:
    """Put back on a step already done (as a lost commit would), the batch fails whole on
    the step's send record and writes nothing."""
    world = notice_then_text
    with clock.frozen(w.TUESDAY_10):
        runner.tick()
    with session_scope() as db:
        db.execute(
            update(StrategyEnrolment).values(
                state=EnrolmentState.ACTIVE, step_index=1, due_at=w.TUESDAY_10
            )
        )
    with clock.frozen(w.TUESDAY_10 + timedelta(hours=1)), pytest.raises(IntegrityError):
        runner.tick()
    with session_scope() as db:
        assert len(w.messages(db, world)) == 1
        assert w.enrolment(db, world).state is EnrolmentState.ACTIVE


def test_the_gate_defers_to_its_next_allowed_time_and_the_step_fires_then(
    notice_then_text: w.World,
) -> None:
    world = notice_then_text
    with clock.frozen(w.TUESDAY_3):
        counts = runner.tick()
    assert counts["deferred"] == 1
    with session_scope() as db:
        waiting = w.enrolment(db, world)
        assert waiting.step_index == 1
        until = waiting.due_at
        assert until is not None and until > w.TUESDAY_3
        deferred = [e for e in w.kinds(db, world) if e[0] == "deferred"]
        assert deferred == [("deferred", "text")]
        assert w.messages(db, world) == []
    with clock.frozen(until - timedelta(seconds=1)):
        assert "queued" not in runner.tick()
    with clock.frozen(until):
        assert runner.tick()["queued"] == 1


def test_a_deferral_says_which_rule_and_until_when(notice_then_text: w.World) -> None:
    world = notice_then_text
    with clock.frozen(w.TUESDAY_3):
        runner.tick()
    with session_scope() as db:
        (event,) = [
            e for e in enrolling.events.case_events(db, world.case_id) if e.kind == "deferred"
        ]
        assert event.rule_ids and event.until == w.enrolment(db, world).due_at
        assert event.words.startswith("deferred by the gate: ")
        assert f"({event.rule_ids[0]})" in event.words


def test_a_cease_skips_the_step_for_good(notice_then_text: w.World) -> None:
    world = notice_then_text
    with session_scope() as db:
        compliance.record_fact(
            db,
            consumer_id=world.consumer_id,
            kind=FactKind.CEASE,
            actor_id=None,
            source=Source.SYSTEM,
        )
    with clock.frozen(w.TUESDAY_10):
        counts = runner.tick()
    assert counts["blocked"] == 1
    with session_scope() as db:
        assert w.sends(db, world)[-1] == ("text", 0, "sms", "skipped")
        assert w.enrolment(db, world).state is EnrolmentState.ENDED
        assert w.messages(db, world) == []


def test_a_condition_skips_the_step_and_the_case_goes_on(bound_engine: Engine) -> None:
    world = w.build(
        [
            w.NOTICE,
            w.step("text", "sms", skip_when=[{"kind": "on_arrangement"}]),
            w.step("mail", "email"),
        ]
    )
    with session_scope() as db:
        db.execute(update(Case).values(status=CaseStatus.PROMISE))
    with clock.frozen(w.TUESDAY_10):
        counts = runner.tick()
    assert counts["skipped"] == 2 and counts["queued"] == 1
    with session_scope() as db:
        assert w.sends(db, world)[1:] == [
            ("text", 0, "sms", "skipped"),
            ("mail", 0, "email", "queued"),
        ]
        skipped = enrolling.events.case_events(db, world.case_id)[-3]
        assert skipped.words == "skipped: the case is on a promise or plan"


def test_a_closed_case_leaves_its_strategy(notice_then_text: w.World) -> None:
    world = notice_then_text
    with clock.frozen(w.TUESDAY_3):
        runner.tick()  # the text deferred
    with session_scope() as db:
        db.execute(update(Case).values(status=CaseStatus.PAID))
    with clock.frozen(w.TUESDAY_10):
        assert runner.tick()["ended"] == 1
    with session_scope() as db:
        assert w.enrolment(db, world).reason == "the case is paid"
        assert w.messages(db, world) == []


def test_a_call_task_brings_the_case_to_an_agent_and_a_hand_over_ends_it(
    bound_engine: Engine,
) -> None:
    world = w.build(
        [
            w.NOTICE,
            w.step(
                "call",
                "call_task",
                reason="talk about a plan",
                days=2,
                then={"kind": "agent", "reason": "no answer to letters"},
            ),
        ]
    )
    with session_scope() as db:
        db.execute(
            update(Case).values(next_action_at=None, workable_at=w.TUESDAY_10 + timedelta(days=30))
        )
    with clock.frozen(w.TUESDAY_10):
        runner.tick()
    with session_scope() as db:
        waiting = w.enrolment(db, world)
        assert waiting.due_at == w.TUESDAY_10.replace(hour=15) + timedelta(days=2)  # 09:00 CST
    with clock.frozen(w.TUESDAY_10 + timedelta(days=2)):
        assert runner.tick()["task"] == 1
    with session_scope() as db:
        assert w.kinds(db, world)[-2:] == [("task", "call"), ("handed", "call")]
        assert w.enrolment(db, world).reason == "handed to an agent: no answer to letters"
        case = w.case(db, world)
        assert case.workable_at <= w.TUESDAY_10 + timedelta(days=2)
        assert case.next_action_at == w.TUESDAY_10 + timedelta(days=2)


def test_a_paused_strategy_waits_and_resumes_where_it_stopped(
    notice_then_text: w.World,
) -> None:
    world = notice_then_text
    with clock.frozen(w.TUESDAY_3):
        runner.tick()  # enrolled, the text deferred to 08:00
        with session_scope() as db:
            with pytest.raises(enrolling.StrategyRefused, match="say why"):
                enrolling.pause(db, case_id=world.case_id, reason="  ", by_user_id=None)
            enrolling.pause(
                db, case_id=world.case_id, reason="consumer in hospital", by_user_id=None
            )
    with clock.frozen(w.TUESDAY_10):
        assert "queued" not in runner.tick()
        with session_scope() as db:
            enrolling.resume(db, case_id=world.case_id, reason="back home", by_user_id=None)
        assert runner.tick()["queued"] == 1
    with session_scope() as db:
        assert [k for k, _ in w.kinds(db, world)] == [
            "enrolled",
            "skipped",
            "deferred",
            "paused",
            "resumed",
            "queued",
            "ended",
        ]


def test_a_step_anchored_on_an_event_waits_for_it(bound_engine: Engine) -> None:
    world = w.build(
        [w.NOTICE, w.step("broken", "sms", anchor="promise_broken", days=1, at="10:00")]
    )
    with clock.frozen(w.TUESDAY_10):
        runner.tick()
    with session_scope() as db:
        waiting = w.enrolment(db, world)
        assert (waiting.due_at, waiting.waiting_for) == (None, "promise_broken")
        woken = stepping.happened(
            db,
            case_ids=[world.case_id],
            anchor="promise_broken",
            at=w.TUESDAY_10 - timedelta(days=1),
        )
        assert woken == 0  # before the step became current: not its event
        woken = stepping.happened(
            db,
            case_ids=[world.case_id],
            anchor="promise_broken",
            at=w.TUESDAY_10 + timedelta(hours=1),
        )
        assert woken == 1
        assert w.enrolment(db, world).due_at == w.TUESDAY_10 + timedelta(days=1)


def test_cases_move_between_versions_at_the_step_of_the_same_key(
    notice_then_text: w.World,
) -> None:
    world = notice_then_text
    with clock.frozen(w.TUESDAY_3):
        runner.tick()  # at the text, deferred
    second = w.publish(world, [w.NOTICE, w.step("mail", "email"), w.step("text", "sms", days=3)])
    with session_scope() as db:
        moved = enrolling.migrate(
            db,
            from_version_id=world.version_id,
            to_version_id=second,
            by_user_id=None,
            at=w.TUESDAY_3,
        )
        assert moved == 1
        now = w.enrolment(db, world)
        assert (now.version_id, now.step_index) == (second, 2)
        assert now.due_at is not None and now.due_at > w.TUESDAY_3 + timedelta(days=2)
        assert w.kinds(db, world)[-1] == ("migrated", None)


def test_the_periodic_job_hands_due_batches_to_more_workers_on_postgresql(
    notice_then_text: w.World, bound_engine: Engine
) -> None:
    """``run_strategies`` enrols, then takes due batches itself and, on PostgreSQL, in
    ``strategy_runners - 1`` jobs beside it (in-process jobs here: the job thread); on
    SQLite, with no SKIP LOCKED, it does them alone.  Either way each step is done once."""
    from agency.outreach import tasks
    from agency.worker import drain

    with clock.frozen(w.TUESDAY_10):
        counts = tasks.run_strategies()
        drain(timeout=30)
    assert counts["enrolled"] == 1
    with session_scope() as db:
        assert w.sends(db, notice_then_text) == [
            ("notice", 0, "validation_notice", "skipped"),
            ("text", 0, "sms", "queued"),
        ]
        assert len(w.messages(db, notice_then_text)) == 1
