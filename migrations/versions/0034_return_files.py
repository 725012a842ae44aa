"""Return files: a client's cases by when they were closed (a day's file, the last
month's days).

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-07 15:22:59.600905
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cases_client_id_closed_at", ["client_id", "closed_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_client_id_closed_at")
