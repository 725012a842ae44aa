"""The queries of possible same people: pairs of consumers a placement found, folding one
consumer into another, and links a supervisor should look at."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import (
    func,
    select,
    update,
)
from sqlalchemy.orm import Session

from agency.cases.models import (
    Case,
    Consumer,
    ConsumerPair,
    ContactPoint,
)
from agency.cases.repository.placing import contact_values_of, set_zones, zones_of


def pairs_of_placement(db: Session, placement_id: int, *, limit: int) -> list[ConsumerPair]:
    return list(
        db.scalars(
            select(ConsumerPair)
            .where(ConsumerPair.placement_id == placement_id)
            .order_by(ConsumerPair.id)
            .limit(limit)
        )
    )


def pair_for_update(db: Session, pair_id: int) -> ConsumerPair | None:
    return db.scalars(
        select(ConsumerPair).where(ConsumerPair.id == pair_id).with_for_update()
    ).first()


def cases_by_ids(db: Session, case_ids: Sequence[int]) -> dict[int, Case]:
    if not case_ids:
        return {}
    return {case.id: case for case in db.scalars(select(Case).where(Case.id.in_(case_ids)))}


def fold_consumer(db: Session, *, source_id: int, target_id: int) -> None:
    """Move every case and contact point of consumer ``source_id`` to ``target_id`` (a
    point the target already holds is dropped) and delete the source."""
    held = contact_values_of(db, [target_id])
    points = db.scalars(select(ContactPoint).where(ContactPoint.consumer_id == source_id))
    for point in points:
        if (target_id, str(point.channel), point.value) in held:
            db.delete(point)
        else:
            point.consumer_id = target_id
    db.execute(update(Case).where(Case.consumer_id == source_id).values(consumer_id=target_id))
    zones = zones_of(db, [source_id, target_id])
    set_zones(db, {target_id: sorted(set(zones.get(source_id, [])) | set(zones[target_id]))})
    db.flush()
    source = db.get(Consumer, source_id)
    assert source is not None
    db.delete(source)
    db.flush()


def suspicious_links(
    db: Session, *, after_id: int, limit: int
) -> list[tuple[Consumer, list[Case]]]:
    """Consumers holding cases placed under different names (at most ``limit``, from
    ``after_id`` on; the caller tells which names disagree).  Staff only: any client."""
    names = func.count(func.distinct(func.lower(Case.last_name + " " + Case.first_name)))
    shared = (
        select(Case.consumer_id)
        .where(Case.consumer_id > after_id)
        .group_by(Case.consumer_id)
        .having(names > 1)
        .order_by(Case.consumer_id)
        .limit(limit)
    )
    consumer_ids = list(db.scalars(shared))
    if not consumer_ids:
        return []
    cases: dict[int, list[Case]] = {}
    for placed in db.scalars(
        select(Case).where(Case.consumer_id.in_(consumer_ids)).order_by(Case.id)
    ):
        cases.setdefault(placed.consumer_id, []).append(placed)
    consumers = db.scalars(select(Consumer).where(Consumer.id.in_(consumer_ids)))
    return [(c, cases[c.id]) for c in sorted(consumers, key=lambda c: c.id)]
