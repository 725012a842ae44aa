"""cases keep the consumer as their client placed them

A person placed by several clients (matched on national id + date of birth) is one row
of ``consumers``, holding the first placement's name, location and language, and every
client's screens showed that row: one merchant saw another client's spelling of the
name.  Each case now keeps its own — ``first_name``, ``last_name``, ``country``,
``region``, ``postal_code``, ``language`` as its client placed them — and every screen
about a case shows those.

Existing cases take their consumer's values: what a later client placed was never kept,
so it cannot be recovered here (a re-placement under the "update" policy writes it).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("first_name", 80, False),
    ("last_name", 80, False),
    ("country", 2, False),
    ("region", 3, True),
    ("postal_code", 12, True),
    ("language", 2, True),
)
# SQLite rebuilds the cases table to make columns NOT NULL; migration 0004's trigger
# names it, so it is dropped first and made again after (its text as 0004 wrote it).
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


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for name, length, _ in COLUMNS:
        op.add_column("cases", sa.Column(name, sa.String(length=length), nullable=True))
    # One pass over the table (UPDATE ... FROM: PostgreSQL, and SQLite since 3.33).
    op.execute(
        "UPDATE cases SET first_name = consumers.first_name, last_name = consumers.last_name,"
        " country = consumers.country, region = consumers.region,"
        " postal_code = consumers.postal_code, language = consumers.language"
        " FROM consumers WHERE consumers.id = cases.consumer_id"
    )
    if sqlite:
        op.execute("DROP TRIGGER ledger_entries_search_rows")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        for name, length, nullable in COLUMNS:
            if not nullable:
                batch_op.alter_column(name, existing_type=sa.String(length=length), nullable=False)
    if sqlite:
        op.execute(SQLITE_SEARCH_ROWS)


def downgrade() -> None:
    # Not a batch rebuild of the table on SQLite (0004's trigger names it): SQLite has
    # had DROP COLUMN since 3.35.
    for name, _, _ in reversed(COLUMNS):
        op.execute(f"ALTER TABLE cases DROP COLUMN {name}")
