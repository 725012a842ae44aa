"""The migrations and the models agree, and the schema goes down and up again cleanly."""

from __future__ import annotations

import json

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from agency.cli import alembic_config
from agency.db import Base


def test_models_match_the_migrations(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == [], f"run `alembic revision --autogenerate`: {differences}"


def test_downgrade_to_base_and_upgrade_again(tmp_path: object) -> None:
    from agency.db import create_engine

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
    from agency.db import create_engine

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


def test_placements_learn_when_their_file_was_stored_and_oversized_previews_go(
    tmp_path: object,
) -> None:
    """0010: a stored copy counts from its placement's creation; a preview of more than
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
