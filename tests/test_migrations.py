"""The migrations and the models agree, and the schema goes down and up again cleanly."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session

from agency.compliance import integrity
from agency.compliance.models import LedgerEntry
from agency.db import Base, Json, UTCDateTime, alembic_config, create_engine
from tests.conftest import BACKENDS, postgres_database


def test_models_match_the_migrations(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == [], f"run `alembic revision --autogenerate`: {differences}"


def test_downgrade_to_base_and_upgrade_again(tmp_path: object) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/roundtrip.sqlite3")
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        command.downgrade(config, "base")
        assert set(inspect(connection).get_table_names()) == {"alembic_version"}
        command.upgrade(config, "head")
        assert {"cases", "users", "clients"} <= set(inspect(connection).get_table_names())
    engine.dispose()


def test_existing_rules_get_a_band_currency_and_start_their_history(tmp_path: object) -> None:
    """0007: bands entered before were two-decimal amounts in minor units: a yen client's
    band is rescaled to yen, a band with no client is taken to be in dollars.  0008: each
    rule's history starts with the rule as it stands."""
    engine = create_engine(f"sqlite:///{tmp_path}/bands.sqlite3")
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0006")
        connection.execute(
            text(
                "INSERT INTO clients (id, code, name, legal_name, industry, country, currency,"
                " is_active, created_at) VALUES (1, 'JP1', 'Yen Co', 'Yen Co KK', 'Telecom',"
                " 'JP', 'JPY', 1, '2026-01-01 00:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO assignment_rules (id, name, position, is_active, client_id,"
                " min_balance_minor, max_balance_minor, agent_ids, strategy, updated_at)"
                " VALUES (1, 'yen', 0, 1, 1, 3000000, NULL, '[]', 'least_count',"
                " '2026-01-01 00:00:00'), (2, 'any', 1, 1, NULL, 25000, 100050, '[]',"
                " 'least_count', '2026-01-01 00:00:00'), (3, 'no band', 2, 1, 1, NULL, NULL,"
                " '[]', 'least_count', '2026-01-01 00:00:00')"
            )
        )
        command.upgrade(config, "head")
        rows = connection.execute(
            text(
                "SELECT id, balance_currency, min_balance_minor, max_balance_minor"
                " FROM assignment_rules ORDER BY id"
            )
        ).all()
        history = connection.execute(
            text("SELECT rule_id, action, rule FROM assignment_rule_edits ORDER BY rule_id")
        ).all()
    engine.dispose()
    assert [(rule_id, action) for rule_id, action, _ in history] == [
        (1, "edited"),
        (2, "edited"),
        (3, "edited"),
    ]
    first = json.loads(history[0][2])
    assert (first["name"], first["balance_currency"], first["min_balance_minor"]) == (
        "yen",
        "JPY",
        30_000,
    )
    assert [tuple(row) for row in rows] == [
        (1, "JPY", 30_000, None),
        (2, "USD", 25_000, 100_050),
        (3, None, None, None),
    ]


@pytest.fixture(params=BACKENDS)
def scratch_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each backend, for migrating step by step."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/scratch.sqlite3"
    return postgres_database("_scratch")


