"""The look-ups and bulk writes of referral intake: open cases by reference, consumers by
national id or contact, consumers' time zones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import (
    select,
    tuple_,
    update,
)
from sqlalchemy.orm import Session

from agency.cases.matching import Holder
from agency.cases.models import (
    CLOSED_STATUSES,
    Case,
    Channel,
    Consumer,
    ContactPoint,
)
from agency.kit.bulk import one_of


@dataclass(frozen=True, slots=True)
class OpenCase:
    id: int
    consumer_id: int
    client_reference: str
    placement_id: int | None
    placement_row: int | None
    placed_at: datetime


def open_cases_by_reference(
    db: Session, client_id: int, references: list[str]
) -> dict[str, OpenCase]:
    """The client's open cases among ``references``."""
    if not references:
        return {}
    query = select(
        Case.id,
        Case.consumer_id,
        Case.client_reference,
        Case.placement_id,
        Case.placement_row,
        Case.placed_at,
    ).where(
        Case.client_id == client_id,
        one_of(db, Case.client_reference, references),
        Case.status.not_in(CLOSED_STATUSES),
    )
    return {row.client_reference: OpenCase(*row) for row in db.execute(query)}


def consumers_by_national_id(
    db: Session, identities: list[tuple[str, date | None]]
) -> dict[tuple[str, date | None], int]:
    """Consumers (of any client) by (national id hash, date of birth) pair.

    Pairs, not hashes: a hash of an SSN's last four digits is shared by many people, and
    fetching all of them would grow with every placement.
    """
    if not identities:
        return {}
    dated = [(h, d) for h, d in identities if d is not None]
    undated = sorted({h for h, d in identities if d is None})
    conditions = [  # pairs in chunks: one long row-value list overflows the SQL parser
        tuple_(Consumer.national_id_hash, Consumer.date_of_birth).in_(dated[i : i + 500])
        for i in range(0, len(dated), 500)
    ]
    if undated:
        conditions.append(
            one_of(db, Consumer.national_id_hash, undated) & Consumer.date_of_birth.is_(None)
        )
    rows: list[tuple[str | None, date | None, int]] = []
    for condition in conditions:
        query = select(Consumer.national_id_hash, Consumer.date_of_birth, Consumer.id)
        rows.extend((h, d, i) for h, d, i in db.execute(query.where(condition)))
    rows.sort(key=lambda row: row[2])
    found: dict[tuple[str, date | None], int] = {}
    for national_id_hash, date_of_birth, consumer_id in rows:
        found.setdefault((str(national_id_hash), date_of_birth), consumer_id)
    return found


def holders_by_contact(db: Session, client_id: int, values: list[str]) -> dict[str, list[Holder]]:
    """This client's cases whose consumer has a phone or e-mail among ``values``, with
    the names as placed and the consumer's date of birth, by value (for matching).

    Two plain index look-ups rather than one join: during a large placement the tables
    grow faster than their statistics, and a join planned on stale numbers was seen to
    take seconds where these take milliseconds.
    """
    if not values:
        return {}
    holders = db.execute(
        select(ContactPoint.value, ContactPoint.consumer_id)
        .where(
            ContactPoint.channel.in_((Channel.PHONE, Channel.EMAIL)),
            one_of(db, ContactPoint.value, values),
        )
        .order_by(ContactPoint.consumer_id)
    ).all()
    if not holders:
        return {}
    cases_of: dict[int, list[Holder]] = {}
    for row in db.execute(
        select(
            Case.consumer_id,
            Case.id,
            Case.client_reference,
            Case.first_name,
            Case.last_name,
            Consumer.date_of_birth,
        )
        .join(Consumer, Consumer.id == Case.consumer_id)
        .where(
            Case.client_id == client_id,
            one_of(db, Case.consumer_id, sorted({consumer_id for _, consumer_id in holders})),
        )
        .order_by(Case.id)
    ):
        cases_of.setdefault(row[0], []).append(Holder(*row))
    found: dict[str, list[Holder]] = {}
    for value, consumer_id in holders:
        found.setdefault(value, []).extend(cases_of.get(consumer_id, []))
    return found


def contact_values_of(db: Session, consumer_ids: list[int]) -> set[tuple[int, str, str]]:
    """(consumer, channel, value) already held, so a match adds only what is new."""
    if not consumer_ids:
        return set()
    query = select(ContactPoint.consumer_id, ContactPoint.channel, ContactPoint.value).where(
        one_of(db, ContactPoint.consumer_id, consumer_ids)
    )
    return {(cid, str(channel), value) for cid, channel, value in db.execute(query)}


def zones_of(db: Session, consumer_ids: list[int]) -> dict[int, list[str]]:
    if not consumer_ids:
        return {}
    query = select(Consumer.id, Consumer.timezones).where(one_of(db, Consumer.id, consumer_ids))
    return {consumer_id: list(zones or []) for consumer_id, zones in db.execute(query)}


def set_zones(db: Session, zones: dict[int, list[str]]) -> None:
    """Bulk update by primary key (ORM "bulk UPDATE by primary key")."""
    if zones:
        db.execute(
            update(Consumer), [{"id": cid, "timezones": value} for cid, value in zones.items()]
        )


def open_cases_for_update(db: Session, client_id: int, references: list[str]) -> list[Case]:
    if not references:
        return []
    return list(
        db.scalars(
            select(Case)
            .where(
                Case.client_id == client_id,
                Case.client_reference.in_(references),
                Case.status.not_in(CLOSED_STATUSES),
            )
            .with_for_update()
        )
    )
