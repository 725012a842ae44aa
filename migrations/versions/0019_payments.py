"""payments: arrangements with their authority and approval, payments and their
allocation, reversals, provider attempts, self-service link state and uploads; the
contracts' settlement authority, broken-plan rules and allocation order

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 14:45:16.146153
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import agency.db

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "consumer_uploads",
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_consumer_uploads_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consumer_uploads")),
    )
    with op.batch_alter_table("consumer_uploads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consumer_uploads_case_id"), ["case_id"], unique=False)

    op.create_table(
        "self_service_access",
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("failures", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("locked_until", agency.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_before", agency.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "revoked_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("last_opened_at", agency.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_self_service_access_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"],
            ["users.id"],
            name=op.f("fk_self_service_access_revoked_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_self_service_access")),
        sa.UniqueConstraint("case_id", name=op.f("uq_self_service_access_case_id")),
    )
    op.create_table(
        "payments",
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("plan_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "installment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "method",
            sa.Enum(
                "card",
                "ach",
                "bank_transfer",
                "cheque",
                "cash",
                "direct",
                name="payment_method",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("to_client", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("provider_reference", sa.String(length=100), nullable=True),
        sa.Column("fees_minor", sa.BigInteger(), nullable=False),
        sa.Column("interest_minor", sa.BigInteger(), nullable=False),
        sa.Column("principal_minor", sa.BigInteger(), nullable=False),
        sa.Column(
            "posted_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("posted_at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "placement_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.CheckConstraint("amount_minor > 0", name=op.f("ck_payments_amount_positive")),
        sa.CheckConstraint(
            "fees_minor >= 0 AND interest_minor >= 0 AND principal_minor >= 0 "
            "AND fees_minor + interest_minor + principal_minor = amount_minor",
            name=op.f("ck_payments_allocation_sums"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_payments_case_id_cases"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["installment_id"],
            ["installments.id"],
            name=op.f("fk_payments_installment_id_installments"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placements.id"],
            name=op.f("fk_payments_placement_id_placements"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["payment_plans.id"],
            name=op.f("fk_payments_plan_id_payment_plans"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["posted_by_id"],
            ["users.id"],
            name=op.f("fk_payments_posted_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_payments_case_id_effective_on", ["case_id", "effective_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_payments_installment_id"), ["installment_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_payments_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index("ix_payments_posted_at", ["posted_at"], unique=False)
        batch_op.create_index(
            "uq_payments_provider_reference",
            ["provider", "provider_reference"],
            unique=True,
            postgresql_where=sa.text("provider_reference IS NOT NULL"),
            sqlite_where=sa.text("provider_reference IS NOT NULL"),
        )

    op.create_table(
        "payment_attempts",
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "installment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("intent_id", sa.String(length=100), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "method",
            sa.Enum(
                "card",
                "ach",
                "bank_transfer",
                "cheque",
                "cash",
                "direct",
                name="payment_method",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "processing",
                "succeeded",
                "failed",
                name="attempt_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("failure", sa.String(length=300), nullable=True),
        sa.Column(
            "payment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("by_consumer", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column(
            "created_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("created_at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_payment_attempts_case_id_cases"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_payment_attempts_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["installment_id"],
            ["installments.id"],
            name=op.f("fk_payment_attempts_installment_id_installments"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payments.id"],
            name=op.f("fk_payment_attempts_payment_id_payments"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_attempts")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_payment_attempts_idempotency_key")),
        sa.UniqueConstraint(
            "provider", "intent_id", name=op.f("uq_payment_attempts_provider_intent_id")
        ),
    )
    with op.batch_alter_table("payment_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_payment_attempts_case_id", ["case_id"], unique=False)

    op.create_table(
        "payment_reversals",
        sa.Column(
            "payment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "nsf",
                "returned_ach",
                "chargeback",
                "correction",
                name="reversal_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("provider_reference", sa.String(length=100), nullable=True),
        sa.Column(
            "by_user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("created_at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_user_id"],
            ["users.id"],
            name=op.f("fk_payment_reversals_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_payment_reversals_case_id_cases"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payments.id"],
            name=op.f("fk_payment_reversals_payment_id_payments"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_reversals")),
        sa.UniqueConstraint("payment_id", name=op.f("uq_payment_reversals_payment_id")),
    )
    with op.batch_alter_table("payment_reversals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_reversals_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_payment_reversals_created_at"), ["created_at"], unique=False
        )

    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("settlements_allowed", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(sa.Column("max_months", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("min_installment_minor", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "min_down_payment_percent",
                agency.db.ExactDecimal(precision=6, scale=3),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("min_payment_minor", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "consumer_settlement_percent",
                agency.db.ExactDecimal(precision=6, scale=3),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column("grace_days", sa.Integer(), server_default=sa.text("5"), nullable=False)
        )
        batch_op.add_column(
            sa.Column("missed_to_break", sa.Integer(), server_default=sa.text("1"), nullable=False)
        )
        batch_op.add_column(
            sa.Column("roll_missed_to_end", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "allocation_order",
                sa.String(length=40),
                server_default="fees,interest,principal",
                nullable=False,
            )
        )
        batch_op.create_check_constraint(
            op.f("ck_contracts_max_months_range"),
            "max_months IS NULL OR max_months BETWEEN 1 AND 120",
        )
        batch_op.create_check_constraint(
            op.f("ck_contracts_grace_days_range"), "grace_days BETWEEN 0 AND 60"
        )
        batch_op.create_check_constraint(
            op.f("ck_contracts_missed_to_break_range"), "missed_to_break BETWEEN 1 AND 12"
        )

    with op.batch_alter_table("installments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("paid_minor", sa.BigInteger(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.add_column(
            sa.Column("down_payment", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("missed_at", agency.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_check_constraint(
            op.f("ck_installments_paid_in_range"), "paid_minor >= 0 AND paid_minor <= amount_minor"
        )

    with op.batch_alter_table("payment_plans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("balance_minor", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "frequency",
                sa.Enum(
                    "weekly",
                    "fortnightly",
                    "monthly",
                    name="plan_frequency",
                    native_enum=False,
                    create_constraint=True,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column(
                "reasons",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                server_default="[]",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column("by_consumer", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "decided_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column("decided_at", agency.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("decision_reason", sa.String(length=500), nullable=True))
        batch_op.add_column(
            sa.Column(
                "ended_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.add_column(sa.Column("end_reason", sa.String(length=500), nullable=True))
        batch_op.create_index(
            "ix_payment_plans_status_created_at", ["status", "created_at"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_payment_plans_decided_by_id_users"),
            "users",
            ["decided_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_payment_plans_ended_by_id_users"),
            "users",
            ["ended_by_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("payment_plans", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_payment_plans_ended_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_payment_plans_decided_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_index("ix_payment_plans_status_created_at")
        batch_op.drop_column("end_reason")
        batch_op.drop_column("ended_by_id")
        batch_op.drop_column("decision_reason")
        batch_op.drop_column("decided_at")
        batch_op.drop_column("decided_by_id")
        batch_op.drop_column("by_consumer")
        batch_op.drop_column("reasons")
        batch_op.drop_constraint("plan_frequency", type_="check")
        batch_op.drop_column("frequency")
        batch_op.drop_column("balance_minor")

    with op.batch_alter_table("installments", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_installments_paid_in_range"), type_="check")
        batch_op.drop_column("missed_at")
        batch_op.drop_column("down_payment")
        batch_op.drop_column("paid_minor")

    with op.batch_alter_table("contracts", schema=None) as batch_op:
        for name in ("max_months_range", "grace_days_range", "missed_to_break_range"):
            batch_op.drop_constraint(op.f(f"ck_contracts_{name}"), type_="check")
        batch_op.drop_column("allocation_order")
        batch_op.drop_column("roll_missed_to_end")
        batch_op.drop_column("missed_to_break")
        batch_op.drop_column("grace_days")
        batch_op.drop_column("consumer_settlement_percent")
        batch_op.drop_column("min_payment_minor")
        batch_op.drop_column("min_down_payment_percent")
        batch_op.drop_column("min_installment_minor")
        batch_op.drop_column("max_months")
        batch_op.drop_column("settlements_allowed")

    with op.batch_alter_table("payment_reversals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_reversals_created_at"))
        batch_op.drop_index(batch_op.f("ix_payment_reversals_case_id"))

    op.drop_table("payment_reversals")
    with op.batch_alter_table("payment_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_payment_attempts_case_id")

    op.drop_table("payment_attempts")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_payments_provider_reference",
            postgresql_where=sa.text("provider_reference IS NOT NULL"),
            sqlite_where=sa.text("provider_reference IS NOT NULL"),
        )
        batch_op.drop_index("ix_payments_posted_at")
        batch_op.drop_index(batch_op.f("ix_payments_plan_id"))
        batch_op.drop_index(batch_op.f("ix_payments_installment_id"))
        batch_op.drop_index("ix_payments_case_id_effective_on")

    op.drop_table("payments")
    op.drop_table("self_service_access")
    with op.batch_alter_table("consumer_uploads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consumer_uploads_case_id"))

    op.drop_table("consumer_uploads")