def test_existing_cases_take_their_consumers_name_and_place(scratch_url: str) -> None:
    """0009: each case keeps the consumer as its client placed them; cases placed before
    take the consumer row's values, and the columns go again on the way down."""
    engine = create_engine(scratch_url)
    config = alembic_config()
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":  # as `agency migrate` does (migrations/env.py)
            raw = connection.connection.driver_connection
            assert raw is not None
            raw.execute("PRAGMA foreign_keys=OFF")
        transaction = connection.begin()
        config.attributes["connection"] = connection
        command.upgrade(config, "0008")
        for statement in (
            "INSERT INTO clients (id, code, name, legal_name, industry, country, currency,"
            " is_active, created_at) VALUES (1, 'C1', 'One', 'One LLC', 'Telecom', 'US',"
            " 'USD', true, '2026-01-01 00:00:00')",
            "INSERT INTO contracts (id, client_id, reference, currency, contingency_rate,"
            " settlement_floor, effective_from, created_at) VALUES (1, 1, 'K1', 'USD', '25',"
            " '60', '2026-01-01', '2026-01-01 00:00:00')",
            "INSERT INTO consumers (id, first_name, last_name, country, region, postal_code,"
            " language, timezones, created_at) VALUES (1, 'Ada', 'Quill', 'US', 'IL', '60601',"
            " 'en', '[]', '2026-01-01 00:00:00'), (2, 'Bo', 'Reed', 'GB', NULL, NULL, NULL,"
            " '[]', '2026-01-01 00:00:00')",
            "INSERT INTO cases (id, client_id, contract_id, consumer_id, client_reference,"
            " currency, principal_minor, interest_minor, fees_minor, placed_minor, status,"
            " placed_at, updated_at, interest_since_minor, fees_since_minor,"
            " payments_since_minor, credits_since_minor, workable_at, hold_rules, priority)"
            " VALUES (1, 1, 1, 1, 'R1', 'USD', 100, 0, 0, 100, 'new', '2026-01-01 00:00:00',"
            " '2026-01-01 00:00:00', 0, 0, 0, 0, '2026-01-01 00:00:00', '[]', 0),"
            " (2, 1, 1, 2, 'R2', 'USD', 100, 0, 0, 100, 'new', '2026-01-01 00:00:00',"
            " '2026-01-01 00:00:00', 0, 0, 0, 0, '2026-01-01 00:00:00', '[]', 0)",
        ):
            connection.execute(text(statement))
        command.upgrade(config, "0009")
        rows = connection.execute(
            text(
                "SELECT id, first_name, last_name, country, region, postal_code, language"
                " FROM cases ORDER BY id"
            )
        ).all()
        command.downgrade(config, "0008")
        columns = {column["name"] for column in inspect(connection).get_columns("cases")}
        command.upgrade(config, "head")
        transaction.commit()
    engine.dispose()
    assert [tuple(row) for row in rows] == [
        (1, "Ada", "Quill", "US", "IL", "60601", "en"),
        (2, "Bo", "Reed", "GB", None, None, None),
    ]
    assert not columns & {"first_name", "last_name", "country", "region", "postal_code"}


# ---- 0010: the ledger becomes keyed ------------------------------------------------------

# What an entry's plain SHA-256 covered before 0010.
PLAIN = (
    "consumer_id",
    "kind",
    "at",
    "recorded_at",
    "actor_id",
    "source",
    "channel",
    "direction",
    "contact_point_id",
    "case_ids",
    "allowed",
    "blocked_by",
    "next_allowed_at",
    "rule_set",
    "policy_version",
    "timezones",
    "automated",
    "template",
    "attempt_id",
    "outcome",
    "fact_id",
    "detail",
    "prev_hash",
)
AT = datetime(2026, 3, 2, 15, tzinfo=UTC)


def plain_hash(values: dict[str, Any]) -> str:
    content = {
        name: values[name].isoformat(timespec="microseconds")
        if isinstance(values[name], datetime)
        else values[name]
        for name in PLAIN
    }
    encoded = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()


def legacy_chain(consumer_id: int | None, first_id: int, count: int) -> list[dict[str, Any]]:
    rows, previous = [], None
    for offset in range(count):
        values: dict[str, Any] = dict.fromkeys(PLAIN)
        values.update(
            id=first_id + offset,
            consumer_id=consumer_id,
            kind="policy" if consumer_id is None else "inbound",
            source="officer" if consumer_id is None else "consumer",
            at=AT + timedelta(minutes=offset),
            recorded_at=AT + timedelta(minutes=offset),
            case_ids=[],
            blocked_by=[],
            timezones=[],
            automated=False,
            detail={"n": offset},
            prev_hash=previous,
        )
        values["hash"] = previous = plain_hash(values)
        rows.append(values)
    return rows


@pytest.fixture
def empty_database(scratch_url: str) -> Iterator[Engine]:
    """An engine on an empty database of each backend."""
    fresh = create_engine(scratch_url)
    yield fresh
    fresh.dispose()


