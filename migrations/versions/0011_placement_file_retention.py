"""placements say when their file was stored; oversized previews are let go

An uploaded file waits in the upload folder for its placement to be confirmed; a
preview never confirmed kept its copy (personal data) for ever.  ``stored_at`` says when
the copy was made, so a periodic job deletes the copies of previews left unconfirmed
for ``AGENCY_PREVIEW_RETENTION_HOURS``.  Existing copies count from their placement's
creation.

Before the file limits, a file of 100,000 columns made a preview of hundreds of
megabytes, which crashed the server again for whoever opened the placement.  Such a
placement (a stored preview over 1 MB; within the limits a preview is a few hundred
KB at most) is marked failed with the reason, its preview emptied; the job deletes its
file.  That cannot be undone: the downgrade only drops the column.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import agency.db

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
OVERSIZED = 1_000_000
FAILURE = (
    "its preview was too large to keep (a file beyond the limits of a referral file); "
    "upload it again within them"
)


def upgrade() -> None:
    with op.batch_alter_table("placements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stored_at", agency.db.UTCDateTime(timezone=True)))
    placements = sa.table(
        "placements",
        sa.column("stored_path", sa.String),
        sa.column("stored_at", agency.db.UTCDateTime()),
        sa.column("created_at", agency.db.UTCDateTime()),
        sa.column("status", sa.String),
        sa.column("preview", JSON),
        sa.column("failure", sa.Text),
        sa.column("finished_at", agency.db.UTCDateTime()),
    )
    db = op.get_bind()
    db.execute(
        placements.update()
        .where(placements.c.stored_path.is_not(None))
        .values(stored_at=placements.c.created_at)
    )
    db.execute(
        placements.update()
        .where(
            placements.c.status == "previewed",
            sa.func.length(sa.cast(placements.c.preview, sa.Text)) > OVERSIZED,
        )
        .values(
            status="failed",
            failure=FAILURE,
            preview={"header": []},
            finished_at=placements.c.created_at,
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("placements", schema=None) as batch_op:
        batch_op.drop_column("stored_at")
