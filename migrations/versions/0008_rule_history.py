"""assignment rules keep their history

Each change to a rule (created, edited, switched off or on, moved) is a row of
``assignment_rule_edits``: who, when, and the whole rule as it stood afterwards, so
the rule page shows what changed and what a rule said when it assigned a case can be
read back.  Before, only the last editor and time were kept.

Existing rules start their history with one "edited" row: the rule as it is now, by
its last editor at their time.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import agency.db

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
FIELDS = (
    "name",
    "strategy",
    "is_active",
    "position",
    "client_id",
    "balance_currency",
    "min_balance_minor",
    "max_balance_minor",
    "country",
    "region",
    "language",
    "min_age_days",
    "max_age_days",
    "team_id",
    "agent_ids",
)


def upgrade() -> None:
    edits = op.create_table(
        "assignment_rule_edits",
        sa.Column("rule_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "action",
            sa.Enum(
                "created",
                "edited",
                "switched_off",
                "switched_on",
                "moved_up",
                "moved_down",
                name="rule_edit",
                native_enum=False,
                create_constraint=True,
                length=12,
            ),
            nullable=False,
        ),
        sa.Column("rule", JSON, nullable=False),
        sa.Column(
            "by_user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_user_id"],
            ["users.id"],
            name=op.f("fk_assignment_rule_edits_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["assignment_rules.id"],
            name=op.f("fk_assignment_rule_edits_rule_id_assignment_rules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment_rule_edits")),
    )
    with op.batch_alter_table("assignment_rule_edits", schema=None) as batch_op:
        batch_op.create_index(
            "ix_assignment_rule_edits_rule_id_at", ["rule_id", "at"], unique=False
        )
    rules = sa.table(
        "assignment_rules",
        *(sa.column(name, JSON if name == "agent_ids" else None) for name in FIELDS),
        sa.column("id"),
        sa.column("updated_by_id"),
        sa.column("updated_at", agency.db.UTCDateTime()),
    )
    db = op.get_bind()
    rows = db.execute(sa.select(rules)).mappings().all()
    if rows:
        op.bulk_insert(
            edits,
            [
                {
                    "rule_id": row["id"],
                    "action": "edited",
                    "rule": {name: row[name] for name in FIELDS},
                    "by_user_id": row["updated_by_id"],
                    "at": row["updated_at"],
                }
                for row in rows
            ],
        )


def downgrade() -> None:
    with op.batch_alter_table("assignment_rule_edits", schema=None) as batch_op:
        batch_op.drop_index("ix_assignment_rule_edits_rule_id_at")
    op.drop_table("assignment_rule_edits")
