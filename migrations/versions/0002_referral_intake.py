"""referral intake: placements, layouts, api keys, case origin and itemization

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 11:31:49.055469
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import agency.db

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "layouts",
        sa.Column(
            "client_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column(
            "mapping",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("date_order", sa.String(length=3), nullable=False),
        sa.Column("decimal_comma", sa.Boolean(), nullable=False),
        sa.Column(
            "replacement_policy",
            sa.Enum(
                "reject",
                "update",
                name="replacement_policy",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("drop_bad_contacts", sa.Boolean(), nullable=False),
        sa.Column("allow_short_rows", sa.Boolean(), nullable=False),
        sa.Column("sheet", sa.String(length=100), nullable=True),
        sa.Column("created_at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_layouts_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_layouts")),
        sa.UniqueConstraint("client_id", "name", name=op.f("uq_layouts_client_id_name")),
    )
    with op.batch_alter_table("layouts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_layouts_client_id"), ["client_id"], unique=False)

    op.create_table(
        "api_keys",
        sa.Column(
            "client_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "created_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("created_at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", agency.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", agency.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_api_keys_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_api_keys_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_keys_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_api_keys_prefix"), ["prefix"], unique=False)

    op.create_table(
        "placements",
        sa.Column(
            "client_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "kind",
            sa.Enum(
                "placement",
                "maintenance",
                name="placement_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "source",
            sa.Enum(
                "upload",
                "api",
                "cli",
                name="placement_source",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "previewed",
                "queued",
                "running",
                "completed",
                "failed",
                name="placement_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        sa.Column("checksum", sa.String(length=64), nullable=True),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=True),
        sa.Column(
            "response",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "preview",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("stored_path", sa.String(length=500), nullable=True),
        sa.Column("file_format", sa.String(length=8), nullable=True),
        sa.Column("encoding", sa.String(length=20), nullable=True),
        sa.Column("delimiter", sa.String(length=4), nullable=True),
        sa.Column("layout_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "mapping",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("total_rows", sa.Integer(), nullable=True),
        sa.Column("rows_done", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("replaced", sa.Integer(), nullable=False),
        sa.Column("resumed", sa.Integer(), nullable=False),
        sa.Column("runner", sa.String(length=32), nullable=True),
        sa.Column("failure", sa.Text(), nullable=True),
        sa.Column(
            "created_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "api_key_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("created_at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", agency.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", agency.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", agency.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_key_id"],
            ["api_keys.id"],
            name=op.f("fk_placements_api_key_id_api_keys"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_placements_client_id_clients"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_placements_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["layout_id"],
            ["layouts.id"],
            name=op.f("fk_placements_layout_id_layouts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placements")),
        sa.UniqueConstraint("client_id", "checksum", name=op.f("uq_placements_client_id_checksum")),
        sa.UniqueConstraint(
            "client_id", "idempotency_key", name=op.f("uq_placements_client_id_idempotency_key")
        ),
    )
    with op.batch_alter_table("placements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_placements_client_id_created_at", ["client_id", "created_at"], unique=False
        )
        batch_op.create_index("ix_placements_status", ["status"], unique=False)

    op.create_table(
        "placement_rejections",
        sa.Column(
            "placement_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("client_reference", sa.String(length=64), nullable=True),
        sa.Column(
            "errors",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "cells",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placements.id"],
            name=op.f("fk_placement_rejections_placement_id_placements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placement_rejections")),
    )
    with op.batch_alter_table("placement_rejections", schema=None) as batch_op:
        batch_op.create_index(
            "ix_placement_rejections_placement_id_row", ["placement_id", "row"], unique=False
        )

    op.create_table(
        "balance_adjustments",
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "adjust",
                "direct_payment",
                name="adjustment_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column(
            "placement_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("created_at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_balance_adjustments_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placements.id"],
            name=op.f("fk_balance_adjustments_placement_id_placements"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_balance_adjustments")),
    )
    with op.batch_alter_table("balance_adjustments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_balance_adjustments_case_id"), ["case_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_balance_adjustments_placement_id"), ["placement_id"], unique=False
        )

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("interest_since_minor", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("fees_since_minor", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("payments_since_minor", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("credits_since_minor", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("current_creditor", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("last_payment_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("open_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("statute_of_limitations_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("notes", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "placement_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.add_column(sa.Column("placement_row", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("closed_at", agency.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_cases_placement_id"), ["placement_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_cases_placement_id_placements"),
            "placements",
            ["placement_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("consumers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "timezones",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=False,
                server_default="[]",
            )
        )

    # Existing rows got their values from the server defaults; new rows get theirs from
    # the application, as the models say, so the defaults go again.
    with op.batch_alter_table("cases", schema=None) as batch_op:
        for column in (
            "interest_since_minor",
            "fees_since_minor",
            "payments_since_minor",
            "credits_since_minor",
        ):
            batch_op.alter_column(column, server_default=None)
    with op.batch_alter_table("consumers", schema=None) as batch_op:
        batch_op.alter_column("timezones", server_default=None)

    with op.batch_alter_table("contact_points", schema=None) as batch_op:
        batch_op.add_column(sa.Column("line_type", sa.String(length=24), nullable=True))
        batch_op.add_column(
            sa.Column(
                "source_client_id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                nullable=True,
            )
        )
        batch_op.create_index("ix_contact_points_channel_value", ["channel", "value"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_contact_points_source_client_id_clients"),
            "clients",
            ["source_client_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("contact_points", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_contact_points_source_client_id_clients"), type_="foreignkey"
        )
        batch_op.drop_index("ix_contact_points_channel_value")
        batch_op.drop_column("source_client_id")
        batch_op.drop_column("line_type")

    with op.batch_alter_table("consumers", schema=None) as batch_op:
        batch_op.drop_column("timezones")

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_cases_placement_id_placements"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_cases_placement_id"))
        batch_op.drop_column("closed_at")
        batch_op.drop_column("placement_row")
        batch_op.drop_column("placement_id")
        batch_op.drop_column("notes")
        batch_op.drop_column("statute_of_limitations_date")
        batch_op.drop_column("open_date")
        batch_op.drop_column("last_payment_date")
        batch_op.drop_column("current_creditor")
        batch_op.drop_column("credits_since_minor")
        batch_op.drop_column("payments_since_minor")
        batch_op.drop_column("fees_since_minor")
        batch_op.drop_column("interest_since_minor")

    with op.batch_alter_table("balance_adjustments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_balance_adjustments_placement_id"))
        batch_op.drop_index(batch_op.f("ix_balance_adjustments_case_id"))

    op.drop_table("balance_adjustments")
    with op.batch_alter_table("placement_rejections", schema=None) as batch_op:
        batch_op.drop_index("ix_placement_rejections_placement_id_row")

    op.drop_table("placement_rejections")
    with op.batch_alter_table("placements", schema=None) as batch_op:
        batch_op.drop_index("ix_placements_status")
        batch_op.drop_index("ix_placements_client_id_created_at")

    op.drop_table("placements")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_keys_prefix"))
        batch_op.drop_index(batch_op.f("ix_api_keys_client_id"))

    op.drop_table("api_keys")
    with op.batch_alter_table("layouts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_layouts_client_id"))

    op.drop_table("layouts")
