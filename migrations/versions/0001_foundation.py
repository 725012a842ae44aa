"""foundation: users, clients, contracts, consumers, cases

Revision ID: 0001
Revises:
Create Date: 2026-11-21 11:08:24.226000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import agency.db

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "clients",
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("legal_name", sa.String(length=200), nullable=False),
        sa.Column("industry", sa.String(length=60), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clients")),
        sa.UniqueConstraint("code", name=op.f("uq_clients_code")),
    )
    op.create_table(
        "consumers",
        sa.Column("first_name", sa.String(length=80), nullable=False),
        sa.Column("last_name", sa.String(length=80), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("national_id_hash", sa.String(length=64), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("region", sa.String(length=3), nullable=True),
        sa.Column("postal_code", sa.String(length=12), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=True),
        sa.Column("stated_timezone", sa.String(length=64), nullable=True),
        sa.Column("created_at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consumers")),
    )
    with op.batch_alter_table("consumers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consumers_last_name_first_name", ["last_name", "first_name"], unique=False
        )
        batch_op.create_index(
            "ix_consumers_national_id_hash_date_of_birth",
            ["national_id_hash", "date_of_birth"],
            unique=False,
        )

    op.create_table(
        "login_failures",
        sa.Column("account_key", sa.String(length=64), nullable=False),
        sa.Column("client_ip", sa.String(length=45), nullable=False),
        sa.Column("at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.create_index(
            "ix_login_failures_account_key_at", ["account_key", "at"], unique=False
        )
        batch_op.create_index("ix_login_failures_client_ip_at", ["client_ip", "at"], unique=False)

    op.create_table(
        "contact_points",
        sa.Column(
            "consumer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "channel",
            sa.Enum(
                "phone",
                "email",
                "address",
                name="channel",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("value", sa.String(length=320), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("consent_at", agency.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("do_not_call", sa.Boolean(), nullable=False),
        sa.Column("do_not_use", sa.Boolean(), nullable=False),
        sa.Column("workplace", sa.Boolean(), nullable=False),
        sa.Column("created_at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["consumer_id"],
            ["consumers.id"],
            name=op.f("fk_contact_points_consumer_id_consumers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_points")),
    )
    with op.batch_alter_table("contact_points", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_points_consumer_id"), ["consumer_id"], unique=False
        )

    op.create_table(
        "contracts",
        sa.Column(
            "client_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("contingency_rate", agency.db.ExactDecimal(precision=6, scale=3), nullable=False),
        sa.Column("settlement_floor", agency.db.ExactDecimal(precision=6, scale=3), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("created_at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.CheckConstraint(
            "CAST(contingency_rate AS NUMERIC) BETWEEN 0 AND 100",
            name=op.f("ck_contracts_rate_is_percent"),
        ),
        sa.CheckConstraint(
            "CAST(settlement_floor AS NUMERIC) BETWEEN 0 AND 100",
            name=op.f("ck_contracts_floor_is_percent"),
        ),
        sa.CheckConstraint(
            "effective_to IS NULL OR effective_to >= effective_from",
            name=op.f("ck_contracts_dates_ordered"),
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_contracts_client_id_clients"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contracts")),
    )
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contracts_client_id"), ["client_id"], unique=False)

    op.create_table(
        "users",
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("full_name", sa.String(length=120), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "admin",
                "supervisor",
                "agent",
                "compliance",
                "merchant",
                name="role",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("client_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", agency.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.CheckConstraint(
            "(role = 'merchant') = (client_id IS NOT NULL)",
            name=op.f("ck_users_merchant_has_client"),
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_users_client_id_clients"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_client_id"), ["client_id"], unique=False)

    op.create_table(
        "cases",
        sa.Column(
            "client_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "contract_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "consumer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("client_reference", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("principal_minor", sa.BigInteger(), nullable=False),
        sa.Column("interest_minor", sa.BigInteger(), nullable=False),
        sa.Column("fees_minor", sa.BigInteger(), nullable=False),
        sa.Column("placed_minor", sa.BigInteger(), nullable=False),
        sa.Column("itemization_date", sa.Date(), nullable=True),
        sa.Column(
            "itemization_type",
            sa.Enum(
                "last_statement",
                "charge_off",
                "last_payment",
                "transaction",
                "judgment",
                name="itemization_type",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("itemization_amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("original_creditor", sa.String(length=200), nullable=True),
        sa.Column("product", sa.String(length=40), nullable=True),
        sa.Column("delinquency_date", sa.Date(), nullable=True),
        sa.Column("charge_off_date", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "new",
                "active",
                "contacted",
                "promise",
                "plan",
                "disputed",
                "hold",
                "paid",
                "settled",
                "recalled",
                "closed",
                name="case_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "assigned_agent_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("placed_at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("next_action_at", agency.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.CheckConstraint(
            "principal_minor >= 0 AND interest_minor >= 0 AND fees_minor >= 0",
            name=op.f("ck_cases_buckets_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["assigned_agent_id"],
            ["users.id"],
            name=op.f("fk_cases_assigned_agent_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_cases_client_id_clients"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["consumer_id"],
            ["consumers.id"],
            name=op.f("fk_cases_consumer_id_consumers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_cases_contract_id_contracts"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cases_assigned_agent_id_status", ["assigned_agent_id", "status"], unique=False
        )
        batch_op.create_index("ix_cases_client_id_status", ["client_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_consumer_id"), ["consumer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_contract_id"), ["contract_id"], unique=False)
        batch_op.create_index(
            "uq_cases_open_client_reference",
            ["client_id", "client_reference"],
            unique=True,
            postgresql_where=sa.text("status NOT IN ('paid', 'settled', 'recalled', 'closed')"),
            sqlite_where=sa.text("status NOT IN ('paid', 'settled', 'recalled', 'closed')"),
        )

    op.create_table(
        "user_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_sessions_token_hash")),
    )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_user_sessions_expires_at"), ["expires_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_user_sessions_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_sessions_user_id"))
        batch_op.drop_index(batch_op.f("ix_user_sessions_expires_at"))

    op.drop_table("user_sessions")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_cases_open_client_reference",
            postgresql_where=sa.text("status NOT IN ('paid', 'settled', 'recalled', 'closed')"),
            sqlite_where=sa.text("status NOT IN ('paid', 'settled', 'recalled', 'closed')"),
        )
        batch_op.drop_index(batch_op.f("ix_cases_contract_id"))
        batch_op.drop_index(batch_op.f("ix_cases_consumer_id"))
        batch_op.drop_index("ix_cases_client_id_status")
        batch_op.drop_index("ix_cases_assigned_agent_id_status")

    op.drop_table("cases")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_client_id"))

    op.drop_table("users")
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contracts_client_id"))

    op.drop_table("contracts")
    with op.batch_alter_table("contact_points", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_points_consumer_id"))

    op.drop_table("contact_points")
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_login_failures_client_ip_at")
        batch_op.drop_index("ix_login_failures_account_key_at")

    op.drop_table("login_failures")
    with op.batch_alter_table("consumers", schema=None) as batch_op:
        batch_op.drop_index("ix_consumers_national_id_hash_date_of_birth")
        batch_op.drop_index("ix_consumers_last_name_first_name")

    op.drop_table("consumers")
    op.drop_table("clients")
