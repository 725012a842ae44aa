"""outreach: each pool number's next free time (pacing), a text's turn on its number and
its count of rate-limit answers

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 11:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import agency.db

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sms_number_slots",
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("next_free_at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_sms_number_slots")),
    )
    op.add_column(
        "outbox_messages",
        sa.Column("rate_limits", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )
    op.add_column(
        "outbox_messages",
        sa.Column("slot_at", agency.db.UTCDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_column("slot_at")
        batch.drop_column("rate_limits")
    op.drop_table("sms_number_slots")
