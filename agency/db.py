"""Database plumbing: the declarative Base, the engine, the two unit-of-work scopes, and
the schema's migrations (``alembic_config``, ``pending_migrations``).

House rule 1 (design.md §3): a request or a task opens one session and commits once, on
success; services only ``flush()``.  HTTP routes get their session from ``get_session``
(request scope); tasks and CLI commands use ``session_scope()``.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

import psycopg
from fastapi import Depends, Request
from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Dialect,
    Engine,
    Integer,
    MetaData,
    Numeric,
    String,
    event,
    or_,
    select,
    update,
)
from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import (
    DeclarativeBase,
    InstrumentedAttribute,
    Mapped,
    Session,
    mapped_column,
    sessionmaker,
)
from sqlalchemy.types import TypeDecorator, TypeEngine
from starlette.concurrency import run_in_threadpool

from agency.config import ROOT, VAR, get_settings

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger("agency.db")
_READING = frozenset({"GET", "HEAD", "OPTIONS"})

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps are stored in UTC and always come back timezone-aware.

    SQLite keeps no offset, so naive values read back are UTC by construction; naive values
    written are refused, because a naive "now" is a bug.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime written to the database; use agency.kit.clock")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class ExactDecimal(TypeDecorator[Decimal]):
    """A fixed-point decimal that never passes through a float.

    NUMERIC on PostgreSQL; on SQLite (which has no decimal type) the exact text form.
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int) -> None:
        super().__init__(precision=precision, scale=scale, asdecimal=True)
        self.precision = precision
        self.scale = scale

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(self.precision + 2))
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        quantized = Decimal(value).quantize(Decimal(1).scaleb(-self.scale))
        return str(quantized) if dialect.name == "sqlite" else quantized

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(str(value))


# Big integer keys on PostgreSQL; SQLite only auto-increments an INTEGER PRIMARY KEY.
BigIntKey = BigInteger().with_variant(Integer(), "sqlite")
# JSON documents: JSONB on PostgreSQL, JSON text on SQLite.
Json = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


class IdMixin:
    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)


def _local_day(value: str | None, zone_name: str) -> date | None:
    if value is None:
        return None
    # SQLite holds UTCDateTime values as naive UTC text (UTCDateTime above).
    return datetime.fromisoformat(value).replace(tzinfo=UTC).astimezone(ZoneInfo(zone_name)).date()


def _sqlite_functions(dbapi_connection: Any) -> None:
    """What SQLite lacks for ``agency.kit.local_dates``: an instant's day and month in a
    zone (PostgreSQL has ``AT TIME ZONE``)."""

    def local_date(value: str | None, zone_name: str) -> str | None:
        day = _local_day(value, zone_name)
        return None if day is None else day.isoformat()

    def local_month(value: str | None, zone_name: str) -> str | None:
        day = _local_day(value, zone_name)
        return None if day is None else day.replace(day=1).isoformat()

    dbapi_connection.create_function("agency_local_date", 2, local_date, deterministic=True)
    dbapi_connection.create_function("agency_local_month", 2, local_month, deterministic=True)


