"""The ledger is append-only and tamper-evident, and keeps records only as long as it must."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from agency.cases.models import CaseStatus
from agency.compliance import alarms, integrity, service
from agency.compliance.models import (
    ComplianceFact,
    EntryKind,
    LedgerEntry,
    LedgerVerification,
)
from agency.kit import clock
from tests.compliance.tamper import remove
from tests.fixtures.compliance import MONDAY_AFTERNOON, Person, activity, make_person
from tests.fixtures.factories import UserFactory


def is_postgres(db: Session) -> bool:
    return db.get_bind().dialect.name == "postgresql"


def test_each_consumer_has_a_chain_and_the_chains_verify(db: Session) -> None:
    first, second = make_person(), make_person()
    chain_one, chain_two = activity(db, first), activity(db, second)
    for chain in (chain_one, chain_two):
        assert (chain[0].prev_hash, chain[0].seq) == (None, 1)
        for previous, entry in itertools.pairwise(chain):
            assert (entry.prev_hash, entry.seq) == (previous.hash, previous.seq + 1)
    run = integrity.verify_ledger(db)
    assert run.ok and run.first_bad_entry_id is None
    assert (run.entries_checked, run.chains_checked) == (10, 2)
    assert run.message == "10 entries in 2 chains verify"


def test_a_removed_entry_is_noticed_by_the_next_one(db: Session) -> None:
    chain = activity(db, make_person())
    remove(db, chain[3].id)
    run = integrity.verify_ledger(db)
    assert not run.ok and run.first_bad_entry_id == chain[4].id
    assert run.message is not None and run.message.startswith(
        f"entry {chain[4].id} does not follow the previous entry of its chain: "
        "1 entry before it missing"
    )


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_entries SET allowed = false",
        "DELETE FROM ledger_entries",
        "TRUNCATE ledger_entries CASCADE",
        "UPDATE compliance_facts SET detail = '{}'",
        "DELETE FROM ledger_cases",
        "UPDATE ledger_verifications SET ok = true",
        "DELETE FROM ledger_verifications",
        "TRUNCATE ledger_verifications CASCADE",
        "UPDATE ledger_alarms SET message = 'nothing'",
        "DELETE FROM ledger_alarms",
        "UPDATE ledger_alarm_acks SET reason = 'nothing'",
        "DELETE FROM ledger_alarm_acks",
    ],
)
def test_postgresql_refuses_to_change_the_ledger(db: Session, statement: str) -> None:
    if not is_postgres(db):
        pytest.skip("the trigger is PostgreSQL's")
    chain = activity(db, make_person())
    integrity.verify_ledger(db)
    remove(db, chain[-1].id)
    integrity.verify_ledger(db)  # raises an alarm
    alarm = alarms.load_alarms(db).unacknowledged[0]
    alarms.acknowledge_alarm(
        db, alarm_id=alarm.id, officer_id=UserFactory().id, reason="restored from backup"
    )
    with pytest.raises(DBAPIError, match="append-only"), db.begin_nested():
        db.execute(text(statement))
    assert db.scalar(select(func.count()).select_from(LedgerEntry)) == 4
    assert db.scalar(select(func.count()).select_from(LedgerVerification)) == 2


def close_all(person: Person, at: object) -> None:
    for case in person.cases:
        case.status = CaseStatus.PAID
        case.closed_at = at  # type: ignore[assignment]
        case.updated_at = at  # type: ignore[assignment]


def test_retention_removes_a_closed_consumers_records_after_three_years(db: Session) -> None:
    expired, recent, still_open = make_person(), make_person(), make_person()
    for person in (expired, recent, still_open):
        activity(db, person)
    close_all(expired, MONDAY_AFTERNOON + timedelta(days=1))
    close_all(recent, MONDAY_AFTERNOON + timedelta(days=400))
    db.flush()
    assert integrity.verify_ledger(db).ok  # its checkpoint records the expired chain
    with clock.frozen(MONDAY_AFTERNOON + timedelta(days=3 * 365 + 5)):
        assert service.purge_expired(db) == 1
        assert service.purge_expired(db) == 0  # idempotent
        run = integrity.verify_ledger(db)
        assert run.ok, run.message  # the removal is accounted for
    left = set(db.scalars(select(LedgerEntry.consumer_id).distinct()))
    assert left == {recent.consumer.id, still_open.consumer.id, None}
    assert not db.scalars(
        select(ComplianceFact).where(ComplianceFact.consumer_id == expired.consumer.id)
    ).all()
    purge = db.scalars(select(LedgerEntry).where(LedgerEntry.kind == EntryKind.PURGE)).one()
    assert purge.detail["consumer_id"] == expired.consumer.id
    assert (purge.detail["entries"], purge.detail["head_seq"]) == (5, 5)


def test_washington_keeps_records_four_years(db: Session) -> None:
    person = make_person(region="WA", postal_code="98101")
    activity(db, person)
    close_all(person, MONDAY_AFTERNOON)
    db.flush()
    with clock.frozen(MONDAY_AFTERNOON + timedelta(days=3 * 365 + 30)):
        assert service.purge_expired(db) == 0
    with clock.frozen(MONDAY_AFTERNOON + timedelta(days=4 * 365 + 30)):
        assert service.purge_expired(db) == 1


def test_verification_runs_are_kept_with_the_checkpoints_they_compared_with(
    db: Session,
) -> None:
    activity(db, make_person())
    integrity.verify_ledger(db)
    integrity.verify_ledger(db)
    runs = db.scalars(select(LedgerVerification).order_by(LedgerVerification.id)).all()
    assert [run.ok for run in runs] == [True, True]
    assert runs[0].compared_with is None and runs[0].checkpoint is not None
    assert runs[1].compared_with == runs[0].checkpoint
