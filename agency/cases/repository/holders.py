"""Who holds a phone number or an e-mail address: the consumers a reply from it may be
about, with their open cases."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.cases.models import CLOSED_STATUSES, Case, Channel, ContactPoint


def points_with_value(db: Session, channel: Channel, value: str) -> list[ContactPoint]:
    return list(
        db.scalars(
            select(ContactPoint)
            .where(ContactPoint.channel == channel, ContactPoint.value == value)
            .order_by(ContactPoint.id)
        )
    )


def open_cases_of(db: Session, consumer_ids: list[int]) -> list[Case]:
    if not consumer_ids:
        return []
    return list(
        db.scalars(
            select(Case)
            .where(Case.consumer_id.in_(consumer_ids), Case.status.not_in(CLOSED_STATUSES))
            .order_by(Case.id)
        )
    )
