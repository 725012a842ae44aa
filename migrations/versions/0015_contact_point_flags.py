"""contact point flags: compliance's own table, out of cases' contact_points

A contact point's consent, opted-out, do-not-call, do-not-use and workplace flags move to
``contact_point_flags``, one row per point that has any of them set (a point with no row
has them all off).

On SQLite the columns are dropped with ALTER TABLE DROP COLUMN (SQLite 3.35+), not a batch
rebuild of ``contact_points``: the rebuild drops the table, and with foreign keys on that
would cascade to the rows just copied.  The way down copies back with UPDATE ... FROM
(SQLite 3.33+).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 06:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import agency.db

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
COLUMNS = ("consent", "consent_at", "opted_out", "do_not_call", "do_not_use", "workplace")


def upgrade() -> None:
    op.create_table(
        "contact_point_flags",
        sa.Column("contact_point_id", KEY, nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("consent_at", agency.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("do_not_call", sa.Boolean(), nullable=False),
        sa.Column("do_not_use", sa.Boolean(), nullable=False),
        sa.Column("workplace", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_point_id"],
            ["contact_points.id"],
            name=op.f("fk_contact_point_flags_contact_point_id_contact_points"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("contact_point_id", name=op.f("pk_contact_point_flags")),
    )
    op.execute(
        "INSERT INTO contact_point_flags (contact_point_id, consent, consent_at, opted_out,"
        " do_not_call, do_not_use, workplace)"
        " SELECT id, consent, consent_at, opted_out, do_not_call, do_not_use, workplace"
        " FROM contact_points"
        " WHERE consent OR opted_out OR do_not_call OR do_not_use OR workplace"
    )
    for name in COLUMNS:
        op.drop_column("contact_points", name)


def downgrade() -> None:
    for name in COLUMNS:
        op.add_column(
            "contact_points",
            sa.Column(name, agency.db.UTCDateTime(timezone=True), nullable=True)
            if name == "consent_at"
            else sa.Column(name, sa.Boolean(), server_default=sa.false(), nullable=False),
        )
    op.execute(
        "UPDATE contact_points SET consent = f.consent, consent_at = f.consent_at,"
        " opted_out = f.opted_out, do_not_call = f.do_not_call, do_not_use = f.do_not_use,"
        " workplace = f.workplace"
        " FROM contact_point_flags f WHERE f.contact_point_id = contact_points.id"
    )
    op.drop_table("contact_point_flags")
