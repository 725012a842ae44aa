"""Every query of the cases domain.  Tenant scoping lives here, once: a merchant viewer
only ever reaches rows of its own client, whatever the route asks for."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    Subquery,
    and_,
    case,
    cast,
    exists,
    func,
    or_,
    select,
    text,
    true,
    tuple_,
    update,
)
from sqlalchemy.orm import QueryableAttribute, Session, joinedload, selectinload

from agency.auth.models import Role, User
from agency.auth.permissions import Viewer
from agency.cases.matching import Holder
from agency.cases.models import (
    CLOSED_STATUSES,
    QUEUE_STATUSES,
    AgentProfile,
    AssignmentChange,
    AssignmentRule,
    AssignmentRuleEdit,
    Callback,
    Case,
    CaseNote,
    CaseStatus,
    Channel,
    Consumer,
    ConsumerPair,
    ContactPoint,
    MoveBatch,
    StatusChange,
    Team,
)
from agency.cases.schemas import CaseFilters
from agency.clients.models import Client
from agency.kit import clock
from agency.kit.bulk import one_of
from agency.kit.emails import BadEmail, normalize_email
from agency.kit.money import Money
from agency.kit.pagination import Page, PageRequest, paginate
from agency.kit.phones import parse_phone
from agency.payments.models import PaymentPlan, PlanKind
from agency.referrals.models import Placement

_Query = TypeVar("_Query", bound=Select[*tuple[Any, ...]])
_BALANCE = Case.principal_minor + Case.interest_minor + Case.fees_minor

CASE_SORTS = {
    "reference": Case.client_reference,
    "consumer": Case.last_name,
    "client": Client.name,
    "balance": _BALANCE,
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
            promises = _promises_made(since)
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


# ---- assignment and the supervisor's view (agency.cases.assignment) -------------------


def teams(db: Session) -> list[Team]:
    return list(db.scalars(select(Team).order_by(Team.name, Team.id)))


def team_by_id(db: Session, team_id: int) -> Team | None:
    return db.get(Team, team_id)


def team_ties(db: Session, team_id: int) -> tuple[int, int]:
    """(open cases in the team's pool, assignment rules that send cases to it)."""
    cases = db.scalar(
        select(func.count())
        .select_from(Case)
        .where(
            Case.team_id == team_id,
            Case.assigned_agent_id.is_(None),
            Case.status.not_in(CLOSED_STATUSES),
        )
    )
    rules = db.scalar(
        select(func.count()).select_from(AssignmentRule).where(AssignmentRule.team_id == team_id)
    )
    return cases or 0, rules or 0


def team_by_name(db: Session, name: str) -> Team | None:
    return db.scalar(select(Team).where(func.lower(Team.name) == name.lower()))


def agent_profiles(db: Session, user_ids: Sequence[int] | None = None) -> dict[int, AgentProfile]:
    """Profiles by user id (all of them, or those of ``user_ids``)."""
    query = select(AgentProfile)
    if user_ids is not None:
        query = query.where(AgentProfile.user_id.in_(list(user_ids)))
    return {profile.user_id: profile for profile in db.scalars(query)}


def assignment_rules(
    db: Session, *, active_only: bool = False, for_update: bool = False
) -> list[AssignmentRule]:
    """Rules in the order they are tried (``position``, then age).  ``for_update`` locks
    them, so two assignment runs take turns (the round-robin cursor and the loads they
    compute stay right)."""
    query = select(AssignmentRule).order_by(AssignmentRule.position, AssignmentRule.id)
    if active_only:
        query = query.where(AssignmentRule.is_active.is_(True))
    if for_update:
        query = query.with_for_update()
    return list(db.scalars(query))


def assignment_rule(db: Session, rule_id: int) -> AssignmentRule | None:
    return db.get(AssignmentRule, rule_id)


def rule_edits(db: Session, rule_id: int) -> list[AssignmentRuleEdit]:
    """A rule's history, newest first."""
    return list(
        db.scalars(
            select(AssignmentRuleEdit)
            .where(AssignmentRuleEdit.rule_id == rule_id)
            .order_by(AssignmentRuleEdit.at.desc(), AssignmentRuleEdit.id.desc())
        )
    )


def open_loads(db: Session, agent_ids: Sequence[int]) -> list[tuple[int, str, int, int]]:
    """(agent, currency, open cases, open balance in minor units) for ``agent_ids``."""
    if not agent_ids:
        return []
    query = (
        select(Case.assigned_agent_id, Case.currency, func.count(), func.sum(_BALANCE))
        .where(
            Case.assigned_agent_id.in_(sorted(set(agent_ids))),
            Case.status.not_in(CLOSED_STATUSES),
        )
        .group_by(Case.assigned_agent_id, Case.currency)
    )
    return [(int(a or 0), str(c), int(n), int(b or 0)) for a, c, n, b in db.execute(query)]


def unassigned_new_case_ids(db: Session, placement_id: int) -> list[int]:
    """The placement's cases still waiting for assignment: new, no agent, no team."""
    return list(
        db.scalars(
            select(Case.id)
            .where(
                Case.placement_id == placement_id,
                Case.status == CaseStatus.NEW,
                Case.assigned_agent_id.is_(None),
                Case.team_id.is_(None),
            )
            .order_by(Case.id)
        )
    )


def cases_to_assign(db: Session, case_ids: Sequence[int], *, unassigned_only: bool) -> list[Case]:
    """Open cases among ``case_ids`` with their consumers, locked for the change.

    ``unassigned_only`` (the assignment job): only cases with neither agent nor team, and
    on PostgreSQL rows another run holds are skipped rather than waited for.
    """
    if not case_ids:
        return []
    query = (
        select(Case)
        .options(selectinload(Case.consumer))
        .where(one_of(db, Case.id, list(case_ids)), Case.status.not_in(CLOSED_STATUSES))
        .order_by(Case.id)
    )
    if unassigned_only:
        query = query.where(Case.assigned_agent_id.is_(None), Case.team_id.is_(None))
    query = query.with_for_update(skip_locked=unassigned_only)
    return list(db.scalars(query))


def open_case_ids_of_agent(db: Session, agent_id: int) -> list[int]:
    """The agent's open book, biggest balance first (spread first, spread most evenly)."""
    return list(
        db.scalars(
            select(Case.id)
            .where(Case.assigned_agent_id == agent_id, Case.status.not_in(CLOSED_STATUSES))
            .order_by(_BALANCE.desc(), Case.id)
        )
    )


def filtered_case_ids(db: Session, viewer: Viewer, filters: CaseFilters) -> list[int]:
    """Ids of the open cases a case list with ``filters`` shows (for bulk reassignment)."""
    listing = _filtered(viewer, filters).where(Case.status.not_in(CLOSED_STATUSES)).subquery()
    return list(db.scalars(select(listing.c.id).order_by(listing.c.id)))


@dataclass(frozen=True, slots=True)
class MoveGroup:
    """Open cases a bulk move would take that share a client, a place, a language and a
    holder (the preview per client and country, and the agent's skills, come from these)."""

    client: str
    country: str
    region: str | None
    language: str | None
    agent_id: int | None
    cases: int


def move_groups(db: Session, case_ids: Sequence[int]) -> list[MoveGroup]:
    """``case_ids``, open ones, grouped by client name, consumer's country, region and
    language, and current agent: one grouped query, however many cases."""
    if not case_ids:
        return []
    query = (
        select(
            Client.name,
            Consumer.country,
            Consumer.region,
            Consumer.language,
            Case.assigned_agent_id,
            func.count(),
        )
        .join(Case.client)
        .join(Case.consumer)
        .where(one_of(db, Case.id, list(case_ids)), Case.status.not_in(CLOSED_STATUSES))
        .group_by(
            Client.name,
            Consumer.country,
            Consumer.region,
            Consumer.language,
            Case.assigned_agent_id,
        )
        .order_by(Client.name, Consumer.country)
    )
    return [MoveGroup(*row[:5], cases=int(row[5])) for row in db.execute(query)]


def lock_agent_profile(db: Session, agent_id: int) -> None:
    """Hold the agent's profile row until commit, so two moves onto one agent check their
    capacity in turn (an agent without a profile has no capacity to exceed)."""
    db.execute(
        select(AgentProfile.user_id).where(AgentProfile.user_id == agent_id).with_for_update()
    )


def move_batch(db: Session, batch_id: int) -> MoveBatch | None:
    return db.get(MoveBatch, batch_id)


def recent_moves(db: Session, limit: int = 10) -> list[MoveBatch]:
    """The latest bulk moves, newest first (each page offers its undo)."""
    return list(
        db.scalars(
            select(MoveBatch).order_by(MoveBatch.at.desc(), MoveBatch.id.desc()).limit(limit)
        )
    )


def batch_changes(db: Session, batch_id: int) -> list[AssignmentChange]:
    """The changes a bulk move made, one per case it moved, by case."""
    return list(
        db.scalars(
            select(AssignmentChange)
            .where(AssignmentChange.batch_id == batch_id)
            .order_by(AssignmentChange.case_id)
        )
    )


def latest_change_ids(db: Session, case_ids: Sequence[int]) -> dict[int, int]:
    """The newest ``AssignmentChange`` id of each of ``case_ids``."""
    if not case_ids:
        return {}
    query = (
        select(AssignmentChange.case_id, func.max(AssignmentChange.id))
        .where(one_of(db, AssignmentChange.case_id, list(case_ids)))
        .group_by(AssignmentChange.case_id)
    )
    return {int(case_id): int(latest) for case_id, latest in db.execute(query)}


def mark_undone(db: Session, batch_id: int, *, by_user_id: int, at: datetime) -> bool:
    """Mark the move undone unless it already is: a conditional update, so of two
    supervisors undoing at once exactly one gets True."""
    result = db.execute(
        update(MoveBatch)
        .where(MoveBatch.id == batch_id, MoveBatch.undone_at.is_(None))
        .values(undone_at=at, undone_by_id=by_user_id)
        .execution_options(synchronize_session="fetch")
    )
    return bool(getattr(result, "rowcount", 0))


def assignment_history(db: Session, case_id: int) -> list[AssignmentChange]:
    return list(
        db.scalars(
            select(AssignmentChange)
            .where(AssignmentChange.case_id == case_id)
            .order_by(AssignmentChange.at.desc(), AssignmentChange.id.desc())
        )
    )


@dataclass(frozen=True, slots=True)
class QueueStats:
    """One book (an agent's) or pool (a team's): what is open and what is workable now."""

    open_cases: int = 0
    balance: tuple[Money, ...] = ()
    workable: int = 0
    oldest_workable_at: datetime | None = None


def queue_stats(
    db: Session, now: datetime
) -> tuple[dict[int, QueueStats], dict[int, QueueStats], QueueStats]:
    """Open and workable cases per agent's book, per team pool, and unassigned (neither).

    One grouped query: workable = a queue status and ``workable_at`` reached.
    """
    is_workable = and_(Case.status.in_(QUEUE_STATUSES), Case.workable_at <= now)
    query = (
        select(
            Case.assigned_agent_id,
            case((Case.assigned_agent_id.is_(None), Case.team_id), else_=None),
            Case.currency,
            func.count(),
            func.sum(_BALANCE),
            func.sum(case((is_workable, 1), else_=0)),
            func.min(case((is_workable, Case.workable_at), else_=None)),
        )
        .where(Case.status.not_in(CLOSED_STATUSES))
        .group_by(
            Case.assigned_agent_id,
            case((Case.assigned_agent_id.is_(None), Case.team_id), else_=None),
            Case.currency,
        )
    )
    agents: dict[int, QueueStats] = {}
    pools: dict[int, QueueStats] = {}
    unassigned = QueueStats()
    for agent_id, team_id, currency, n, balance, workable, oldest in db.execute(query):
        if agent_id is not None:
            agents[agent_id] = _more(agents.get(agent_id), currency, n, balance, workable, oldest)
        elif team_id is not None:
            pools[team_id] = _more(pools.get(team_id), currency, n, balance, workable, oldest)
        else:
            unassigned = _more(unassigned, currency, n, balance, workable, oldest)
    return agents, pools, unassigned


def _more(
    stats: QueueStats | None,
    currency: str,
    n: int,
    balance: int | None,
    workable: int | None,
    oldest: datetime | None,
) -> QueueStats:
    stats = stats or QueueStats()
    if oldest is not None and oldest.tzinfo is None:  # SQLite's MIN() gives back text
        oldest = oldest.replace(tzinfo=UTC)
    earliest = min((t for t in (stats.oldest_workable_at, oldest) if t is not None), default=None)
    return QueueStats(
        open_cases=stats.open_cases + int(n),
        balance=(*stats.balance, Money(int(balance or 0), currency)),
        workable=stats.workable + int(workable or 0),
        oldest_workable_at=earliest,
    )


@dataclass(frozen=True, slots=True)
class Today:
    worked: int = 0
    contacted: int = 0
    promised: int = 0


def _promises_made(since: datetime) -> Subquery:
    """The promises made since ``since``, as rows of (``case_id``, ``created_by_id``).

    A documented read-only join on payments' table (design.md §3, rule 6): the
    supervisor's "promised today" filter and counts test it per case; payments writes it
    (``payments.service.record_promise``)."""
    return (
        select(PaymentPlan.case_id, PaymentPlan.created_by_id)
        .where(PaymentPlan.kind == PlanKind.PROMISE, PaymentPlan.created_at >= since)
        .subquery("promises")
    )


def today_per_agent(db: Session, since: datetime) -> dict[int, Today]:
    """Per holder: cases called since ``since``, reached since, and given a promise since
    by their holder (the same sets the case list's ``today`` filter shows)."""
    worked_or_reached = (
        select(
            Case.assigned_agent_id,
            func.sum(case((Case.last_attempt_at >= since, 1), else_=0)),
            func.sum(case((Case.last_contact_at >= since, 1), else_=0)),
        )
        .where(
            Case.assigned_agent_id.is_not(None),
            or_(Case.last_attempt_at >= since, Case.last_contact_at >= since),
        )
        .group_by(Case.assigned_agent_id)
    )
    found: dict[int, Today] = {}
    for agent_id, worked, contacted in db.execute(worked_or_reached):
        found[agent_id] = Today(int(worked or 0), int(contacted or 0), 0)
    promises = _promises_made(since)
    promised = (
        select(Case.assigned_agent_id, func.count(func.distinct(Case.id)))
        .join(promises, promises.c.case_id == Case.id)
        .where(promises.c.created_by_id == Case.assigned_agent_id)
        .group_by(Case.assigned_agent_id)
    )
    for holder, n in db.execute(promised):
        previous = found.get(int(holder or 0), Today())
        found[int(holder or 0)] = Today(previous.worked, previous.contacted, int(n))
    return found


def held_by_rule(db: Session, now: datetime) -> dict[str, int]:
    """Cases the gate holds out of the queue (``workable_at`` still ahead), per rule id.

    Grouped by the JSON list in SQL (few distinct lists), then split per rule.
    """
    query = (
        select(cast(Case.hold_rules, String), func.count())
        .where(Case.status.in_(QUEUE_STATUSES), Case.workable_at > now)
        .group_by(cast(Case.hold_rules, String))
    )
    counts: dict[str, int] = {}
    for rules_text, n in db.execute(query):
        for rule_id in _json_list(rules_text):
            counts[rule_id] = counts.get(rule_id, 0) + int(n)
    return counts


def _json_list(value: str | None) -> list[str]:
    try:
        parsed = json.loads(value or "[]")
    except ValueError:
        return []
    return [str(item) for item in parsed] if isinstance(parsed, list) else []


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

    def capped(query: Select[Any]) -> Select[Any]:
        return query if limit is None else query.limit(limit + 1)

    notes = list(
        db.scalars(
            capped(
                select(CaseNote)
                .where(CaseNote.case_id == case_id)
                .order_by(CaseNote.at.desc(), CaseNote.id.desc())
            )
        )
    )
    changes = list(
        db.scalars(
            capped(
                select(StatusChange)
                .where(StatusChange.case_id == case_id)
                .order_by(StatusChange.at.desc(), StatusChange.id.desc())
            )
        )
    )
    callbacks = list(
        db.scalars(
            capped(
                select(Callback)
                .where(Callback.case_id == case_id)
                .order_by(Callback.created_at.desc(), Callback.id.desc())
            )
        )
    )
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


# ---- possible same people ------------------------------------------------------------


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
