"""The partner reports' aggregates (days and inventory per client vintage, the refresh
runs), and the indexes their refresh reads by: a client's cases by placement time, cases
and commission entries by when they changed.  The first refresh builds every vintage
from the existing rows.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 13:58:30.441664
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import agency.db

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_refreshes",
        sa.Column("started_at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("vintages", sa.Integer(), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_refreshes")),
    )
    with op.batch_alter_table("report_refreshes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_report_refreshes_started_at"), ["started_at"], unique=False
        )

    op.create_table(
        "report_days",
        sa.Column(
            "client_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("placed_month", sa.Date(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("placed_cases", sa.Integer(), nullable=False),
        sa.Column("placed_minor", sa.BigInteger(), nullable=False),
        sa.Column("contacted", sa.Integer(), nullable=False),
        sa.Column("reached", sa.Integer(), nullable=False),
        sa.Column("promises", sa.Integer(), nullable=False),
        sa.Column("plans", sa.Integer(), nullable=False),
        sa.Column("payments", sa.Integer(), nullable=False),
        sa.Column("payments_minor", sa.BigInteger(), nullable=False),
        sa.Column("reversals", sa.Integer(), nullable=False),
        sa.Column("reversals_minor", sa.BigInteger(), nullable=False),
        sa.Column("direct_minor", sa.BigInteger(), nullable=False),
        sa.Column("commission_minor", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_report_days_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "client_id", "currency", "placed_month", "day", name=op.f("pk_report_days")
        ),
    )
    op.create_table(
        "report_inventory",
        sa.Column(
            "client_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("placed_month", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("balance_minor", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_report_inventory_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "client_id", "currency", "placed_month", "status", name=op.f("pk_report_inventory")
        ),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cases_client_id_placed_at", ["client_id", "placed_at"], unique=False
        )
        batch_op.create_index("ix_cases_updated_at", ["updated_at"], unique=False)

    with op.batch_alter_table("commission_entries", schema=None) as batch_op:
        batch_op.create_index("ix_commission_entries_created_at", ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("commission_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_commission_entries_created_at")

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_updated_at")
        batch_op.drop_index("ix_cases_client_id_placed_at")

    op.drop_table("report_inventory")
    op.drop_table("report_days")
    with op.batch_alter_table("report_refreshes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_refreshes_started_at"))

    op.drop_table("report_refreshes")