def create_engine(
    url: str, *, lock_timeout_s: float = 5, statement_timeout_s: float = 30, **kwargs: Any
) -> Engine:
    """An engine that waits for a lock at most ``lock_timeout_s`` and lets a statement run
    at most ``statement_timeout_s`` (0: no limit), so a stuck lock or query becomes an
    error the request answers (503), never a hung server; on SQLite the lock wait is its
    busy timeout.  SQLite also gets the pragmas it needs to behave like a real database."""
    if url.startswith("sqlite"):
        engine = sa_create_engine(url, connect_args={"timeout": lock_timeout_s or 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy, not pysqlite, open transactions, so SAVEPOINT works.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()
            _sqlite_functions(dbapi_connection)

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            immediate = connection.get_execution_options().get("sqlite_immediate")
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    # Sent once per connection, in the start-up packet: no round trip per request.
    options = (
        f"-c lock_timeout={int(lock_timeout_s * 1000)} "
        f"-c statement_timeout={int(statement_timeout_s * 1000)}"
    )
    return sa_create_engine(url, pool_pre_ping=True, connect_args={"options": options}, **kwargs)


def is_timeout(exc: OperationalError) -> bool:
    """True when the database gave up waiting rather than failing: a lock or statement
    timeout or a deadlock broken by PostgreSQL, or SQLite's busy timeout.  Nothing was
    written, and the same request can succeed a moment later."""
    orig = exc.orig
    if isinstance(orig, psycopg.errors.LockNotAvailable | psycopg.errors.QueryCanceled):
        return True
    if isinstance(orig, psycopg.errors.DeadlockDetected):
        return True
    return isinstance(orig, sqlite3.OperationalError) and "locked" in str(orig)


# PostgreSQL connections checked out of the app's pool, with the thread using each.
_in_use: dict[Any, str] = {}
_in_use_lock = threading.Lock()


def _track_in_use(engine: Engine) -> None:
    @event.listens_for(engine, "checkout")
    def _out(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        with _in_use_lock:
            _in_use[dbapi_connection] = threading.current_thread().name

    @event.listens_for(engine, "checkin")
    def _in(dbapi_connection: Any, _record: Any) -> None:
        with _in_use_lock:
            _in_use.pop(dbapi_connection, None)


def cancel_in_flight(*, sparing: str) -> int:
    """Cancel the statements still running on this process's PostgreSQL connections,
    but those of threads whose name starts with ``sparing``: at shutdown, once the
    grace time is over, so a request still waiting for a lock cannot keep the process
    alive until its timeout.  The request's transaction rolls back.  Returns how many
    were cancelled."""
    with _in_use_lock:
        running = [conn for conn, thread in _in_use.items() if not thread.startswith(sparing)]
    for connection in running:
        try:
            connection.cancel_safe(timeout=2)
        except psycopg.Error as exc:
            log.info("cancel at shutdown failed (%s)", type(exc).__name__)
    return len(running)


@lru_cache(maxsize=1)
def get_engine() -> Engine:
    settings = get_settings()
    timeouts = {
        "lock_timeout_s": settings.database_lock_timeout_seconds,
        "statement_timeout_s": settings.database_statement_timeout_seconds,
    }
    if settings.is_sqlite:
        VAR.mkdir(parents=True, exist_ok=True)
        return create_engine(settings.database_url, **timeouts)
    size = settings.database_pool_size
    engine = create_engine(
        settings.database_url, pool_size=size, max_overflow=max(0, 40 - size), **timeouts
    )
    _track_in_use(engine)
    return engine


@lru_cache(maxsize=2)
def get_sessionmaker(*, write: bool = False) -> sessionmaker[Session]:
    """Sessions for a unit of work; ``write``: one that may write.

    On SQLite a writing unit of work starts with ``BEGIN IMMEDIATE``, taking the write
    lock first: a transaction that read first and writes later fails at once (not after
    the busy timeout) when another writer committed in between.  PostgreSQL needs no
    such thing: both are the same sessions."""
    # Every model must be mapped before the first flush, whichever command runs.
    import agency.models  # noqa: F401

    engine = get_engine()
    if write and engine.dialect.name == "sqlite":
        engine = engine.execution_options(sqlite_immediate=True)
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope() -> Iterator[Session]:
    """One unit of work for a task or a CLI command: commit on success, roll back on error."""
    session = get_sessionmaker(write=True)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's session (tests override this dependency to join their transaction);
    a writing one for every method but GET, HEAD and OPTIONS.

    Opening a session does no I/O, so it happens on the event loop; the commit (or the
    rollback) and the close go to a worker thread together: one hop instead of two."""
    session = get_sessionmaker(write=request.method not in _READING)()
    try:
        yield session
    except BaseException:
        await run_in_threadpool(_end, session, commit=False)
        raise
    await run_in_threadpool(_end, session, commit=True)


def _end(session: Session, *, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
        run_touches(session)
    finally:
        session.close()


_TOUCHES_KEY = "agency.touches"
Touch = Callable[[Session], None]


def touch_after_commit(db: Session, touch: Touch) -> None:
    """Run ``touch(session)`` in a short transaction of its own once this request has
    ended, whether it committed or not (a refused form is activity too).

    For bookkeeping on hot rows that many requests share (a session's ``last_seen_at``,
    an API key's ``last_used_at``): written inside each request's transaction, the row
    lock would be held for the whole request and serialise every concurrent request of
    that user or key behind it.  ``touch`` must not wait for a lock (PostgreSQL:
    ``SKIP LOCKED``): a touch that loses the race is simply not needed."""
    db.info.setdefault(_TOUCHES_KEY, []).append(touch)


def timestamp_touch(
    column: InstrumentedAttribute[datetime] | InstrumentedAttribute[datetime | None],
    row_id: int,
    *,
    now: datetime,
    stale_before: datetime,
) -> Touch:
    """A touch setting ``column`` of row ``row_id`` to ``now`` if it is older than
    ``stale_before`` (or empty); on PostgreSQL a row locked by someone else is skipped."""
    model = column.class_
    key = model.id
    statement = update(model).values({column.key: now})
    stale = or_(column.is_(None), column < stale_before)

    def touch(session: Session) -> None:
        if session.get_bind().dialect.name == "postgresql":
            free = select(key).where(key == row_id, stale).with_for_update(skip_locked=True)
            session.execute(statement.where(key.in_(free.scalar_subquery())))
        else:
            session.execute(statement.where(key == row_id, stale))

    return touch


def run_touches(session: Session) -> None:
    """The touches of a request that has just ended, in a transaction of their own (a
    savepoint, in a session that is still inside one); a failure only loses them."""
    touches: list[Touch] = session.info.pop(_TOUCHES_KEY, [])
    if not touches:
        return
    try:
        with session.begin_nested() if session.in_transaction() else session.begin():
            for touch in touches:
                touch(session)
    except OperationalError as exc:  # a lock or timeout: the next request touches again
        log.info("touch skipped (%s)", type(exc.orig).__name__)


# scope="function": the commit happens before the response is sent, so a failed commit
# is an error response rather than a success the client wrongly believes.
DbSession = Annotated[Session, Depends(get_session, scope="function")]


def alembic_config() -> Config:
    """Alembic's configuration for the schema's migrations (``migrations/``)."""
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["configure_logging"] = False  # keep the CLI's own logging setup
    return config


def pending_migrations() -> bool:
    """True when the database is behind the newest migration."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    with get_engine().connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current != heads
