"""users choose their time zone; admins issue password reset links

``users.time_zone`` is the IANA zone a user's screens show times in (none: the agency's
``AGENCY_TIME_ZONE``).  ``password_resets`` holds the hash of each reset link an admin
issued, when it expires and when it was used: a link works once, before it expires.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 23:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import agency.db

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("time_zone", sa.String(length=64), nullable=True))
    op.create_table(
        "password_resets",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", KEY, nullable=False),
        sa.Column("issued_by_id", KEY, nullable=True),
        sa.Column("created_at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", agency.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", agency.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", KEY, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_password_resets_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"],
            ["users.id"],
            name=op.f("fk_password_resets_issued_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_resets")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_resets_token_hash")),
    )
    with op.batch_alter_table("password_resets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_password_resets_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("password_resets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_password_resets_user_id"))
    op.drop_table("password_resets")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("time_zone")
