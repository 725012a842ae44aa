"""keyed ledger, alarms, append-only verifications

Ledger entries were sealed with plain SHA-256, which anyone with database access can
recompute after editing an entry.  They are now sealed with HMAC-SHA256 under a key held
outside the database (``AGENCY_LEDGER_KEY``), and carry their position in their chain
(``seq``) and the id of the key (``key_id``).

Existing chains: each is verified with the plain hash first.  An intact chain is sealed
anew under the current key; a chain that does not verify keeps its hashes and gets no
key id, so every later verification reports it (until an officer acknowledges it).
The key is the settings' ``AGENCY_LEDGER_KEY``: set it before migrating a deployment.

Verifications no longer compare with the previous run's newest entry
(``max_entry_id``) but with signed checkpoints kept outside the database; the names of
the checkpoints each run compared with and wrote are kept instead.  Alarms and their
acknowledgments are new tables.  On PostgreSQL, verifications, alarms and
acknowledgments are append-only like the ledger (the trigger function of 0003).

Downgrade seals the chains that verify under the ledger keys with plain SHA-256 again.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 19:46:36
"""

import hashlib
import hmac
import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import agency.db
from agency.config import get_settings, key_pairs

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
APPEND_ONLY = ("ledger_verifications", "ledger_alarms", "ledger_alarm_acks")
CHAINS_PER_BATCH = 500

