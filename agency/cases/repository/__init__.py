"""Every query of the cases domain.  Tenant scoping lives here, once: a merchant viewer
only ever reaches rows of its own client, whatever the route asks for."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    Subquery,
    and_,
    cast,
    exists,
    func,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.orm import QueryableAttribute, Session, joinedload, selectinload

from agency.auth.models import Role, User
from agency.auth.permissions import Viewer
from agency.cases.models import (
    CLOSED_STATUSES,
    QUEUE_STATUSES,
    AgentProfile,
    Callback,
    Case,
    CaseNote,
    CaseStatus,
    Channel,
    Consumer,
    ContactPoint,
    StatusChange,
)
from agency.cases.schemas import CaseFilters
from agency.clients.models import Client
from agency.kit import clock
from agency.kit.emails import BadEmail, normalize_email
from agency.kit.money import Money
from agency.kit.pagination import Page, PageRequest, paginate
from agency.kit.phones import parse_phone
from agency.payments.models import PaymentPlan, PlanKind
from agency.referrals.models import Placement

_Query = TypeVar("_Query", bound=Select[*tuple[Any, ...]])
BALANCE = Case.principal_minor + Case.interest_minor + Case.fees_minor

CASE_SORTS = {
    "reference": Case.client_reference,
    "consumer": Case.last_name,
    "client": Client.name,
    "balance": BALANCE,
    "status": Case.status,
    "placed": Case.placed_at,
    "agent": User.full_name,
    "due": Case.next_action_at,
}

CONSUMER_SORTS = {
    "name": Consumer.last_name,
    "country": Consumer.country,
    "region": Consumer.region,
    "created": Consumer.created_at,
}


def scope_cases(query: _Query, viewer: Viewer) -> _Query:
    """Restrict a case query (of cases or of their columns) to what ``viewer`` may see."""
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


def points_seen(viewer: Viewer) -> ColumnElement[bool]:
    """The contact points ``viewer`` may see: a merchant only those its own client's
    placements gave us (and those with no client recorded); staff all of them."""
    if viewer.is_merchant:
        return or_(
            ContactPoint.source_client_id.is_(None),
            ContactPoint.source_client_id == viewer.client_id,
        )
    return true()


def points_seen_of(viewer: Viewer, points: Sequence[ContactPoint]) -> list[ContactPoint]:
    """``points_seen`` over contact points already loaded (the case page's)."""
    if not viewer.is_merchant:
        return list(points)
    return [p for p in points if p.source_client_id in (None, viewer.client_id)]


def _names_like(viewer: Viewer, like: str) -> list[ColumnElement[bool]]:
    """A case list's name search: the name as the case's client placed it, and for staff
    the consumer row's too (the first placement's), so the consumer list's links find
    every case of the person.  A merchant never matches another client's spelling."""
    names = [(Case.first_name, Case.last_name)]
    if not viewer.is_merchant:
        names.append((Consumer.first_name, Consumer.last_name))
    return [
        condition
        for first, last in names
        for condition in (
            func.lower(last).like(like, escape="\\"),
            func.lower(first + " " + last).like(like, escape="\\"),
        )
    ]


def filtered(viewer: Viewer, filters: CaseFilters) -> Select[Case]:
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
    if filters.placement_id is not None:
        query = query.where(Case.placement_id == filters.placement_id)
    if filters.agent == "me" and viewer.role is Role.AGENT:
        # The agent's own list: their book, their leases and their team's pool.
        query = query.where(agents_cases(viewer.user_id, clock.now()))
    elif filters.agent == "me":
        query = query.where(Case.assigned_agent_id == viewer.user_id)
    elif filters.agent == "none":
        query = query.where(Case.assigned_agent_id.is_(None))
    elif isinstance(filters.agent, int):
        query = query.where(Case.assigned_agent_id == filters.agent)
    if filters.q:
        term = filters.q.strip().lower()
        like = f"%{_like_literal(term)}%"
        query = query.where(
            or_(
                func.lower(Case.client_reference).like(f"{_like_literal(term)}%", escape="\\"),
                *_names_like(viewer, like),
                *[term for term in [contact_search(filters.q, viewer)] if term is not None],
            )
        )
    if filters.due_today:
        query = query.where(due_by(clock.today()[1]))
    return _supervisor_filtered(query, filters)


def _supervisor_filtered(query: Select[Case], filters: CaseFilters) -> Select[Case]:
    """The filters behind the supervisor's numbers (agency.cases.supervisor_views)."""
    now = clock.now()
    if filters.team_id is not None:
        query = query.where(Case.team_id == filters.team_id)
    if filters.unassigned:
        query = query.where(Case.assigned_agent_id.is_(None), Case.team_id.is_(None))
    if filters.open_only or filters.unassigned:
        query = query.where(Case.status.not_in(CLOSED_STATUSES))
    if filters.workable:
        query = query.where(Case.status.in_(QUEUE_STATUSES), Case.workable_at <= now)
    if filters.hold_rule:
        query = query.where(
            Case.status.in_(QUEUE_STATUSES),
            Case.workable_at > now,
            hold_rule_is(filters.hold_rule),
        )
    if filters.today is not None:
        since, _ = clock.today(now)
        if filters.today == "worked":
            query = query.where(Case.last_attempt_at >= since)
        elif filters.today == "contacted":
            query = query.where(Case.last_contact_at >= since)
        else:
            promises = promises_made(since)
            query = query.where(
                exists().where(
                    promises.c.case_id == Case.id,
                    *(
                        [promises.c.created_by_id == Case.assigned_agent_id]
                        if filters.agent is not None
                        else []
                    ),
                )
            )
    return query


def _like_literal(text: str) -> str:
    """``text`` for a LIKE pattern (with ``escape="\\"``): its wildcards taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def promises_made(since: datetime) -> Subquery:
    """The promises made since ``since``, as rows of (``case_id``, ``created_by_id``).

    A documented read-only join on payments' table (design.md §3, rule 6): the
    supervisor's "promised today" filter and counts test it per case; payments writes it
    (``payments.service.record_promise``)."""
    return (
        select(PaymentPlan.case_id, PaymentPlan.created_by_id)
        .where(PaymentPlan.kind == PlanKind.PROMISE, PaymentPlan.created_at >= since)
        .subquery("promises")
    )


def hold_rule_is(rule_id: str) -> ColumnElement[bool]:
    """``rule_id`` is among the case's ``hold_rules``: the JSON list's text contains it in
    quotes (the same on both backends; rule ids need no JSON escaping)."""
    escaped = _like_literal(rule_id)
    return cast(Case.hold_rules, String).like(f'%"{escaped}"%', escape="\\")


def list_cases(
    db: Session, viewer: Viewer, filters: CaseFilters, request: PageRequest
) -> Page[Case]:
    return paginate(
        db,
        filtered(viewer, filters),
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
    """Consumers by name (the consumer row's or any spelling a client placed them under;
    a merchant: only its own cases' spellings), client reference, phone or e-mail."""
    query = select(Consumer).options(selectinload(Consumer.contact_points))
    if q and q.strip():
        query = query.where(consumer_matches(viewer, q))
    return paginate(
        db,
        scope_consumers(query, viewer),
        request,
        CONSUMER_SORTS,
        tiebreak=Consumer.id,
        default_sort="name",
    )


def placed_names(
    db: Session, viewer: Viewer, consumers: Sequence[Consumer]
) -> dict[int, list[str]]:
    """The other spellings clients placed each consumer under ("Last, First"), beside the
    consumer row's own (a merchant: only its own cases')."""
    if not consumers:
        return {}
    query = (
        select(Case.consumer_id, Case.last_name, Case.first_name)
        .where(Case.consumer_id.in_([c.id for c in consumers]))
        .distinct()
        .order_by(Case.consumer_id, Case.last_name, Case.first_name)
    )
    own = {c.id: (c.last_name, c.first_name) for c in consumers}
    found: dict[int, list[str]] = {}
    for consumer_id, last, first in db.execute(scope_cases(query, viewer)):
        if (last, first) != own[consumer_id]:
            found.setdefault(consumer_id, []).append(f"{last}, {first}")
    return found


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
        Case.currency, Case.status, func.count(), func.sum(Case.placed_minor), func.sum(BALANCE)
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
            Case.assigned_agent_id, Case.client_id, Case.currency, func.count(), func.sum(BALANCE)
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


def case_by_id(db: Session, case_id: int) -> Case:
    case = db.get(Case, case_id)
    if case is None:
        raise LookupError(f"case {case_id} does not exist")
    return case


def refresh_statistics(db: Session) -> None:
    """ANALYZE the tables intake grows, so the planner sees their real size mid-load
    (autovacuum may be off, or may not have caught up with a million rows)."""
    for table in ("consumers", "contact_points", "cases"):
        db.execute(text(f"ANALYZE {table}"))


# ---- the agent's workspace: "next case", the agent's list, the case page ---------------


def agent_team_id(db: Session, user_id: int) -> int | None:
    """The team whose shared pool the user works (AgentProfile.team_id; None without one)."""
    return db.scalar(select(AgentProfile.team_id).where(AgentProfile.user_id == user_id))


def agents_cases(user_id: int, now: datetime) -> ColumnElement[bool]:
    """The cases an agent works: assigned to them, leased to them now, or waiting in the
    shared pool of their team (one condition, no extra round trip for the team)."""
    team = select(AgentProfile.team_id).where(AgentProfile.user_id == user_id).scalar_subquery()
    return or_(
        Case.assigned_agent_id == user_id,
        and_(Case.lease_agent_id == user_id, Case.lease_expires_at > now),
        and_(Case.assigned_agent_id.is_(None), Case.team_id.is_not(None), Case.team_id == team),
    )


def due_by(until: datetime) -> ColumnElement[bool]:
    """Open cases whose callback or promise (``next_action_at``) falls due before ``until``."""
    return and_(
        Case.next_action_at.is_not(None),
        Case.next_action_at < until,
        Case.status.not_in(CLOSED_STATUSES),
    )


def contact_values(q: str) -> list[str] | None:
    """The stored forms a phone (normalized to E.164 as intake does, US numbers without
    ``+``) or e-mail address typed as ``q`` may have; None when ``q`` is neither."""
    if "@" in q:
        try:
            value = normalize_email(q)
        except BadEmail:
            return None
        return [value, value.lower()]
    if sum(ch.isdigit() for ch in q) >= 7:
        phone = parse_phone(q, "US")
        return None if phone is None else [phone.e164]
    return None


def _holds_contact(
    consumer_id: QueryableAttribute[int], values: list[str], viewer: Viewer
) -> ColumnElement[bool]:
    """The consumer has one of these phones or e-mails among the points ``viewer`` may see."""
    return exists().where(
        ContactPoint.consumer_id == consumer_id,
        ContactPoint.channel.in_((Channel.PHONE, Channel.EMAIL)),
        ContactPoint.value.in_(values),
        points_seen(viewer),
    )


def contact_search(q: str, viewer: Viewer) -> ColumnElement[bool] | None:
    """Cases whose consumer has this phone or e-mail (``contact_values``) among the
    points ``viewer`` may see (a merchant: its own client's); None when ``q`` is neither."""
    values = contact_values(q)
    return None if values is None else _holds_contact(Case.consumer_id, values, viewer)


def consumer_matches(viewer: Viewer, q: str) -> ColumnElement[bool]:
    """Consumers whose name (the consumer row's, or as a client placed them: a merchant
    only its own cases'), client reference (whole, of a case ``viewer`` may see), phone
    or e-mail (in the normalized form the database keeps, among the points the viewer
    may see) matches ``q``."""
    term = q.strip().lower()
    like = f"%{_like_literal(term)}%"
    placed = scope_cases(
        select(Case.consumer_id).where(
            or_(
                func.lower(Case.client_reference) == term,
                func.lower(Case.last_name).like(like, escape="\\"),
                func.lower(Case.first_name + " " + Case.last_name).like(like, escape="\\"),
            )
        ),
        viewer,
    )
    matches: list[ColumnElement[bool]] = [Consumer.id.in_(placed)]
    if not viewer.is_merchant:
        matches += [
            func.lower(Consumer.last_name).like(like, escape="\\"),
            func.lower(Consumer.first_name + " " + Consumer.last_name).like(like, escape="\\"),
        ]
    values = contact_values(q.strip())
    if values is not None:
        matches.append(_holds_contact(Consumer.id, values, viewer))
    return or_(*matches)


def find_consumers(db: Session, viewer: Viewer, q: str, *, limit: int) -> list[Consumer]:
    """The consumer picker's matches (``consumer_matches``) that ``viewer`` may see, by
    name, at most ``limit``."""
    if not q.strip():
        return []
    query = (
        select(Consumer)
        .where(consumer_matches(viewer, q))
        .order_by(Consumer.last_name, Consumer.first_name, Consumer.id)
        .limit(limit)
    )
    return list(db.scalars(scope_consumers(query, viewer)))


def references_by_consumer(
    db: Session, viewer: Viewer, consumer_ids: Sequence[int]
) -> dict[int, list[str]]:
    """The client references of each consumer's cases that ``viewer`` may see."""
    if not consumer_ids:
        return {}
    query = (
        select(Case.consumer_id, Case.client_reference)
        .where(Case.consumer_id.in_(consumer_ids))
        .order_by(Case.consumer_id, Case.id)
    )
    found: dict[int, list[str]] = {}
    for consumer_id, reference in db.execute(scope_cases(query, viewer)):
        found.setdefault(consumer_id, []).append(reference)
    return found


def consumer_for_viewer(db: Session, viewer: Viewer, consumer_id: int) -> Consumer | None:
    return db.scalar(scope_consumers(select(Consumer).where(Consumer.id == consumer_id), viewer))


def earliest_workable(db: Session, *, agent_id: int, team_id: int | None) -> datetime | None:
    """When the first case of the agent's book (or team pool) becomes workable again."""
    owner = Case.assigned_agent_id == agent_id
    if team_id is not None:
        owner = or_(owner, and_(Case.assigned_agent_id.is_(None), Case.team_id == team_id))
    return db.scalar(
        select(func.min(Case.workable_at)).where(owner, Case.status.in_(QUEUE_STATUSES))
    )


def consumer_of(db: Session, case: Case) -> Consumer:
    """The case's consumer (from the session's identity map when already loaded)."""
    return db.get_one(Consumer, case.consumer_id)


def case_for_update(db: Session, viewer: Viewer, case_id: int) -> Case | None:
    """A case an action will change, with its consumer, or None when the viewer may not
    see it (merchants: another client's)."""
    query = select(Case).options(joinedload(Case.consumer)).where(Case.id == case_id)
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Case)
    return db.scalar(scope_cases(query, viewer))


def other_open_cases(db: Session, viewer: Viewer, case: Case) -> list[Case]:
    """The consumer's other open cases at this agency that ``viewer`` may see."""
    query = (
        select(Case)
        .options(joinedload(Case.client))
        .where(
            Case.consumer_id == case.consumer_id,
            Case.id != case.id,
            Case.status.not_in(CLOSED_STATUSES),
        )
        .order_by(Case.placed_at.desc(), Case.id.desc())
    )
    return list(db.scalars(scope_cases(query, viewer)))


def case_records(
    db: Session, case_id: int, *, limit: int | None
) -> tuple[list[CaseNote], list[StatusChange], list[Callback]]:
    """The case's notes, status changes and callbacks, newest first, each read with one
    statement and at most ``limit`` + 1 rows (so the page can say "more")."""

    def newest(model: Any, at: Any) -> list[Any]:
        query = select(model).where(model.case_id == case_id).order_by(at.desc(), model.id.desc())
        return list(db.scalars(query if limit is None else query.limit(limit + 1)))

    notes = newest(CaseNote, CaseNote.at)
    changes = newest(StatusChange, StatusChange.at)
    callbacks = newest(Callback, Callback.created_at)
    return notes, changes, callbacks


@dataclass(frozen=True, slots=True)
class PlacementSource:
    id: int
    source: str
    file_name: str | None
    created_at: datetime


def placement_source(db: Session, placement_id: int | None) -> PlacementSource | None:
    """Where the case came from: its placement's source (upload or API) and file."""
    if placement_id is None:
        return None
    row = db.execute(
        select(Placement.id, Placement.source, Placement.file_name, Placement.created_at).where(
            Placement.id == placement_id
        )
    ).one_or_none()
    if row is None:
        return None
    return PlacementSource(row.id, str(row.source.value), row.file_name, row.created_at)


def references_of(db: Session, case_ids: Sequence[int]) -> dict[int, str]:
    if not case_ids:
        return {}
    query = select(Case.id, Case.client_reference).where(Case.id.in_(sorted(set(case_ids))))
    return {case_id: reference for case_id, reference in db.execute(query)}  # noqa: C416
