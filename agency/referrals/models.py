from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from agency.db import Base, BigIntKey, IdMixin, Json
from agency.kit import clock
from agency.kit.enums import db_enum


class PlacementKind(StrEnum):
    PLACEMENT = "placement"  # new accounts
    MAINTENANCE = "maintenance"  # recall / update / adjust / direct_payment


class PlacementSource(StrEnum):
    UPLOAD = "upload"
    API = "api"
    CLI = "cli"


class PlacementStatus(StrEnum):
    PREVIEWED = "previewed"  # read and checked, waiting for the merchant to confirm
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"  # could not be read, or stopped by a fault; nothing half-written

    @property
    def finished(self) -> bool:
        return self in (PlacementStatus.COMPLETED, PlacementStatus.FAILED)


class ReplacementPolicy(StrEnum):
    REJECT = "reject"  # an account already open with us is rejected (the default)
    UPDATE = "update"  # ... or its balance and contact data are updated


class Layout(IdMixin, Base):
    """How one client's files are read: its column names and its conventions."""

    __tablename__ = "layouts"
    __table_args__ = (UniqueConstraint("client_id", "name"),)

    client_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(60))
    # the client's column name -> standard field name ("" = ignore the column)
    mapping: Mapped[dict[str, str]] = mapped_column(Json, default=dict)
    date_order: Mapped[str] = mapped_column(String(3), default="mdy")  # slash dates: mdy/dmy
    decimal_comma: Mapped[bool] = mapped_column(Boolean, default=False)
    replacement_policy: Mapped[ReplacementPolicy] = mapped_column(
        db_enum(ReplacementPolicy, "replacement_policy"), default=ReplacementPolicy.REJECT
    )
    drop_bad_contacts: Mapped[bool] = mapped_column(Boolean, default=False)
    allow_short_rows: Mapped[bool] = mapped_column(Boolean, default=False)
    sheet: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)


class Placement(IdMixin, Base):
    """One referral batch — a file or an API push — and the accounting of every row.

    The same file (checksum) or the same idempotency key for a client is one placement:
    asking again returns this one.  Rows are written in batches, each committed with the
    progress counter, so a run that stops can resume where it left off.
    """

    __tablename__ = "placements"
    __table_args__ = (
        UniqueConstraint("client_id", "checksum"),
        UniqueConstraint("client_id", "idempotency_key"),
        Index("ix_placements_client_id_created_at", "client_id", "created_at"),
        Index("ix_placements_status", "status"),
    )

    client_id: Mapped[int] = mapped_column(BigIntKey, ForeignKey("clients.id", ondelete="RESTRICT"))
    kind: Mapped[PlacementKind] = mapped_column(db_enum(PlacementKind, "placement_kind"))
    source: Mapped[PlacementSource] = mapped_column(db_enum(PlacementSource, "placement_source"))
    status: Mapped[PlacementStatus] = mapped_column(
        db_enum(PlacementStatus, "placement_status"), default=PlacementStatus.PREVIEWED
    )
    file_name: Mapped[str | None] = mapped_column(String(255))
    checksum: Mapped[str | None] = mapped_column(String(64))  # SHA-256 of the file
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    # API pushes: a hash of the request, so a reused key with another body is refused,
    # and the answer given, so a retry gets exactly the same one.
    request_hash: Mapped[str | None] = mapped_column(String(64))
    response: Mapped[dict[str, Any] | None] = mapped_column(Json)
    # Uploads: what the preview found (counts, first rejected rows), for the merchant.
    preview: Mapped[dict[str, Any] | None] = mapped_column(Json)
    size_bytes: Mapped[int | None]
    stored_path: Mapped[str | None] = mapped_column(String(500))  # the upload, until done
    # When the copy was stored: a preview not confirmed within the retention loses it.
    stored_at: Mapped[datetime | None]
    file_format: Mapped[str | None] = mapped_column(String(8))  # csv / xlsx / json
    encoding: Mapped[str | None] = mapped_column(String(20))
    delimiter: Mapped[str | None] = mapped_column(String(4))
    layout_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("layouts.id", ondelete="SET NULL")
    )
    mapping: Mapped[dict[str, str]] = mapped_column(Json, default=dict)  # as used
    total_rows: Mapped[int | None]  # record rows in the file (header excluded)
    rows_done: Mapped[int] = mapped_column(default=0)
    accepted: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    replaced: Mapped[int] = mapped_column(default=0)  # re-placements that updated a case
    resumed: Mapped[int] = mapped_column(default=0)  # times a stopped run was picked up
    runner: Mapped[str | None] = mapped_column(String(32))  # the run that holds it now
    failure: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("users.id", ondelete="SET NULL")
    )
    api_key_id: Mapped[int | None] = mapped_column(
        BigIntKey, ForeignKey("api_keys.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    started_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class PlacementRejection(IdMixin, Base):
    """A rejected row: why, and its original cells (national ids blanked) so the
    merchant can download, fix and send it again."""

    __tablename__ = "placement_rejections"
    __table_args__ = (Index("ix_placement_rejections_placement_id_row", "placement_id", "row"),)

    placement_id: Mapped[int] = mapped_column(
        BigIntKey, ForeignKey("placements.id", ondelete="CASCADE")
    )
    row: Mapped[int]
    client_reference: Mapped[str | None] = mapped_column(String(64))
    errors: Mapped[list[dict[str, Any]]] = mapped_column(Json)  # [{"column", "message"}]
    cells: Mapped[list[str]] = mapped_column(Json)  # the row as sent, in file order