def test_plain_chains_are_keyed_and_a_broken_one_stays_reported(empty_database: Engine) -> None:
    """0010 re-seals each chain that verifies with the plain hash under the ledger key;
    a chain that does not keeps its hashes, and every verification reports it.  The
    downgrade seals the keyed chains with the plain hash again."""
    config = alembic_config()
    with empty_database.connect() as connection:
        if connection.dialect.name == "sqlite":  # as `agency migrate` does (migrations/env.py)
            raw = connection.connection.driver_connection
            assert raw is not None
            raw.execute("PRAGMA foreign_keys=OFF")
        with connection.begin():
            config.attributes["connection"] = connection
            command.upgrade(config, "0008")
            consumers = sa.table(
                "consumers",
                *(sa.column(c) for c in ("id", "first_name", "last_name", "country")),
                sa.column("created_at", UTCDateTime()),
                sa.column("timezones", Json),
            )
            connection.execute(
                consumers.insert(),
                [
                    {"id": i, "first_name": "A", "last_name": "B", "country": "US"}
                    | {"created_at": AT, "timezones": []}
                    for i in (1, 2)
                ],
            )
            intact, broken = legacy_chain(1, 1, 3), legacy_chain(2, 10, 3)
            system = legacy_chain(None, 20, 2)
            broken[1]["detail"] = {"edited": True}  # its hash no longer matches
            entries = LedgerEntry.__table__
            legacy_columns = [*PLAIN, "id", "hash"]
            connection.execute(
                entries.insert(),
                [{k: row[k] for k in legacy_columns} for row in (*intact, *broken, *system)],
            )
            command.upgrade(config, "head")
            rows = {row.id: row for row in connection.execute(sa.select(entries))}
            assert [rows[i].seq for i in (1, 2, 3, 10, 11, 12, 20, 21)] == [1, 2, 3, 1, 2, 3, 1, 2]
            assert {rows[i].key_id for i in (1, 2, 3, 20, 21)} == {"test1"}
            assert {rows[i].key_id for i in (10, 11, 12)} == {None}
            assert [rows[i].hash for i in (10, 11, 12)] == [row["hash"] for row in broken]
            run = integrity.verify_ledger(Session(bind=connection))
            assert not run.ok and run.first_bad_entry_id == 10
            assert run.message == (
                "entry 10 is not sealed with a ledger key (its chain did not verify when it "
                "was keyed) (and 2 later entries of consumer 2's chain); alarm 1 not "
                "acknowledged"
            )
            command.downgrade(config, "0008")
            legacy = sa.select(entries.c.id, entries.c.hash, entries.c.prev_hash)
            restored = {row.id: row for row in connection.execute(legacy)}
            for chain in (intact, system):
                for row in chain:
                    assert restored[row["id"]].hash == row["hash"]
                    assert restored[row["id"]].prev_hash == row["prev_hash"]
            command.upgrade(config, "head")


def test_placements_learn_when_their_file_was_stored_and_oversized_previews_go(
    tmp_path: object,
) -> None:
    """0011: a stored copy counts from its placement's creation; a preview of more than
    1 MB (a file of 100,000 columns, before the limits) fails its placement with the
    reason instead of crashing whoever opens it."""
    from agency.db import create_engine

    engine = create_engine(f"sqlite:///{tmp_path}/placements.sqlite3")
    config = alembic_config()
    huge = json.dumps({"header": [f"column {n}" for n in range(100_000)]})
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0008")
        connection.execute(
            text(
                "INSERT INTO clients (id, code, name, legal_name, industry, country, currency,"
                " is_active, created_at) VALUES (1, 'AC', 'Acme', 'Acme Inc', 'Media', 'US',"
                " 'USD', 1, '2026-01-01 00:00:00')"
            )
        )
        for placement_id, status, path, preview in (
            (1, "previewed", "/uploads/a.csv", '{"header": ["a"]}'),
            (2, "previewed", "/uploads/b.csv", huge),
            (3, "completed", None, huge),
        ):
            connection.execute(
                text(
                    "INSERT INTO placements (id, client_id, kind, source, status, stored_path,"
                    " preview, mapping, rows_done, accepted, rejected, replaced, resumed,"
                    " created_at) VALUES (:id, 1, 'placement', 'upload', :status, :path,"
                    " :preview, '{}', 0, 0, 0, 0, 0, '2026-01-02 00:00:00')"
                ),
                {"id": placement_id, "status": status, "path": path, "preview": preview},
            )
        command.upgrade(config, "head")
        rows = connection.execute(
            text(
                "SELECT id, status, stored_at, failure, length(preview) FROM placements ORDER BY id"
            )
        ).all()
    engine.dispose()
    assert [(row[0], row[1], row[2]) for row in rows] == [
        (1, "previewed", "2026-01-02 00:00:00"),
        (2, "failed", "2026-01-02 00:00:00"),
        (3, "completed", None),
    ]
    assert rows[0][3] is None and rows[1][3].startswith("its preview was too large to keep")
    assert rows[1][4] < 100 and rows[2][4] > 1_000_000  # only an unconfirmed preview goes


