"""The ledger is append-only and tamper-evident, and keeps records only as long as it must."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from agency.cases.models import CaseStatus
from agency.cli import app
from agency.compliance import service
from agency.compliance.models import (
    ComplianceFact,
    EntryKind,
    FactKind,
    LedgerEntry,
    LedgerVerification,
    Source,
)
from agency.db import session_scope
from agency.kit import clock
from tests.fixtures import factories
from tests.fixtures.compliance import MONDAY_AFTERNOON, Person, make_person


def activity(db: Session, person: Person, calls: int = 2) -> list[LedgerEntry]:
    """A few calls with outcomes and a fact: a short chain for ``person``."""
    made = []
    with clock.frozen(MONDAY_AFTERNOON):
        for _ in range(calls):
            attempt = service.gate(
                db,
                consumer_id=person.consumer.id,
                channel="call",
                contact_point_id=person.mobile.id,
                case_ids=[person.case.id],
                actor_id=None,
                source=Source.AGENT,
            ).entry
            made.append(attempt)
            made.append(
                service.record_outcome(
                    db,
                    attempt_id=attempt.id,
                    outcome="no_answer",
                    actor_id=None,
                    source=Source.AGENT,
                )
            )
        fact = service.record_fact(
            db,
            consumer_id=person.consumer.id,
            kind=FactKind.DO_NOT_USE,
            contact_point_id=person.email.id,
            actor_id=None,
            source=Source.CONSUMER,
        )
    made.append(db.scalars(select(LedgerEntry).where(LedgerEntry.fact_id == fact.id)).one())
    return made


def is_postgres(db: Session) -> bool:
    return db.get_bind().dialect.name == "postgresql"


def test_each_consumer_has_a_chain_and_the_chains_verify(db: Session) -> None:
    first, second = make_person(), make_person()
    chain_one, chain_two = activity(db, first), activity(db, second)
    for chain in (chain_one, chain_two):
        assert chain[0].prev_hash is None
        for previous, entry in itertools.pairwise(chain):
            assert entry.prev_hash == previous.hash
    run = service.verify_ledger(db)
    assert run.ok and run.first_bad_entry_id is None
    assert (run.entries_checked, run.chains_checked) == (10, 2)
    assert run.message == "10 entries in 2 chains intact"


def test_a_changed_entry_is_named(db: Session) -> None:
    if is_postgres(db):
        pytest.skip("PostgreSQL refuses the change itself (next test)")
    chain = activity(db, make_person())
    victim = chain[2]  # the second attempt
    db.execute(
        text("UPDATE ledger_entries SET allowed = 0, blocked_by = '[]' WHERE id = :id"),
        {"id": victim.id},
    )
    run = service.verify_ledger(db)
    assert not run.ok and run.first_bad_entry_id == victim.id
    assert run.message == f"entry {victim.id} was changed after it was written"


def test_a_removed_entry_is_noticed_by_the_next_one(db: Session) -> None:
    if is_postgres(db):
        pytest.skip("PostgreSQL refuses the delete itself (next test)")
    chain = activity(db, make_person())
    db.execute(text("DELETE FROM ledger_entries WHERE id = :id"), {"id": chain[3].id})
    run = service.verify_ledger(db)
    assert run.first_bad_entry_id == chain[4].id
    assert "does not follow the previous entry" in (run.message or "")


def test_removing_the_newest_entries_is_noticed_against_the_last_verification(
    db: Session,
) -> None:
    if is_postgres(db):
        pytest.skip("PostgreSQL refuses the delete itself (next test)")
    chain = activity(db, make_person())
    assert service.verify_ledger(db).ok
    db.execute(text("DELETE FROM ledger_entries WHERE id = :id"), {"id": chain[-1].id})
    run = service.verify_ledger(db)
    assert not run.ok and run.message is not None and "1 entries checked on" in run.message


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_entries SET allowed = false",
        "DELETE FROM ledger_entries",
        "TRUNCATE ledger_entries CASCADE",
        "UPDATE compliance_facts SET detail = '{}'",
        "DELETE FROM ledger_cases",
    ],
)
def test_postgresql_refuses_to_change_the_ledger(db: Session, statement: str) -> None:
    if not is_postgres(db):
        pytest.skip("the trigger is PostgreSQL's")
    activity(db, make_person())
    with pytest.raises(DBAPIError, match="append-only"), db.begin_nested():
        db.execute(text(statement))
    assert db.scalar(select(func.count()).select_from(LedgerEntry)) == 5


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
    assert service.verify_ledger(db).ok
    with clock.frozen(MONDAY_AFTERNOON + timedelta(days=3 * 365 + 5)):
        assert service.purge_expired(db) == 1
        assert service.purge_expired(db) == 0  # idempotent
        assert service.verify_ledger(db).ok  # the removal is accounted for
    left = set(db.scalars(select(LedgerEntry.consumer_id).distinct()))
    assert left == {recent.consumer.id, still_open.consumer.id, None}
    assert not db.scalars(
        select(ComplianceFact).where(ComplianceFact.consumer_id == expired.consumer.id)
    ).all()
    purge = db.scalars(select(LedgerEntry).where(LedgerEntry.kind == EntryKind.PURGE)).one()
    assert purge.detail["consumer_id"] == expired.consumer.id and purge.detail["entries"] == 5


def test_washington_keeps_records_four_years(db: Session) -> None:
    person = make_person(region="WA", postal_code="98101")
    activity(db, person)
    close_all(person, MONDAY_AFTERNOON)
    db.flush()
    with clock.frozen(MONDAY_AFTERNOON + timedelta(days=3 * 365 + 30)):
        assert service.purge_expired(db) == 0
    with clock.frozen(MONDAY_AFTERNOON + timedelta(days=4 * 365 + 30)):
        assert service.purge_expired(db) == 1


def test_verification_runs_are_kept(db: Session) -> None:
    activity(db, make_person())
    service.verify_ledger(db)
    service.verify_ledger(db)
    runs = db.scalars(select(LedgerVerification).order_by(LedgerVerification.id)).all()
    assert [run.ok for run in runs] == [True, True]
    assert runs[-1].max_entry_id == db.scalar(select(func.max(LedgerEntry.id)))


def test_verify_ledger_from_the_command_line(bound_engine: Engine) -> None:
    with session_scope() as db:
        factories.bind(db)
        chain = activity(db, make_person())
        victim = chain[1].id
    intact = CliRunner().invoke(app, ["compliance", "verify-ledger"])
    assert intact.exit_code == 0, intact.output
    assert intact.output == "ledger intact: 5 entries in 1 chains intact\n"
    if bound_engine.dialect.name == "postgresql":
        return  # the trigger refuses the tampering below (test above)
    with bound_engine.begin() as connection:
        connection.execute(
            text("UPDATE ledger_entries SET outcome = 'conversation' WHERE id = :id"),
            {"id": victim},
        )
    broken = CliRunner().invoke(app, ["compliance", "verify-ledger"])
    assert broken.exit_code == 1
    assert broken.output == (
        f"ledger NOT intact: entry {victim} was changed after it was written\n"
    )
