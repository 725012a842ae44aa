"""Strategy experiments say what the challenger tries and why they ended; an enrolment
keeps when the case was enrolled (an experiment's results count from then).  Existing
enrolments take the start of their current step, the nearest time they hold.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06 21:36:52.902999
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import agency.db

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("strategy_enrolments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("enrolled_at", agency.db.UTCDateTime(timezone=True), nullable=True)
        )
    op.execute("UPDATE strategy_enrolments SET enrolled_at = step_started_at")
    with op.batch_alter_table("strategy_enrolments", schema=None) as batch_op:
        batch_op.alter_column(
            "enrolled_at", existing_type=agency.db.UTCDateTime(timezone=True), nullable=False
        )

    with op.batch_alter_table("strategy_experiments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.String(length=300), nullable=True))
    op.execute("UPDATE strategy_experiments SET reason = 'not recorded'")
    with op.batch_alter_table("strategy_experiments", schema=None) as batch_op:
        batch_op.alter_column("reason", existing_type=sa.String(length=300), nullable=False)
        batch_op.add_column(sa.Column("end_reason", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("strategy_experiments", schema=None) as batch_op:
        batch_op.drop_column("end_reason")
        batch_op.drop_column("reason")

    with op.batch_alter_table("strategy_enrolments", schema=None) as batch_op:
        batch_op.drop_column("enrolled_at")
