"""Every query of the cases domain.  Tenant scoping lives here, once: a merchant viewer
only ever reaches rows of its own client, whatever the route asks for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, exists, func, or_, select, text, tuple_, update
from sqlalchemy.orm import Session, joinedload, selectinload

from agency.auth.models import User
from agency.auth.permissions import Viewer
from agency.cases.models import (
    CLOSED_STATUSES,
    Case,
    CaseStatus,
    Channel,
    Consumer,
    ContactPoint,
)
from agency.cases.schemas import CaseFilters
from agency.clients.models import Client
from agency.kit.bulk import one_of
from agency.kit.money import Money
from agency.kit.pagination import Page, PageRequest, paginate

_BALANCE = Case.principal_minor + Case.interest_minor + Case.fees_minor

CASE_SORTS = {
    "reference": Case.client_reference,
    "consumer": Consumer.last_name,
    "client": Client.name,
    "balance": _BALANCE,
    "status": Case.status,
    "placed": Case.placed_at,
    "agent": User.full_name,
}

CONSUMER_SORTS = {
    "name": Consumer.last_name,
    "country": Consumer.country,
    "region": Consumer.region,
    "created": Consumer.created_at,
}


def scope_cases(query: Select[Case], viewer: Viewer) -> Select[Case]:
    """Restrict a case query to what ``viewer`` may see."""
    if viewer.is_merchant:
        return query.where(Case.client_id == viewer.client_id)
    return query


def scope_consumers(query: Select[Consumer], viewer: Viewer) -> Select[Consumer]:
    """A merchant sees a consumer only through a case of its own client."""
    if viewer.is_merchant:
        return query.where(
            exists().where(Case.consumer_id == Consumer.id, Case.client_id == viewer.client_id)
        )
    return query


def _filtered(viewer: Viewer, filters: CaseFilters) -> Select[Case]:
    query = (
        select(Case)
        .join(Case.consumer)
        .join(Case.client)
        .outerjoin(User, User.id == Case.assigned_agent_id)
        .options(
            joinedload(Case.consumer), joinedload(Case.client), joinedload(Case.assigned_agent)
        )
    )
    query = scope_cases(query, viewer)
    if filters.status is not None:
        query = query.where(Case.status == filters.status)
    if filters.client_id is not None:
        query = query.where(Case.client_id == filters.client_id)
    if filters.agent == "me":
        query = query.where(Case.assigned_agent_id == viewer.user_id)
    elif filters.agent == "none":
        query = query.where(Case.assigned_agent_id.is_(None))
    elif isinstance(filters.agent, int):
        query = query.where(Case.assigned_agent_id == filters.agent)
    if filters.q:
        term = filters.q.lower()
        like = f"%{term}%"
        query = query.where(
            or_(
                func.lower(Case.client_reference) == term,
                func.lower(Consumer.last_name).like(like),
                func.lower(Consumer.first_name + " " + Consumer.last_name).like(like),
            )
        )
    return query


def list_cases(
    db: Session, viewer: Viewer, filters: CaseFilters, request: PageRequest
) -> Page[Case]:
    return paginate(
        db,
        _filtered(viewer, filters),
        request,
        CASE_SORTS,
        tiebreak=Case.id,
        default_sort="placed",
        default_dir="desc",
    )


def case_for_viewer(db: Session, viewer: Viewer, case_id: int) -> Case | None:
    """One case with what its page shows, or None when it does not exist *for this viewer*."""
    query = (
        select(Case)
        .options(
            joinedload(Case.consumer).selectinload(Consumer.contact_points),
            joinedload(Case.client),
            joinedload(Case.contract),
            joinedload(Case.assigned_agent),
        )
        .where(Case.id == case_id)
    )
    return db.scalar(scope_cases(query, viewer))


def other_cases_of_consumer(db: Session, viewer: Viewer, case: Case) -> list[Case]:
    query = (
        select(Case)
        .options(joinedload(Case.client))
        .where(Case.consumer_id == case.consumer_id, Case.id != case.id)
        .order_by(Case.placed_at.desc())
    )
    return list(db.scalars(scope_cases(query, viewer)))


def list_consumers(
    db: Session, viewer: Viewer, request: PageRequest, *, q: str | None = None
) -> Page[Consumer]:
    query = select(Consumer).options(selectinload(Consumer.contact_points))
    if q:
        like = f"%{q.lower()}%"
        query = query.where(
            or_(
                func.lower(Consumer.last_name).like(like),
                func.lower(Consumer.first_name + " " + Consumer.last_name).like(like),
            )
        )
    return paginate(
        db,
        scope_consumers(query, viewer),
        request,
        CONSUMER_SORTS,
        tiebreak=Consumer.id,
        default_sort="name",
    )


def case_counts_by_consumer(db: Session, viewer: Viewer, consumer_ids: list[int]) -> dict[int, int]:
    query = (
        select(Case.consumer_id, func.count())
        .where(Case.consumer_id.in_(consumer_ids))
        .group_by(Case.consumer_id)
    )
    if viewer.is_merchant:
        query = query.where(Case.client_id == viewer.client_id)
    return {consumer_id: int(count) for consumer_id, count in db.execute(query)}


@dataclass(frozen=True, slots=True)
class Totals:
    """Placed and current totals of a set of cases, per currency."""

    cases: int
    open_cases: int
    placed: list[Money]
    balance: list[Money]
    by_status: dict[CaseStatus, int]


def totals(db: Session, viewer: Viewer, *, client_id: int | None = None) -> Totals:
    """Counts and sums over the cases ``viewer`` may see (optionally one client's)."""
    base = select(
        Case.currency, Case.status, func.count(), func.sum(Case.placed_minor), func.sum(_BALANCE)
    ).group_by(Case.currency, Case.status)
    if viewer.is_merchant:
        base = base.where(Case.client_id == viewer.client_id)
    if client_id is not None:
        base = base.where(Case.client_id == client_id)
    placed: dict[str, int] = {}
    balance: dict[str, int] = {}
    by_status: dict[CaseStatus, int] = {}
    count = open_count = 0
    for currency, status, n, placed_sum, balance_sum in db.execute(base):
        count += n
        if status not in CLOSED_STATUSES:
            open_count += n
            balance[currency] = balance.get(currency, 0) + int(balance_sum or 0)
        placed[currency] = placed.get(currency, 0) + int(placed_sum or 0)
        by_status[status] = by_status.get(status, 0) + n
    return Totals(
        cases=count,
        open_cases=open_count,
        placed=[Money(v, c) for c, v in sorted(placed.items())],
        balance=[Money(v, c) for c, v in sorted(balance.items())],
        by_status={s: by_status[s] for s in CaseStatus if s in by_status},
    )


@dataclass(frozen=True, slots=True)
class WorkloadCell:
    cases: int
    balance: list[Money]


def open_workload(db: Session) -> dict[tuple[int | None, int], WorkloadCell]:
    """Open cases and their balance per (assigned agent or None, client)."""
    query = (
        select(
            Case.assigned_agent_id, Case.client_id, Case.currency, func.count(), func.sum(_BALANCE)
        )
        .where(Case.status.not_in(CLOSED_STATUSES))
        .group_by(Case.assigned_agent_id, Case.client_id, Case.currency)
    )
    cells: dict[tuple[int | None, int], WorkloadCell] = {}
    for agent_id, client_id, currency, n, balance in db.execute(query):
        key = (agent_id, client_id)
        previous = cells.get(key, WorkloadCell(0, []))
        cells[key] = WorkloadCell(
            previous.cases + n, [*previous.balance, Money(int(balance or 0), currency)]
        )
    return cells


# ---- placing accounts: the look-ups and bulk writes of referral intake -------------------


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


def consumers_by_contact(db: Session, client_id: int, values: list[str]) -> dict[str, int]:
    """Consumers of this client's cases that have a phone or e-mail among ``values``.

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
    of_client = set(
        db.scalars(
            select(Case.consumer_id).where(
                Case.client_id == client_id,
                one_of(db, Case.consumer_id, sorted({consumer_id for _, consumer_id in holders})),
            )
        )
    )
    found: dict[str, int] = {}
    for value, consumer_id in holders:
        if consumer_id in of_client:
            found.setdefault(value, consumer_id)
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


def case_by_id(db: Session, case_id: int) -> Case:
    case = db.get(Case, case_id)
    if case is None:
        raise LookupError(f"case {case_id} does not exist")
    return case


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


def refresh_statistics(db: Session) -> None:
    """ANALYZE the tables intake grows, so the planner sees their real size mid-load
    (autovacuum may be off, or may not have caught up with a million rows)."""
    for table in ("consumers", "contact_points", "cases"):
        db.execute(text(f"ANALYZE {table}"))
