"""Issue 12 (4): the ledger's tamper evidence.  Each tampering is done as anyone with
database access can (past the triggers, see ``tamper``), and must be detected, and keep
being reported until a compliance officer acknowledges it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from pydantic import ValidationError
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from agency.auth.models import Role
from agency.cli import app
from agency.compliance import alarms, checkpoints, integrity, journal, service
from agency.compliance.models import (
    LedgerAlarm,
    LedgerAlarmAck,
    LedgerEntry,
    LedgerVerification,
)
from agency.config import Settings, get_settings
from agency.db import session_scope
from agency.kit import clock
from tests.compliance.tamper import edit, past_the_triggers, plain_sha256, remove, reseal, wrong_key
from tests.fixtures import factories
from tests.fixtures.compliance import MONDAY_AFTERNOON, Person, activity, call, make_person
from tests.fixtures.factories import UserFactory

NIGHT = MONDAY_AFTERNOON + timedelta(hours=8)  # 23:00 in Chicago: US-REGF-TIME blocks


def blocked_call(db: Session, person: Person) -> LedgerEntry:
    result = call(db, person, at=NIGHT)
    assert not result.allowed
    return result.entry


def alarm_rows(db: Session) -> list[LedgerAlarm]:
    return list(db.scalars(select(LedgerAlarm).order_by(LedgerAlarm.id)))


def acknowledge(db: Session, alarm: LedgerAlarm, reason: str = "investigated") -> LedgerAlarmAck:
    return alarms.acknowledge_alarm(
        db, alarm_id=alarm.id, officer_id=UserFactory().id, reason=reason
    )


def test_a_first_run_without_a_checkpoint_directory_is_normal(
    db: Session, ledger_checkpoint_dir: Path
) -> None:
    activity(db, make_person())
    assert not ledger_checkpoint_dir.exists()
    run = integrity.verify_ledger(db)
    assert run.ok and run.compared_with is None and run.message == "5 entries in 1 chain verify"
    assert checkpoints.names() == [run.checkpoint]
    assert integrity.verify_ledger(db).compared_with == run.checkpoint


def test_an_edited_entry_is_named(db: Session) -> None:
    person = make_person()
    activity(db, person)
    victim = blocked_call(db, person)
    edit(db, victim.id, allowed=True, blocked_by=[])
    run = integrity.verify_ledger(db)
    assert not run.ok and run.first_bad_entry_id == victim.id
    assert run.message == (
        f"entry {victim.id} was changed after it was written; alarm {run.alarm_id} not acknowledged"
    )


@pytest.mark.parametrize("seal", [plain_sha256, wrong_key], ids=["plain-sha256", "wrong-key"])
def test_a_blocked_attempt_made_allowed_and_resealed_without_the_key_is_detected(
    db: Session, seal: Callable[[Any], str]
) -> None:
    person = make_person()
    activity(db, person)
    victim = blocked_call(db, person)
    activity(db, person, calls=1)  # entries after it, re-sealed too
    reseal(db, person.consumer.id, victim.id, seal, allowed=True, blocked_by=[])
    entry = db.get(LedgerEntry, victim.id)
    assert entry is not None and entry.allowed and entry.blocked_by == []
    run = integrity.verify_ledger(db)
    assert not run.ok and run.first_bad_entry_id == victim.id
    assert run.message is not None and run.message.startswith(
        f"entry {victim.id} was changed after it was written (and 3 later entries of "
        f"consumer {person.consumer.id}'s chain)"
    )


def test_a_deleted_tail_is_reported_until_acknowledged_then_intact(db: Session) -> None:
    person = make_person()
    chain = activity(db, person)
    assert integrity.verify_ledger(db).ok
    remove(db, chain[-1].id, chain[-2].id)

    first = integrity.verify_ledger(db)
    assert not first.ok and first.alarm_id is not None
    assert first.message is not None and first.message.startswith(
        f"consumer {person.consumer.id}'s chain has 3 entries: checkpoint"
    )
    assert first.message.endswith("saw 5; alarm " + f"{first.alarm_id} not acknowledged")

    again = integrity.verify_ledger(db)  # the same finding, still open: no second alarm
    assert not again.ok and again.alarm_id is None
    assert again.message.startswith(f"consumer {person.consumer.id}'s chain has 3 entries")
    assert again.message.endswith(f"saw 5; alarm {first.alarm_id} not acknowledged")
    assert len(alarm_rows(db)) == 1

    ack = acknowledge(db, alarm_rows(db)[0], reason="a restore from backup lost the last call")
    assert ack.checkpoint == checkpoints.names()[-1]
    after = integrity.verify_ledger(db)
    assert after.ok, after.message
    assert after.message == "3 entries in 1 chain verify"
    assert after.compared_with == ack.checkpoint
    assert integrity.verify_ledger(db).ok


def test_an_alarm_stays_raised_even_when_the_run_alone_finds_nothing(db: Session) -> None:
    person = make_person()
    chain = activity(db, person)
    victim = chain[1]
    original = {"outcome": victim.outcome}
    edit(db, victim.id, outcome="conversation")
    alarm_id = integrity.verify_ledger(db).alarm_id
    edit(db, victim.id, **original)  # put back as it was: the chain verifies again
    run = integrity.verify_ledger(db)
    assert not run.ok and run.alarm_id is None
    assert run.message == (
        f"entry {victim.id} was changed after it was written; alarm {alarm_id} not acknowledged"
    )


def test_an_acknowledged_edit_stays_accepted_until_the_entry_changes_again(db: Session) -> None:
    person = make_person()
    chain = activity(db, person)
    edit(db, chain[1].id, outcome="conversation")
    alarm = _raised(db)
    acknowledge(db, alarm, reason="clerical fix, ticket 42")
    run = integrity.verify_ledger(db)
    assert run.ok and run.message == (
        f"5 entries in 1 chain verify, apart from 1 acknowledged (alarm {alarm.id})"
    )
    edit(db, chain[1].id, outcome="voicemail")
    again = integrity.verify_ledger(db)
    assert not again.ok and again.alarm_id not in (None, alarm.id)


def _raised(db: Session) -> LedgerAlarm:
    run = integrity.verify_ledger(db)
    assert not run.ok and run.alarm_id is not None
    alarm = db.get(LedgerAlarm, run.alarm_id)
    assert alarm is not None
    return alarm


def test_an_alarm_deleted_from_the_database_is_raised_again(db: Session) -> None:
    person = make_person()
    chain = activity(db, person)
    assert integrity.verify_ledger(db).ok
    remove(db, chain[-1].id)
    assert _raised(db).message.startswith(f"consumer {person.consumer.id}'s chain has 4 entries")
    with past_the_triggers(db):
        db.execute(LedgerVerification.__table__.update().values(alarm_id=None))
        db.execute(LedgerAlarm.__table__.delete())
    run = integrity.verify_ledger(db)
    assert not run.ok and run.alarm_id is not None
    (again,) = alarm_rows(db)
    assert again.message.startswith(f"consumer {person.consumer.id}'s chain has 4 entries")


def test_an_acknowledgment_rolled_back_sets_nothing_aside(db: Session) -> None:
    """Its checkpoint is written before the commit; without the commit it accepts
    nothing, even when the alarm row is then deleted."""
    person = make_person()
    chain = activity(db, person)
    assert integrity.verify_ledger(db).ok
    remove(db, chain[-1].id)
    alarm = _raised(db)
    savepoint = db.begin_nested()
    acknowledge(db, alarm)
    savepoint.rollback()
    with past_the_triggers(db):
        db.execute(LedgerVerification.__table__.update().values(alarm_id=None))
        db.execute(LedgerAlarm.__table__.delete())
    run = integrity.verify_ledger(db)
    assert not run.ok and run.alarm_id is not None
    assert (run.message or "").startswith(f"consumer {person.consumer.id}'s chain has 4 entries")


def test_a_forged_acknowledgment_does_not_clear_the_alarm(db: Session) -> None:
    person = make_person()
    chain = activity(db, person)
    edit(db, chain[0].id, source="officer")
    alarm = _raised(db)
    officer = UserFactory()
    with past_the_triggers(db):
        db.execute(
            LedgerAlarmAck.__table__.insert().values(
                alarm_id=alarm.id,
                acknowledged_at=clock.now(),
                officer_id=officer.id,
                reason="nothing to see",
                key_id="test1",
                mac="0" * 64,
            )
        )
    run = integrity.verify_ledger(db)
    assert not run.ok
    assert alarm.id in {a.id for a in alarms.load_alarms(db).unacknowledged}
    assert f"the acknowledgment of alarm {alarm.id} is not sealed" in "; ".join(
        f["message"] for a in alarm_rows(db) for f in a.findings
    )


def test_a_tampered_checkpoint_file_is_an_alarm(db: Session) -> None:
    person = make_person()
    chain = activity(db, person)
    written = integrity.verify_ledger(db).checkpoint
    path = checkpoints.directory() / f"{written}.jsonl"
    # Delete the newest entry and make the checkpoint agree, without the key.
    remove(db, chain[-1].id)
    lines = path.read_text().splitlines()
    lines[1] = f'[{person.consumer.id},4,"{chain[-2].hash}"]'
    path.write_text("\n".join(lines) + "\n")
    run = integrity.verify_ledger(db)
    assert not run.ok
    messages = "; ".join(f["message"] for f in alarm_rows(db)[0].findings)
    assert f"checkpoint {written} is not signed by a ledger key the settings hold" in messages
    assert integrity.verify_ledger(db).ok is False  # until acknowledged
    acknowledge(db, alarm_rows(db)[0], reason="file damaged by a disk fault; ticket 7")
    assert integrity.verify_ledger(db).ok


def test_an_entry_sealed_by_a_retired_key_verifies_and_a_missing_key_is_reported(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = make_person()
    old = activity(db, person)
    settings = get_settings()
    first_key = settings.ledger_key
    monkeypatch.setattr(settings, "ledger_key", "test2:the-second-ledger-key-0123456789abcdef")
    monkeypatch.setattr(settings, "ledger_retired_keys", first_key)
    new = activity(db, person, calls=1)
    assert {e.key_id for e in old} == {"test1"} and {e.key_id for e in new} == {"test2"}
    assert integrity.verify_ledger(db).ok

    monkeypatch.setattr(settings, "ledger_retired_keys", "")
    run = integrity.verify_ledger(db)
    assert not run.ok and run.first_bad_entry_id == old[0].id
    assert run.message is not None and run.message.startswith(
        f"entry {old[0].id} is sealed with ledger key 'test1', which the settings lack "
        "(AGENCY_LEDGER_KEY, AGENCY_LEDGER_RETIRED_KEYS)"
    )


def test_checkpoints_hold_consumer_ids_and_hashes_only(db: Session) -> None:
    person = make_person(first_name="Zebulon", last_name="Quince")
    activity(db, person)
    written = integrity.verify_ledger(db).checkpoint
    text = (checkpoints.directory() / f"{written}.jsonl").read_text()
    assert "Zebulon" not in text and "Quince" not in text and "+1312" not in text
    assert db.scalar(select(func.count()).select_from(LedgerAlarm)) == 0


# ---- through the command line, with real commits (the journal is written after them) -----


def committed_activity(calls: int = 2) -> tuple[int, list[int]]:
    """A person and their chain, committed: (consumer id, entry ids)."""
    with session_scope() as db:
        factories.bind(db)
        person = make_person()
        chain = activity(db, person, calls=calls)
        return person.consumer.id, [entry.id for entry in chain]


def verify_on_the_command_line() -> Result:
    return CliRunner().invoke(app, ["compliance", "verify-ledger"])


def test_verify_ledger_reports_a_deleted_tail_until_acknowledged_on_the_command_line(
    bound_engine: Engine,
) -> None:
    consumer_id, ids = committed_activity()
    with session_scope() as db:
        factories.bind(db)
        UserFactory(role=Role.COMPLIANCE, email="casey.officer@example.com")
    intact = verify_on_the_command_line()
    assert intact.exit_code == 0, intact.output
    first, written = intact.output.splitlines()
    assert first == "ledger intact: 5 entries in 1 chain verify"
    assert written.startswith("checkpoint written: checkpoint-")

    with bound_engine.begin() as connection:
        remove(connection, ids[-1])
    for _ in range(2):  # this run, and the next: reported until acknowledged
        broken = verify_on_the_command_line()
        assert broken.exit_code == 1
        assert broken.output.startswith(
            f"ledger NOT intact: consumer {consumer_id}'s chain has 4 entries: checkpoint"
        )
    with session_scope() as db:
        (alarm,) = alarms.load_alarms(db).unacknowledged
        alarm_id = alarm.id
    assert f"\nalarm {alarm_id}, raised " in broken.output
    assert "acknowledge with: agency compliance acknowledge-alarm ID" in broken.output

    acknowledge_command = ["compliance", "acknowledge-alarm", str(alarm_id)]
    who = ["--by", "casey.officer@example.com"]
    blank = CliRunner().invoke(app, [*acknowledge_command, *who, "--reason", "  "])
    assert blank.exit_code == 2
    assert "reason: say why the alarm can be set aside" in blank.output
    stranger = CliRunner().invoke(
        app, [*acknowledge_command, "--by", "x@example.com", "--reason", "x"]
    )
    assert stranger.exit_code == 2 and "not an active compliance officer" in stranger.output
    done = CliRunner().invoke(
        app, [*acknowledge_command, *who, "--reason", "the last call was restored from backup"]
    )
    assert done.exit_code == 0, done.output
    assert done.output.startswith(f"alarm {alarm_id} acknowledged; checkpoint written: ")

    after = verify_on_the_command_line()
    assert after.exit_code == 0, after.output
    assert after.output.startswith("ledger intact: 4 entries in 1 chain verify\n")


def test_entries_written_after_the_last_verification_then_deleted_are_detected(
    bound_engine: Engine,
) -> None:
    consumer_id, _ = committed_activity()
    assert verify_on_the_command_line().exit_code == 0
    with session_scope() as db:  # one more entry on a chain the checkpoint holds
        extra = service.record_inbound(
            db,
            consumer_id=consumer_id,
            channel="call",
            contact_point_id=None,
            case_ids=[],
            outcome="conversation",
            actor_id=None,
        ).id
    new_consumer, new_chain = committed_activity(calls=1)  # a chain the checkpoint never saw
    with bound_engine.begin() as connection:
        remove(connection, extra, *new_chain)
    with clock.frozen(datetime.now(UTC) + timedelta(minutes=2)):
        result = verify_on_the_command_line()
    assert result.exit_code == 1, result.output
    with session_scope() as db:
        (alarm,) = alarms.load_alarms(db).unacknowledged
        found = [finding["message"] for finding in alarm.findings]
    journal_saw = "the journal ("
    assert any(
        m.startswith(f"consumer {consumer_id}'s chain has 5 entries: {journal_saw}")
        and m.endswith("saw 6")
        for m in found
    ), found
    assert any(
        m.startswith(f"consumer {new_consumer}'s chain is gone: {journal_saw}")
        and m.endswith(f"saw {len(new_chain)} entries")
        for m in found
    ), found


def test_the_journal_has_a_line_per_committed_chain_and_none_for_rolled_back_entries(
    bound_engine: Engine,
) -> None:
    with session_scope() as db:
        factories.bind(db)
        person = make_person()
        kept = activity(db, person, calls=1)
        with pytest.raises(RuntimeError), db.begin_nested():
            activity(db, make_person(), calls=1)
            raise RuntimeError("this savepoint rolls back")
    with pytest.raises(RuntimeError), session_scope() as db:
        factories.bind(db)
        activity(db, make_person(), calls=1)
        raise RuntimeError("this transaction rolls back")
    records = [
        json.loads(line)
        for path in sorted(journal.directory().glob("*.jsonl"))
        for line in path.read_text().splitlines()
    ]
    assert [(r["chain"], r["seq"], r["hash"]) for r in records] == [
        (person.consumer.id, kept[-1].seq, kept[-1].hash)
    ]
    assert set(records[0]) == {"at", "chain", "seq", "hash", "key", "mac"}


@pytest.mark.parametrize(
    ("current", "retired", "error"),
    [
        ("no-colon-here-0123456789012345678901234567890", "", "key 1 must be id:secret"),
        ("k1:too-short", "", "'k1': the secret must be 32+ characters"),
        ("k1:" + "s" * 40 + ",k2:" + "t" * 40, "", "give exactly one key"),
        ("k1:" + "s" * 40, "k1:" + "t" * 40, "ledger key ids must differ"),
    ],
)
def test_ledger_key_settings_say_what_is_wrong_without_the_secret(
    current: str, retired: str, error: str
) -> None:
    with pytest.raises(ValidationError, match=re.escape(error)) as raised:
        Settings(ledger_key=current, ledger_retired_keys=retired)
    assert "s" * 40 not in str(raised.value) and "too-short" not in str(raised.value)
