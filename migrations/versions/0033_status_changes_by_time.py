"""Status changes by time: the merchants' webhook events (disputes, recalls, closings)
are found each minute among the changes since the last run.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07 15:18:30.636917
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("status_changes", schema=None) as batch_op:
        batch_op.create_index("ix_status_changes_at", ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("status_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_status_changes_at")
