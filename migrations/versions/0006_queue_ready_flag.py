"""queue: only cases ready to be offered stay in the queue's indexes

A pick used to leave the leased case in the queue's partial indexes (a lease touched no
indexed column), so every later pick walked past every live lease and every skipped or
deferred case at the head of the index: picks slowed down as the day went on.  Now
``cases.ready`` is part of both indexes' predicates: a pick, a skip or a gate hold takes
the case out (``ready`` false, ``workable_at`` = when it may come back), and the wake job
puts it back once ``workable_at`` has passed (``ix_cases_waiting`` finds those).  Such an
update is no longer HOT: it leaves dead index entries, which later scans mark and
autovacuum (tuned for this table in 0005) removes.

Existing cases: ready unless leased now or held back.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21 16:10:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import agency.db

QUEUE = "status IN ('new', 'active', 'contacted', 'promise')"

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _queue_indexes(ready: str) -> None:
    """(Re)create the pick's two indexes with ``ready`` (or nothing) in their predicate."""
    book = sa.text(f"{ready}{QUEUE}")
    pool = sa.text(f"assigned_agent_id IS NULL AND {ready}{QUEUE}")
    op.create_index(
        "ix_cases_queue_agent",
        "cases",
        ["assigned_agent_id", "priority", "placed_at", "id"],
        postgresql_where=book,
        sqlite_where=book,
    )
    op.create_index(
        "ix_cases_queue_team",
        "cases",
        ["team_id", "priority", "placed_at", "id"],
        postgresql_where=pool,
        sqlite_where=pool,
    )


def upgrade() -> None:
    op.add_column(
        "cases", sa.Column("ready", sa.Boolean(), server_default=sa.true(), nullable=False)
    )
    now = sa.bindparam("now", value=datetime.now(UTC), type_=agency.db.UTCDateTime())
    op.execute(
        sa.text(
            "UPDATE cases SET ready = false WHERE workable_at > :now"
            " OR (lease_expires_at IS NOT NULL AND lease_expires_at > :now)"
        ).bindparams(now)
    )
    op.drop_index("ix_cases_queue_team", table_name="cases")
    op.drop_index("ix_cases_queue_agent", table_name="cases")
    _queue_indexes("ready AND ")
    waiting = sa.text(f"NOT ready AND {QUEUE}")
    op.create_index(
        "ix_cases_waiting",
        "cases",
        ["workable_at"],
        postgresql_where=waiting,
        sqlite_where=waiting,
    )


def downgrade() -> None:
    op.drop_index("ix_cases_waiting", table_name="cases")
    op.drop_index("ix_cases_queue_team", table_name="cases")
    op.drop_index("ix_cases_queue_agent", table_name="cases")
    _queue_indexes("")
    # Not a batch rebuild of the table on SQLite (0004's trigger names it): SQLite has
    # had DROP COLUMN since 3.35.
    op.execute("ALTER TABLE cases DROP COLUMN ready")