# The sealed content as of this revision (agency.compliance.chain), frozen here.
PLAIN_FIELDS = (
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
KEYED_FIELDS = (*PLAIN_FIELDS, "seq", "key_id")

entries = sa.table(
    "ledger_entries",
    sa.column("id", KEY),
    sa.column("consumer_id", KEY),
    sa.column("kind", sa.String()),
    sa.column("at", agency.db.UTCDateTime()),
    sa.column("recorded_at", agency.db.UTCDateTime()),
    sa.column("actor_id", KEY),
    sa.column("source", sa.String()),
    sa.column("channel", sa.String()),
    sa.column("direction", sa.String()),
    sa.column("contact_point_id", KEY),
    sa.column("case_ids", JSON),
    sa.column("allowed", sa.Boolean()),
    sa.column("blocked_by", JSON),
    sa.column("next_allowed_at", agency.db.UTCDateTime()),
    sa.column("rule_set", sa.String()),
    sa.column("policy_version", sa.Integer()),
    sa.column("timezones", JSON),
    sa.column("automated", sa.Boolean()),
    sa.column("template", sa.String()),
    sa.column("attempt_id", KEY),
    sa.column("outcome", sa.String()),
    sa.column("fact_id", KEY),
    sa.column("detail", JSON),
    sa.column("prev_hash", sa.String()),
    sa.column("hash", sa.String()),
    sa.column("seq", sa.Integer()),
    sa.column("key_id", sa.String()),
)

# 0004's trigger: SQLite drops it with the table when batch mode rebuilds ledger_entries.
SQLITE_SEARCH_ROWS = """
CREATE TRIGGER ledger_entries_search_rows AFTER INSERT ON ledger_entries
BEGIN
    INSERT INTO ledger_cases (entry_id, case_id, client_id, at)
    SELECT NEW.id, cases.id, cases.client_id, NEW.at
    FROM cases
    WHERE cases.id IN (SELECT value FROM json_each(NEW.case_ids));
    INSERT INTO ledger_rule_hits (entry_id, rule_id, at)
    SELECT DISTINCT NEW.id, value, NEW.at FROM json_each(NEW.blocked_by);
END
"""


def _encoded(row: Any, fields: Sequence[str], **values: Any) -> bytes:
    content = {}
    for name in fields:
        value = values[name] if name in values else getattr(row, name)
        if isinstance(value, datetime):
            value = value.astimezone(UTC).isoformat(timespec="microseconds")
        content[name] = value
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _plain(row: Any, **values: Any) -> str:
    return hashlib.sha256(_encoded(row, PLAIN_FIELDS, **values)).hexdigest()


def _keyed(secret: bytes, row: Any, **values: Any) -> str:
    message = b"agency-ledger-entry\n" + _encoded(row, KEYED_FIELDS, **values)
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def _chains(connection: sa.Connection) -> Iterator[list[Any]]:
    """Every chain's entries in order, a batch of chains at a time, fully read before
    any of them is updated (SQLite cannot update a table it is still reading)."""
    system = list(
        connection.execute(
            sa.select(entries).where(entries.c.consumer_id.is_(None)).order_by(entries.c.id)
        )
    )
    if system:
        yield system
    consumer_ids = list(
        connection.scalars(
            sa.select(entries.c.consumer_id)
            .where(entries.c.consumer_id.is_not(None))
            .distinct()
            .order_by(entries.c.consumer_id)
        )
    )
    for start in range(0, len(consumer_ids), CHAINS_PER_BATCH):
        batch = consumer_ids[start : start + CHAINS_PER_BATCH]
        rows = connection.execute(
            sa.select(entries)
            .where(entries.c.consumer_id.in_(batch))
            .order_by(entries.c.consumer_id, entries.c.id)
        ).all()
        chain: list[Any] = []
        for row in rows:
            if chain and chain[-1].consumer_id != row.consumer_id:
                yield chain
                chain = []
            chain.append(row)
        if chain:
            yield chain


def _update(connection: sa.Connection, changes: list[dict[str, Any]]) -> None:
    if changes:
        connection.execute(
            sa.update(entries)
            .where(entries.c.id == sa.bindparam("entry_id"))
            .values(
                seq=sa.bindparam("new_seq"),
                key_id=sa.bindparam("new_key_id"),
                prev_hash=sa.bindparam("new_prev_hash"),
                hash=sa.bindparam("new_hash"),
            ),
            changes,
        )


def _ledger_writable(on: bool) -> None:
    if op.get_bind().dialect.name == "postgresql":
        state = "DISABLE" if on else "ENABLE"
        op.execute(f"ALTER TABLE ledger_entries {state} TRIGGER ledger_entries_append_only")


def _seal_under_the_key() -> None:
    connection = op.get_bind()
    (key_id, text), *_ = key_pairs(get_settings().ledger_key)
    secret = text.encode()
    _ledger_writable(True)
    for chain in _chains(connection):
        previous: str | None = None
        intact = True
        for row in chain:
            intact = intact and row.prev_hash == previous and _plain(row) == row.hash
            previous = row.hash
        changes = []
        previous = None
        for seq, row in enumerate(chain, 1):
            change = {"entry_id": row.id, "new_seq": seq, "new_key_id": None}
            if intact:
                sealed = _keyed(secret, row, seq=seq, key_id=key_id, prev_hash=previous)
                change.update(new_key_id=key_id, new_prev_hash=previous, new_hash=sealed)
                previous = sealed
            else:
                change.update(new_prev_hash=row.prev_hash, new_hash=row.hash)
            changes.append(change)
        _update(connection, changes)
    _ledger_writable(False)


def _seal_plain_again() -> None:
    connection = op.get_bind()
    settings = get_settings()
    secrets = {
        key_id: secret.encode()
        for key_id, secret in key_pairs(f"{settings.ledger_key},{settings.ledger_retired_keys}")
    }
    _ledger_writable(True)
    for chain in _chains(connection):
        previous: str | None = None
        intact = True
        for seq, row in enumerate(chain, 1):
            secret = secrets.get(row.key_id or "")
            intact = (
                intact
                and secret is not None
                and row.seq == seq
                and row.prev_hash == previous
                and _keyed(secret, row) == row.hash
            )
            previous = row.hash
        if not intact:
            continue
        changes = []
        previous = None
        for row in chain:
            sealed = _plain(row, prev_hash=previous)
            changes.append(
                {
                    "entry_id": row.id,
                    "new_seq": row.seq,
                    "new_key_id": row.key_id,
                    "new_prev_hash": previous,
                    "new_hash": sealed,
                }
            )
            previous = sealed
        _update(connection, changes)
    _ledger_writable(False)


def _restore_sqlite_search_rows() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS ledger_entries_search_rows")
        op.execute(SQLITE_SEARCH_ROWS)


def upgrade() -> None:
    op.create_table(
        "ledger_alarms",
        sa.Column("raised_at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("findings", JSON, nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.Column("id", KEY, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_alarms")),
    )
    op.create_table(
        "ledger_alarm_acks",
        sa.Column("alarm_id", KEY, nullable=False),
        sa.Column("acknowledged_at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("officer_id", KEY, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("checkpoint", sa.String(length=80), nullable=True),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.Column("id", KEY, nullable=False),
        sa.ForeignKeyConstraint(
            ["alarm_id"],
            ["ledger_alarms.id"],
            name=op.f("fk_ledger_alarm_acks_alarm_id_ledger_alarms"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"],
            ["users.id"],
            name=op.f("fk_ledger_alarm_acks_officer_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_alarm_acks")),
        sa.UniqueConstraint("alarm_id", name=op.f("uq_ledger_alarm_acks_alarm_id")),
    )
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("key_id", sa.String(length=32), nullable=True))
    _seal_under_the_key()
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.alter_column("seq", existing_type=sa.Integer(), nullable=False)
    _restore_sqlite_search_rows()

    with op.batch_alter_table("ledger_verifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("compared_with", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("checkpoint", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("alarm_id", KEY, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_ledger_verifications_alarm_id_ledger_alarms"),
            "ledger_alarms",
            ["alarm_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.drop_column("max_entry_id")

    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
    with op.batch_alter_table("ledger_verifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("max_entry_id", KEY, nullable=True))
        batch_op.drop_constraint(
            batch_op.f("fk_ledger_verifications_alarm_id_ledger_alarms"), type_="foreignkey"
        )
        batch_op.drop_column("alarm_id")
        batch_op.drop_column("checkpoint")
        batch_op.drop_column("compared_with")

    _seal_plain_again()
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_column("key_id")
        batch_op.drop_column("seq")
    _restore_sqlite_search_rows()

    op.drop_table("ledger_alarm_acks")
    op.drop_table("ledger_alarms")