FLAG_COLUMNS = {
    "consent": sa.Boolean(),
    "consent_at": UTCDateTime(),
    "opted_out": sa.Boolean(),
    "do_not_call": sa.Boolean(),
    "do_not_use": sa.Boolean(),
    "workplace": sa.Boolean(),
}


def flag_rows(connection: sa.Connection, table: str, key: str) -> list[tuple[Any, ...]]:
    """Each row's key and flags from ``table``, in key order."""
    statement = (
        sa.select(sa.column(key, sa.Integer()), *(sa.column(n, t) for n, t in FLAG_COLUMNS.items()))
        .select_from(sa.table(table))
        .order_by(sa.column(key))
    )
    return [tuple(row) for row in connection.execute(statement)]


def test_contact_point_flags_move_to_compliance_and_back(scratch_url: str) -> None:
    """0015: a point with flags keeps them in compliance's table (a point with none gets
    no row); on the way down they are copied back onto the point."""
    engine = create_engine(scratch_url)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0014")
        connection.execute(
            text(
                "INSERT INTO consumers (id, first_name, last_name, country, timezones,"
                " created_at) VALUES (1, 'Ada', 'Quill', 'US', '[]', :at)"
            ).bindparams(sa.bindparam("at", AT, type_=UTCDateTime())),
        )
        connection.execute(
            text(
                "INSERT INTO contact_points (id, consumer_id, channel, kind, value, consent,"
                " consent_at, opted_out, do_not_call, do_not_use, workplace, created_at) VALUES"
                " (1, 1, 'phone', 'mobile', '+13125550100', true, :at, false, true, false,"
                " false, :at),"
                " (2, 1, 'email', 'work', 'ada@example.com', false, NULL, true, false, true,"
                " true, :at),"
                " (3, 1, 'address', 'home', '1 Main St', false, NULL, false, false, false,"
                " false, :at)"
            ).bindparams(sa.bindparam("at", AT, type_=UTCDateTime())),
        )
        command.upgrade(config, "0015")
        moved = flag_rows(connection, "contact_point_flags", "contact_point_id")
        command.downgrade(config, "0014")
        restored = flag_rows(connection, "contact_points", "id")
        command.upgrade(config, "head")
    engine.dispose()
    assert moved == [
        (1, True, AT, False, True, False, False),
        (2, False, None, True, False, True, True),
    ]
    assert restored == [*moved, (3, False, None, False, False, False, False)]


# ---- 0023: the commission ledger ---------------------------------------------------------


