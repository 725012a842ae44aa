"""ledger search rows per statement: on PostgreSQL the ledger's case and rule-hit search
rows are written once per INSERT statement from its transition table, set-based,
instead of once per row — the batch gate inserts a batch's entries in one statement
(bench/strategies.py measured the per-row trigger at a third of a batch's time).  The
rows written are the same; SQLite keeps its row trigger.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 02:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PER_STATEMENT = """
CREATE FUNCTION ledger_entry_search_rows_of_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ledger_cases (entry_id, case_id, client_id, at)
    SELECT DISTINCT n.id, cases.id, cases.client_id, n.at
    FROM new_rows AS n
    CROSS JOIN LATERAL jsonb_array_elements_text(n.case_ids) AS named(case_id)
    JOIN cases ON cases.id = named.case_id::bigint;
    INSERT INTO ledger_rule_hits (entry_id, rule_id, at)
    SELECT DISTINCT n.id, hit.rule_id, n.at
    FROM new_rows AS n
    CROSS JOIN LATERAL jsonb_array_elements_text(n.blocked_by) AS hit(rule_id);
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(PER_STATEMENT)
    op.execute("DROP TRIGGER ledger_entries_search_rows ON ledger_entries")
    op.execute(
        "CREATE TRIGGER ledger_entries_search_rows AFTER INSERT ON ledger_entries "
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
        "EXECUTE FUNCTION ledger_entry_search_rows_of_statement()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER ledger_entries_search_rows ON ledger_entries")
    op.execute(
        "CREATE TRIGGER ledger_entries_search_rows AFTER INSERT ON ledger_entries "
        "FOR EACH ROW EXECUTE FUNCTION ledger_entry_search_rows()"
    )
    op.execute("DROP FUNCTION ledger_entry_search_rows_of_statement()")
