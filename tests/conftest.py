"""Test harness.

Every database test runs once per backend: SQLite always, PostgreSQL too when
``AGENCY_TEST_DATABASE_URL`` is set (same tests, not a subset).  Each backend's database
is built once per run by the real migrations; each test runs inside a transaction that
is rolled back at the end, and the app under test joins that transaction through a
savepoint, so a request still commits or rolls back exactly as in production.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# Settings are read once; fix the ones tests rely on before anything imports agency.
os.environ.setdefault("AGENCY_SECRET_KEY", "test-secret-key-not-for-production-0123456789")
os.environ.setdefault("AGENCY_PII_KEY", "test-pii-key-not-for-production-0123456789")
os.environ.setdefault("AGENCY_LEDGER_KEY", "test1:test-ledger-key-not-for-production-0123456789")
os.environ["AGENCY_BROKER_URL"] = "memory://"
os.environ["AGENCY_LOG_LEVEL"] = "WARNING"

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import Engine, make_url, text
from sqlalchemy.orm import Session

import agency.db
import agency.worker
from agency.config import get_settings
from agency.db import alembic_config, create_engine, get_session, run_touches
from agency.kit import clock
from agency.main import create_app
from tests.fixtures import factories

PG_URL = os.environ.get("AGENCY_TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def postgres_database(suffix: str = "") -> str:
    """A fresh PostgreSQL database for this run and xdist worker (``suffix``: another
    one beside it)."""
    assert PG_URL is not None
    base = make_url(PG_URL)
    name = f"{base.database}_{_worker()}{suffix}"
    admin = create_engine(
        base.set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def migrate(url: str) -> Engine:
    engine = create_engine(url)
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return engine


@pytest.fixture(scope="session", params=BACKENDS)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("db") / "test.sqlite3"
        url = f"sqlite:///{path}"
    else:
        url = postgres_database()
    engine = migrate(url)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def ledger_checkpoint_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory, request: Any
) -> Path:
    """Each test its own (not yet created) checkpoint store: checkpoints and journal
    lines of one test must not be compared with another test's database."""
    path = tmp_path_factory.getbasetemp() / "checkpoints" / f"{id(request.node):x}"
    monkeypatch.setattr(get_settings(), "ledger_checkpoint_dir", path)
    return path


@pytest.fixture(autouse=True)
def clock_thawed() -> Iterator[None]:
    """A test must leave the clock as it found it: the frozen clock is the process's, so
    one left frozen (two threads freezing and thawing it in turn) would set every later
    test in this worker at that instant.  Thaw it and fail the test that left it."""
    yield
    if clock._frozen is not None:
        clock._frozen = None
        pytest.fail("the test left the clock frozen (freeze it around threads, not in them)")


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test."""
    with engine.connect() as connection:
        transaction = connection.begin()
        session = Session(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        factories.bind(session)
        try:
            yield session
        finally:
            session.close()
            transaction.rollback()


@pytest.fixture
def app(db: Session) -> Any:
    application = create_app()

    def request_session() -> Iterator[Session]:
        # As agency.db.get_session, one unit of work per request: here a savepoint that
        # is released on success and rolled back on error, leaving the test's own rows.
        db.expire_all()  # nothing carried over from the test or an earlier request
        unit = db.begin_nested()
        try:
            yield db
            unit.commit()
        except BaseException:
            unit.rollback()
            run_touches(db)
            raise
        run_touches(db)

    application.dependency_overrides[get_session] = request_session
    return application


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    """A browser-like client over https (so Secure cookies behave as in production)."""
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def bound_engine(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """Point ``session_scope()`` (tasks, CLI, a live server) at the test database.

    Whatever those commit is really committed: the fixture empties every table after.
    """
    monkeypatch.setattr(agency.db, "get_engine", lambda: engine)
    agency.db.get_sessionmaker.cache_clear()
    try:
        yield engine
    finally:
        # Jobs the test queued run on the in-process job thread against this database:
        # let them finish before the tables are emptied (and before the next test).
        agency.worker.drain(timeout=60)
        agency.db.get_sessionmaker.cache_clear()
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                # The ledger's append-only trigger lets retention delete; the notes' and
                # the commission entries' triggers refuse every DELETE, and TRUNCATE
                # fires no row triggers (the statements' lines refer to the entries, so
                # they go in the same TRUNCATE).
                connection.exec_driver_sql("SET LOCAL agency.ledger_retention = 'on'")
                connection.exec_driver_sql(
                    "TRUNCATE case_notes, commission_statement_lines, trust_movements, "
                    "commission_entries"
                )
            for table in reversed(agency.db.Base.metadata.sorted_tables):
                connection.execute(table.delete())
