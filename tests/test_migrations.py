"""The migrations and the models agree, and the schema goes down and up again cleanly."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

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
