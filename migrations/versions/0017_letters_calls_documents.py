"""outreach: kept documents, letter print batches, click-to-call calls, E-SIGN consents;
the phone click-to-call rings for each user

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 11:39:22.244527
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import agency.db

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "esign_consents",
        sa.Column(
            "consumer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "contact_point_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("given_at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("how", sa.String(length=200), nullable=False),
        sa.Column(
            "recorded_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("recorded_at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", agency.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "withdrawn_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["consumer_id"],
            ["consumers.id"],
            name=op.f("fk_esign_consents_consumer_id_consumers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["contact_point_id"],
            ["contact_points.id"],
            name=op.f("fk_esign_consents_contact_point_id_contact_points"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_esign_consents_recorded_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by_id"],
            ["users.id"],
            name=op.f("fk_esign_consents_withdrawn_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_esign_consents")),
    )
    with op.batch_alter_table("esign_consents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_esign_consents_consumer_id"), ["consumer_id"], unique=False
        )
        batch_op.create_index(
            "ix_esign_consents_contact_point_id", ["contact_point_id"], unique=False
        )

    op.create_table(
        "letter_batches",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("letters", sa.Integer(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column(
            "by_user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("created_at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_user_id"],
            ["users.id"],
            name=op.f("fk_letter_batches_by_user_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letter_batches")),
    )
    with op.batch_alter_table("letter_batches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_letter_batches_day"), ["day"], unique=False)

    op.create_table(
        "voice_calls",
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "consumer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "contact_point_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("attempt_entry_id", sa.BigInteger(), nullable=False),
        sa.Column("agent_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("agent_phone", sa.String(length=32), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "ringing_agent",
                "connecting",
                "in_progress",
                "completed",
                "no_answer",
                "busy",
                "failed",
                "canceled",
                name="call_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("provider_id", sa.String(length=64), nullable=True),
        sa.Column("consumer_call_id", sa.String(length=64), nullable=True),
        sa.Column("duration_seconds", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("created_at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status_at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", agency.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", agency.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["users.id"],
            name=op.f("fk_voice_calls_agent_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_voice_calls_case_id_cases"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["consumer_id"],
            ["consumers.id"],
            name=op.f("fk_voice_calls_consumer_id_consumers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["contact_point_id"],
            ["contact_points.id"],
            name=op.f("fk_voice_calls_contact_point_id_contact_points"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voice_calls")),
        sa.UniqueConstraint(
            "provider", "provider_id", name=op.f("uq_voice_calls_provider_provider_id")
        ),
    )
    with op.batch_alter_table("voice_calls", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_voice_calls_attempt_entry_id"), ["attempt_entry_id"], unique=False
        )
        batch_op.create_index(
            "ix_voice_calls_case_id_created_at", ["case_id", "created_at"], unique=False
        )

    op.create_table(
        "outreach_documents",
        sa.Column(
            "kind",
            sa.Enum(
                "letter",
                "validation_notice",
                "print_batch",
                "manifest",
                name="document_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column(
            "by_user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("created_at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["letter_batches.id"],
            name=op.f("fk_outreach_documents_batch_id_letter_batches"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["by_user_id"],
            ["users.id"],
            name=op.f("fk_outreach_documents_by_user_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_outreach_documents_case_id_cases"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["outbox_messages.id"],
            name=op.f("fk_outreach_documents_message_id_outbox_messages"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_documents")),
    )
    with op.batch_alter_table("outreach_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outreach_documents_batch_id"), ["batch_id"], unique=False
        )
        batch_op.create_index(
            "ix_outreach_documents_case_id_created_at", ["case_id", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outreach_documents_message_id"), ["message_id"], unique=False
        )

    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "letter_batch_id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                nullable=True,
            )
        )
        batch_op.create_index(
            batch_op.f("ix_outbox_messages_letter_batch_id"), ["letter_batch_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_messages_letter_batch_id_letter_batches"),
            "letter_batches",
            ["letter_batch_id"],
            ["id"],
            ondelete="RESTRICT",
        )

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("phone")

    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_outbox_messages_letter_batch_id_letter_batches"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_outbox_messages_letter_batch_id"))
        batch_op.drop_column("letter_batch_id")

    with op.batch_alter_table("outreach_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outreach_documents_message_id"))
        batch_op.drop_index("ix_outreach_documents_case_id_created_at")
        batch_op.drop_index(batch_op.f("ix_outreach_documents_batch_id"))

    op.drop_table("outreach_documents")
    with op.batch_alter_table("voice_calls", schema=None) as batch_op:
        batch_op.drop_index("ix_voice_calls_case_id_created_at")
        batch_op.drop_index(batch_op.f("ix_voice_calls_attempt_entry_id"))

    op.drop_table("voice_calls")
    with op.batch_alter_table("letter_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_letter_batches_day"))

    op.drop_table("letter_batches")
    with op.batch_alter_table("esign_consents", schema=None) as batch_op:
        batch_op.drop_index("ix_esign_consents_contact_point_id")
        batch_op.drop_index(batch_op.f("ix_esign_consents_consumer_id"))

    op.drop_table("esign_consents")
