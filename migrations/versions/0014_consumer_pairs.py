"""possible same people: accounts kept apart at intake, for staff to confirm or keep apart

A phone or e-mail shared with another case of the client links an account to that
case's consumer only when the names or dates of birth agree; otherwise the account is a
new consumer and the two cases make a pair, with the decision taken on it (who, when).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 23:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import agency.db

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "consumer_pairs",
        sa.Column("client_id", KEY, nullable=False),
        sa.Column("placement_id", KEY, nullable=True),
        sa.Column("case_id", KEY, nullable=False),
        sa.Column("other_case_id", KEY, nullable=False),
        sa.Column("channel", sa.String(length=5), nullable=False),
        sa.Column("decision", sa.String(length=5), nullable=True),
        sa.Column("decided_by_id", KEY, nullable=True),
        sa.Column("decided_at", agency.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", KEY, nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_consumer_pairs_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_consumer_pairs_client_id_clients"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_consumer_pairs_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["other_case_id"],
            ["cases.id"],
            name=op.f("fk_consumer_pairs_other_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placements.id"],
            name=op.f("fk_consumer_pairs_placement_id_placements"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consumer_pairs")),
        sa.UniqueConstraint(
            "case_id", "other_case_id", name=op.f("uq_consumer_pairs_case_id_other_case_id")
        ),
    )
    op.create_index(
        "ix_consumer_pairs_placement_id", "consumer_pairs", ["placement_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_consumer_pairs_placement_id", table_name="consumer_pairs")
    op.drop_table("consumer_pairs")
