"""outreach: templates and versions, the outbox and its events, inbound texts, client senders

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 08:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import agency.db

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "client_senders",
        sa.Column("client_id", KEY, nullable=False),
        sa.Column("email_from_name", sa.String(length=120), nullable=False),
        sa.Column("email_from_address", sa.String(length=320), nullable=False),
        sa.Column("reply_to", sa.String(length=320), nullable=True),
        sa.Column("sms_numbers", JSON, nullable=False),
        sa.Column("updated_at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_client_senders_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_client_senders")),
    )
    op.create_table(
        "message_templates",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "sms",
                "email",
                "letter",
                "voice",
                name="message_channel",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("segment_limit", sa.Integer(), nullable=True),
        sa.Column("first_contact", sa.Boolean(), nullable=False),
        sa.Column("suit_notice", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", KEY, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_templates")),
        sa.UniqueConstraint(
            "key", "channel", "language", name=op.f("uq_message_templates_key_channel_language")
        ),
    )
    op.create_table(
        "message_template_versions",
        sa.Column("template_id", KEY, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=True),
        sa.Column(
            "traits",
            JSON,
            nullable=False,
        ),
        sa.Column("by_user_id", KEY, nullable=True),
        sa.Column("at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("why", sa.String(length=500), nullable=False),
        sa.Column("id", KEY, nullable=False),
        sa.ForeignKeyConstraint(
            ["by_user_id"],
            ["users.id"],
            name=op.f("fk_message_template_versions_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["message_templates.id"],
            name=op.f("fk_message_template_versions_template_id_message_templates"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_template_versions")),
        sa.UniqueConstraint(
            "template_id", "version", name=op.f("uq_message_template_versions_template_id_version")
        ),
    )
    op.create_table(
        "inbound_messages",
        sa.Column("consumer_id", KEY, nullable=True),
        sa.Column("case_id", KEY, nullable=True),
        sa.Column("contact_point_id", KEY, nullable=True),
        sa.Column(
            "channel",
            sa.Enum(
                "sms",
                "email",
                "letter",
                "voice",
                name="message_channel",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("from_address", sa.String(length=320), nullable=False),
        sa.Column("to_address", sa.String(length=320), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("meaning", sa.String(length=10), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("provider_id", sa.String(length=100), nullable=False),
        sa.Column("received_at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", KEY, nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_inbound_messages_case_id_cases"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["consumer_id"],
            ["consumers.id"],
            name=op.f("fk_inbound_messages_consumer_id_consumers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["contact_point_id"],
            ["contact_points.id"],
            name=op.f("fk_inbound_messages_contact_point_id_contact_points"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_messages")),
        sa.UniqueConstraint(
            "provider", "provider_id", name=op.f("uq_inbound_messages_provider_provider_id")
        ),
    )
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inbound_messages_case_id_received_at", ["case_id", "received_at"], unique=False
        )

    op.create_table(
        "outbox_messages",
        sa.Column("case_id", KEY, nullable=False),
        sa.Column("consumer_id", KEY, nullable=False),
        sa.Column("client_id", KEY, nullable=False),
        sa.Column("contact_point_id", KEY, nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "sms",
                "email",
                "letter",
                "voice",
                name="message_channel",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "template_version_id",
            KEY,
            nullable=True,
        ),
        sa.Column("gate_template", sa.String(length=60), nullable=False),
        sa.Column("attempt_entry_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "sending",
                "sent",
                "delivered",
                "undelivered",
                "failed",
                "blocked",
                "deferred",
                name="message_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("from_address", sa.String(length=320), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=True),
        sa.Column("segments", sa.Integer(), nullable=True),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("provider_id", sa.String(length=100), nullable=True),
        sa.Column("provider_status", sa.String(length=32), nullable=True),
        sa.Column("message_key", sa.String(length=100), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("next_try_at", agency.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("job_at", agency.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("valid_until", agency.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "blocked_by",
            JSON,
            nullable=False,
        ),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("by_user_id", KEY, nullable=True),
        sa.Column("created_at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status_at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sending_at", agency.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", agency.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", KEY, nullable=False),
        sa.ForeignKeyConstraint(
            ["by_user_id"],
            ["users.id"],
            name=op.f("fk_outbox_messages_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_outbox_messages_case_id_cases"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_outbox_messages_client_id_clients"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["consumer_id"],
            ["consumers.id"],
            name=op.f("fk_outbox_messages_consumer_id_consumers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["contact_point_id"],
            ["contact_points.id"],
            name=op.f("fk_outbox_messages_contact_point_id_contact_points"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["template_version_id"],
            ["message_template_versions.id"],
            name=op.f("fk_outbox_messages_template_version_id_message_template_versions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
        sa.UniqueConstraint("message_key", name=op.f("uq_outbox_messages_message_key")),
        sa.UniqueConstraint(
            "provider", "provider_id", name=op.f("uq_outbox_messages_provider_provider_id")
        ),
    )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_messages_case_id_created_at", ["case_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_outbox_messages_client_id_created_at", ["client_id", "created_at"], unique=False
        )
        batch_op.create_index("ix_outbox_messages_created_at", ["created_at"], unique=False)
        batch_op.create_index(
            "ix_outbox_messages_waiting",
            ["next_try_at"],
            unique=False,
            postgresql_where=sa.text("status IN ('pending', 'deferred')"),
            sqlite_where=sa.text("status IN ('pending', 'deferred')"),
        )

    op.create_table(
        "outbox_events",
        sa.Column("message_id", KEY, nullable=False),
        sa.Column("at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "sending",
                "sent",
                "delivered",
                "undelivered",
                "failed",
                "blocked",
                "deferred",
                name="message_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("provider_status", sa.String(length=32), nullable=True),
        sa.Column(
            "detail",
            JSON,
            nullable=False,
        ),
        sa.Column("id", KEY, nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["outbox_messages.id"],
            name=op.f("fk_outbox_events_message_id_outbox_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_events")),
    )
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_events_message_id", ["message_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_events_message_id")

    op.drop_table("outbox_events")
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_messages_waiting")
        batch_op.drop_index("ix_outbox_messages_created_at")
        batch_op.drop_index("ix_outbox_messages_client_id_created_at")
        batch_op.drop_index("ix_outbox_messages_case_id_created_at")

    op.drop_table("outbox_messages")
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_messages_case_id_received_at")

    op.drop_table("inbound_messages")
    op.drop_table("message_template_versions")
    op.drop_table("message_templates")
    op.drop_table("client_senders")
