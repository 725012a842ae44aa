"""Every query of the referrals domain.  Placements are always read for one client: a
merchant user's client, or the client an admin or an API key names."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from agency.kit.pagination import Page, PageRequest, paginate
from agency.referrals.models import Layout, Placement, PlacementRejection, PlacementStatus

PLACEMENT_SORTS = {
    "created": Placement.created_at,
    "file": Placement.file_name,
    "accepted": Placement.accepted,
    "rejected": Placement.rejected,
    "status": Placement.status,
}


def placement(db: Session, placement_id: int, *, client_id: int | None = None) -> Placement | None:
    """A placement, or None when it does not exist or is not ``client_id``'s."""
    query = select(Placement).where(Placement.id == placement_id)
    if client_id is not None:
        query = query.where(Placement.client_id == client_id)
    return db.scalar(query)


def placement_for_update(db: Session, placement_id: int) -> Placement | None:
    """The placement, locked for this transaction (PostgreSQL; SQLite has one writer),
    as it stands now (an object already loaded is refreshed)."""
    return db.scalar(
        select(Placement)
        .where(Placement.id == placement_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def holding_files(db: Session, *, previewed_before: datetime) -> list[Placement]:
    """Placements whose stored file is no longer wanted (locked): previews stored before
    ``previewed_before`` and never confirmed, and finished placements that still hold
    one."""
    query = select(Placement).where(
        Placement.stored_path.is_not(None),
        ((Placement.status == PlacementStatus.PREVIEWED) & (Placement.stored_at < previewed_before))
        | Placement.status.in_([PlacementStatus.COMPLETED, PlacementStatus.FAILED]),
    )
    return list(db.scalars(query.with_for_update()))


def stored_paths(db: Session) -> set[str]:
    """Every file a placement holds in the upload folder."""
    return set(db.scalars(select(Placement.stored_path).where(Placement.stored_path.is_not(None))))


def placement_by_checksum(db: Session, client_id: int, checksum: str) -> Placement | None:
    return db.scalar(
        select(Placement).where(Placement.client_id == client_id, Placement.checksum == checksum)
    )


def placement_by_idempotency_key(db: Session, client_id: int, key: str) -> Placement | None:
    return db.scalar(
        select(Placement).where(Placement.client_id == client_id, Placement.idempotency_key == key)
    )


def list_placements(db: Session, client_id: int | None, request: PageRequest) -> Page[Placement]:
    query = select(Placement)
    if client_id is not None:
        query = query.where(Placement.client_id == client_id)
    return paginate(
        db,
        query,
        request,
        PLACEMENT_SORTS,
        tiebreak=Placement.id,
        default_sort="created",
        default_dir="desc",
    )


def rejections(
    db: Session, placement_id: int, *, limit: int | None = None, after_row: int = 0
) -> list[PlacementRejection]:
    query = (
        select(PlacementRejection)
        .where(PlacementRejection.placement_id == placement_id, PlacementRejection.row > after_row)
        .order_by(PlacementRejection.row)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(db.scalars(query))


def count_rejections(db: Session, placement_id: int) -> int:
    return (
        db.scalar(
            select(func.count())
            .select_from(PlacementRejection)
            .where(PlacementRejection.placement_id == placement_id)
        )
        or 0
    )


def stalled(db: Session, *, heartbeat_before: datetime, queued_before: datetime) -> list[int]:
    """Placements whose run stopped (no heartbeat) or whose job never started."""
    query = select(Placement.id).where(
        (
            (Placement.status == PlacementStatus.RUNNING)
            & (Placement.heartbeat_at < heartbeat_before)
        )
        | ((Placement.status == PlacementStatus.QUEUED) & (Placement.created_at < queued_before))
    )
    return list(db.scalars(query))


def touch(db: Session, placement_id: int, runner: str, at: datetime) -> bool:
    """Heartbeat; False when another run has taken the placement over."""
    result = db.execute(
        update(Placement)
        .where(Placement.id == placement_id, Placement.runner == runner)
        .values(heartbeat_at=at)
    )
    return bool(getattr(result, "rowcount", 0))


def layouts_of(db: Session, client_id: int) -> list[Layout]:
    return list(
        db.scalars(select(Layout).where(Layout.client_id == client_id).order_by(Layout.name))
    )


def layout(
    db: Session, client_id: int, *, name: str | None = None, layout_id: int | None = None
) -> Layout | None:
    query = select(Layout).where(Layout.client_id == client_id)
    if name is not None:
        query = query.where(func.lower(Layout.name) == name.strip().lower())
    if layout_id is not None:
        query = query.where(Layout.id == layout_id)
    return db.scalar(query)