def test_payments_posted_before_the_ledger_get_their_entries(scratch_url: str) -> None:
    """0023: every payment already posted gets an entry at its contract's flat rate
    (half-up), and every reversal its payment's entry negated; 0024: each entry the day
    its money clears; on PostgreSQL the ledger then refuses to change (0024's trigger
    held off for its one update, and back on)."""
    from agency.cases.models import Case, CaseStatus, Consumer
    from agency.clients.models import Client
    from agency.payments.models import Payment, PaymentMethod, Reversal, ReversalKind

    engine = create_engine(scratch_url)
    config = alembic_config()
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            raw = connection.connection.driver_connection
            assert raw is not None
            raw.execute("PRAGMA foreign_keys=OFF")
        config.attributes["connection"] = connection
        command.upgrade(config, "0022")
        connection.commit()
        # The tables these rows go in are the same at 0022 as the models are now, but for
        # the contract (0028 added a column), written as it stood then.
        with Session(connection) as db:
            client = Client(code="C1", name="One", legal_name="One LLC", industry="Telecom",
                            country="US", currency="USD", is_active=True)  # fmt: skip
            db.add(client)
            db.flush()
            contract_id = db.execute(
                text(
                    "INSERT INTO contracts (client_id, reference, currency, contingency_rate,"
                    " settlement_floor, effective_from, created_at) VALUES (:client, 'K1', 'USD',"
                    " 25.000, 60, :start, :start) RETURNING id"
                ),
                {"client": client.id, "start": datetime(2026, 1, 1, tzinfo=UTC)},
            ).scalar_one()
            consumer = Consumer(first_name="Ada", last_name="Quill", country="US", timezones=[])
            db.add(consumer)
            db.flush()
            case = Case(client_id=client.id, contract_id=contract_id, consumer_id=consumer.id,
                        client_reference="R1", first_name="Ada", last_name="Quill",
                        country="US", currency="USD", principal_minor=0, interest_minor=0,
                        fees_minor=0, placed_minor=10_000, status=CaseStatus.ACTIVE,
                        hold_rules=[])  # fmt: skip
            db.add(case)
            db.flush()
            day = datetime(2026, 3, 1).date()
            payments = [
                Payment(case_id=case.id, amount_minor=amount, currency="USD",
                        method=PaymentMethod.CHEQUE, received_on=day, effective_on=day,
                        provider="manual", principal_minor=amount, to_client=to_client)
                for amount, to_client in ((1234, False), (2, True))
            ]  # fmt: skip
            db.add_all(payments)
            db.flush()
            db.add(Reversal(payment_id=payments[0].id, case_id=case.id, kind=ReversalKind.NSF,
                            amount_minor=1234, currency="USD", reason="bounced",
                            effective_on=datetime(2026, 3, 9).date()))  # fmt: skip
            db.flush()
            first, second = payments[0].id, payments[1].id
            db.commit()
        command.upgrade(config, "0023")
        connection.commit()
        rows = connection.execute(
            text(
                "SELECT payment_id, CASE WHEN reversal_id IS NULL THEN 0 ELSE 1 END,"
                ' CAST("on" AS VARCHAR(10)), paid_to, amount_minor, commission_minor, tier, why'
                " FROM commission_entries ORDER BY id"
            )
        ).all()
        command.upgrade(config, "0024")
        connection.commit()
        clears = (
            connection.execute(
                text("SELECT CAST(clears_on AS VARCHAR(10)) FROM commission_entries ORDER BY id")
            )
            .scalars()
            .all()
        )
        refused = None
        on_postgres = connection.dialect.name == "postgresql"
        if on_postgres:
            try:
                connection.execute(text("UPDATE commission_entries SET commission_minor = 0"))
            except sa.exc.DBAPIError as exc:
                refused = str(exc.orig)
            connection.rollback()
        command.downgrade(config, "0022")
        command.upgrade(config, "head")
        connection.commit()
    engine.dispose()
    flat = "25.000 %: the contract's flat rate (posted before the commission ledger began)"
    assert [tuple(row) for row in rows] == [
        (first, 0, "2026-03-01", "agency", 1234, 309, "0", flat),
        (second, 0, "2026-03-01", "client", 2, 1, "0", flat),  # 0.5 → 1
        (first, 1, "2026-03-09", "agency", -1234, -309, "0",
         f"reverses the payment's entry: {flat}"),
    ]  # fmt: skip
    # A cheque received on Sunday 1 March clears 5 business days later; the direct
    # payment at once; the reversal on its own day, after its payment's.
    assert clears == ["2026-03-06", "2026-03-01", "2026-03-09"]
    if on_postgres:
        assert refused is not None and "the commission ledger is append-only: UPDATE" in refused
