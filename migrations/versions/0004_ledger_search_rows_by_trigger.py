"""ledger search rows written by a trigger

The gate used to insert an entry's search rows (ledger_cases: which cases and clients it
is about; ledger_rule_hits: which rules blocked it) from Python, a second flush and two
more round trips per decision.  The database now derives them from the entry itself
(``case_ids``, ``blocked_by``) as it is inserted, on both backends, so they can never
disagree with the entry.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 09:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POSTGRESQL = """
CREATE FUNCTION ledger_entry_search_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ledger_cases (entry_id, case_id, client_id, at)
    SELECT NEW.id, cases.id, cases.client_id, NEW.at
    FROM cases
    WHERE cases.id IN (SELECT jsonb_array_elements_text(NEW.case_ids)::bigint);
    INSERT INTO ledger_rule_hits (entry_id, rule_id, at)
    SELECT DISTINCT NEW.id, rule_id, NEW.at
    FROM jsonb_array_elements_text(NEW.blocked_by) AS rule_id;
    RETURN NULL;
END
$$
"""
SQLITE = """
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
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRESQL)
        op.execute(
            "CREATE TRIGGER ledger_entries_search_rows AFTER INSERT ON ledger_entries "
            "FOR EACH ROW EXECUTE FUNCTION ledger_entry_search_rows()"
        )
    else:
        op.execute(SQLITE)


def downgrade() -> None:
    op.execute(
        "DROP TRIGGER ledger_entries_search_rows"
        + (" ON ledger_entries" if op.get_bind().dialect.name == "postgresql" else "")
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION ledger_entry_search_rows()")
