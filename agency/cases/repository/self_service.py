"""The queries of the consumer's own page: the one case a self-service link names, with
what the page shows of it (the consumer and their contact points, the client and the
contract), and its row locked when the consumer changes it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from agency.cases.models import Case, Consumer


def page_case(db: Session, case_id: int, *, lock: bool = False) -> Case | None:
    """The case with its consumer (and contact points, loaded by a second query only
    when ``lock``: the pages that change the case), client and contract; its row locked
    until the transaction ends (PostgreSQL) when ``lock``."""
    consumer = joinedload(Case.consumer)
    query = (
        select(Case)
        .options(
            consumer.selectinload(Consumer.contact_points) if lock else consumer,
            joinedload(Case.client),
            joinedload(Case.contract),
        )
        .where(Case.id == case_id)
    )
    if lock and db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Case)
    return db.scalars(query).unique().one_or_none()
