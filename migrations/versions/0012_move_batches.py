"""a supervisor's bulk move is one batch, so it can be undone

"Move these cases" writes a ``move_batches`` row (who, when, why, the filters in words,
where the cases went, how many) and each ``assignment_changes`` row it makes names the
batch and the team pool the case was in (``from_team_id``), so "undo this move" puts
exactly those cases back where they were.  Earlier changes have no batch.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 23:25:32
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import agency.db

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "move_batches",
        sa.Column(
            "by_user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "to_agent_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "to_team_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "filters",
            JSON,
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("undone_at", agency.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "undone_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_user_id"],
            ["users.id"],
            name=op.f("fk_move_batches_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["to_agent_id"],
            ["users.id"],
            name=op.f("fk_move_batches_to_agent_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["to_team_id"],
            ["teams.id"],
            name=op.f("fk_move_batches_to_team_id_teams"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["undone_by_id"],
            ["users.id"],
            name=op.f("fk_move_batches_undone_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_move_batches")),
    )
    with op.batch_alter_table("assignment_changes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "from_team_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column(
                "batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.create_index(
            batch_op.f("ix_assignment_changes_batch_id"), ["batch_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_assignment_changes_from_team_id_teams"),
            "teams",
            ["from_team_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_assignment_changes_batch_id_move_batches"),
            "move_batches",
            ["batch_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("assignment_changes", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_assignment_changes_batch_id_move_batches"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_assignment_changes_from_team_id_teams"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_assignment_changes_batch_id"))
        batch_op.drop_column("batch_id")
        batch_op.drop_column("from_team_id")

    op.drop_table("move_batches")
