"""self service: a case note may have no author — the consumer's own, written by their
self-service page (agency.cases.self_service_effects), which the timeline names "the
consumer"

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 15:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("case_notes", schema=None) as batch_op:
        batch_op.alter_column("author_id", existing_type=_ID, nullable=True)


def downgrade() -> None:
    # Notes are never edited or deleted (migration 0005): a database that has consumer
    # notes cannot go back below 0021, and says so rather than losing them.
    bind = op.get_bind()
    count = bind.execute(sa.text("SELECT count(*) FROM case_notes WHERE author_id IS NULL"))
    if count.scalar_one():
        raise RuntimeError("case_notes holds the consumers' own notes (no author): keep 0021")
    with op.batch_alter_table("case_notes", schema=None) as batch_op:
        batch_op.alter_column("author_id", existing_type=_ID, nullable=False)
