"""Every query of the compliance domain: facts for the gate, the contact points' flags,
the chain, ledger search.

Reads of consumers, contact points and cases are read-only joins into the cases domain:
the gate must see them in the same transaction as it writes the ledger entry.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    bindparam,
    exists,
    func,
    inspect,
    or_,
    select,
    text,
)
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased, joinedload
from sqlalchemy.orm.util import identity_key

from agency.auth.models import Role, User
from agency.cases.models import Case, Consumer, ContactPoint
from agency.compliance.chain import Head
from agency.compliance.models import (
    ClientPolicy,
    ComplianceFact,
    EntryKind,
    FactKind,
    LedgerAlarm,
    LedgerAlarmAck,
    LedgerCase,
    LedgerEntry,
    LedgerRuleHit,
    LedgerVerification,
    PointFlags,
    Source,
)
from agency.kit.errors import NotFound

# pg_advisory_xact_lock(classid, objid): the class that says "a ledger chain".
_CHAIN_LOCK_CLASS = 0x1ED6


def lock_chain(db: Session, consumer_id: int | None) -> None:
    """Serialize writers of one chain until the transaction ends (PostgreSQL).

    SQLite has one writer at a time anyway.  Taken *before* the facts are read, so two
    agents calling the same person at once cannot both be the 7th call.
    """
    if db.get_bind().dialect.name == "postgresql":
        key = (consumer_id or 0) % 2_147_483_647
        db.execute(
            text("SELECT pg_advisory_xact_lock(:cls, :key)"),
            {"cls": _CHAIN_LOCK_CLASS, "key": key},
        )


def lock_chains(db: Session, consumer_ids: Sequence[int]) -> None:
    """``lock_chain`` for several chains in one statement, in ascending key order (so two
    batches locking overlapping chains never deadlock)."""
    if db.get_bind().dialect.name == "postgresql" and consumer_ids:
        keys = sorted({consumer_id % 2_147_483_647 for consumer_id in consumer_ids})
        db.execute(
            text(
                "SELECT pg_advisory_xact_lock(:cls, s.k) FROM "
                "(SELECT k FROM unnest(CAST(:keys AS integer[])) AS k ORDER BY k) AS s"
            ),
            {"cls": _CHAIN_LOCK_CLASS, "keys": keys},
        )


def chain_head(db: Session, consumer_id: int | None) -> Head | None:
    """The position and hash of the newest entry of a chain (None for an empty chain)."""
    condition = (
        LedgerEntry.consumer_id.is_(None)
        if consumer_id is None
        else LedgerEntry.consumer_id == consumer_id
    )
    row = db.execute(
        select(LedgerEntry.seq, LedgerEntry.hash)
        .where(condition)
        .order_by(LedgerEntry.id.desc())
        .limit(1)
    ).one_or_none()
    return None if row is None else Head(seq=row.seq, hash=row.hash)


def consumer_with_points_and_cases(db: Session, consumer_id: int) -> Consumer:
    """The consumer with its contact points and cases loaded, in one statement."""
    consumer = consumers_with_points_and_cases(db, [consumer_id]).get(consumer_id)
    if consumer is None:
        raise NotFound("There is no such consumer.")
    return consumer


def consumers_with_points_and_cases(
    db: Session, consumer_ids: Collection[int]
) -> dict[int, Consumer]:
    """Those of the consumers that exist, each with its contact points and cases.  A
    consumer the session already holds with both loaded is not read again: the ORM would
    hand back the same object with the same collections (it refreshes neither without
    ``populate_existing``), and reading it costs a batch of the strategy runner, which
    has just read its consumers, a tenth of its time."""
    held: dict[int, Consumer] = {}
    for consumer_id in set(consumer_ids):
        consumer = db.identity_map.get(identity_key(Consumer, consumer_id))
        if isinstance(consumer, Consumer) and not _UNLOADED & inspect(consumer).unloaded:
            held[consumer_id] = consumer
    wanted = sorted(set(consumer_ids) - held.keys())
    if wanted:
        found = db.scalars(_consumers_statement(), {"consumers": wanted}).unique()
        held |= {consumer.id: consumer for consumer in found}
    return held


_UNLOADED = frozenset({"contact_points", "cases"})


# The gate's reads run on every contact and every "next case": each statement is built
# once, with bind parameters, so a call skips building it and computing its cache key.
# The points' flags are read with ``populate_existing``: the gate reads them after taking
# the consumer's chain, and a flags row the session already held from before (the
# strategy runner reads its batch first) must show what another transaction committed
# since — an opt-out — not what it held.  (What else can stop a contact arrives as a new
# fact row, read fresh; refreshing the consumer's cases would throw away the
# relationships the caller loaded on them.)


@cache
def _consumers_statement() -> Select[Consumer]:
    return (
        select(Consumer)
        .options(joinedload(Consumer.contact_points), joinedload(Consumer.cases))
        .where(Consumer.id.in_(bindparam("consumers", expanding=True)))
    )


def point_flag_rows(db: Session, point_ids: Collection[int]) -> Sequence[PointFlags]:
    """The flag rows of those of ``point_ids`` that have one (the gate reads them on
    every contact: the statement is built once)."""
    if not point_ids:
        return ()
    return db.scalars(_point_flags_statement(), {"points": sorted(point_ids)}).all()


@cache
def _point_flags_statement() -> Select[PointFlags]:
    return (
        select(PointFlags)
        .where(PointFlags.contact_point_id.in_(bindparam("points", expanding=True)))
        .execution_options(populate_existing=True)
    )


def calls_barred(point_id: ColumnElement[int] | InstrumentedAttribute[int]) -> ColumnElement[bool]:
    """SQL: no call may go to the point ``point_id`` names (do not call, or do not use);
    ``point_flags.Flags.no_calls`` in Python."""
    return exists().where(
        PointFlags.contact_point_id == point_id,
        or_(PointFlags.do_not_call, PointFlags.do_not_use),
    )


def consumer_cases(db: Session, consumer_id: int) -> list[Case]:
    return list(db.scalars(select(Case).where(Case.consumer_id == consumer_id).order_by(Case.id)))


def facts_of(db: Session, consumer_id: int) -> list[ComplianceFact]:
    return facts_of_consumers(db, [consumer_id]).get(consumer_id, [])


def facts_of_consumers(
    db: Session, consumer_ids: Collection[int]
) -> dict[int, list[ComplianceFact]]:
    """Each consumer's facts, oldest first (consumers with none are absent)."""
    by_consumer: dict[int, list[ComplianceFact]] = {}
    for fact in db.scalars(_facts_statement(), {"consumers": sorted(set(consumer_ids))}):
        by_consumer.setdefault(fact.consumer_id, []).append(fact)
    return by_consumer


@cache
def _facts_statement() -> Select[ComplianceFact]:
    return (
        select(ComplianceFact)
        .where(ComplianceFact.consumer_id.in_(bindparam("consumers", expanding=True)))
        .order_by(ComplianceFact.consumer_id, ComplianceFact.id)
    )


def consumer_ledger(db: Session, consumer_id: int) -> Sequence[Any]:
    """The consumer's chain, oldest first, with just what the gate reads: the contact
    history (attempts, outcomes, inbound contacts) and the chain's head (the last hash)."""
    return consumer_ledgers(db, [consumer_id]).get(consumer_id, [])


def consumer_ledgers(db: Session, consumer_ids: Collection[int]) -> dict[int, list[Any]]:
    """``consumer_ledger`` of several consumers in one statement (those with none absent)."""
    by_consumer: dict[int, list[Any]] = {}
    for row in db.execute(_ledger_statement(), {"consumers": sorted(set(consumer_ids))}):
        by_consumer.setdefault(row.consumer_id, []).append(row)
    return by_consumer


@cache
def _ledger_statement() -> Select[*tuple[Any, ...]]:
    return (
        select(
            LedgerEntry.consumer_id,
            LedgerEntry.id,
            LedgerEntry.kind,
            LedgerEntry.at,
            LedgerEntry.channel,
            LedgerEntry.direction,
            LedgerEntry.contact_point_id,
            LedgerEntry.case_ids,
            LedgerEntry.allowed,
            LedgerEntry.attempt_id,
            LedgerEntry.outcome,
            LedgerEntry.seq,
            LedgerEntry.hash,
        )
        .where(LedgerEntry.consumer_id.in_(bindparam("consumers", expanding=True)))
        .order_by(LedgerEntry.consumer_id, LedgerEntry.id)
    )


def policy_versions(db: Session, client_ids: Sequence[int]) -> list[ClientPolicy]:
    """The current policy version of each of these clients that has one."""
    newest: dict[int, ClientPolicy] = {}
    for version in db.scalars(_policies_statement(), {"clients": list(client_ids)}):
        newest.setdefault(version.client_id, version)
    return list(newest.values())


@cache
def _policies_statement() -> Select[ClientPolicy]:
    return (
        select(ClientPolicy)
        .where(ClientPolicy.client_id.in_(bindparam("clients", expanding=True)))
        .order_by(ClientPolicy.client_id, ClientPolicy.version.desc())
    )


def policy_history(db: Session, client_id: int) -> list[ClientPolicy]:
    return list(
        db.scalars(
            select(ClientPolicy)
            .where(ClientPolicy.client_id == client_id)
            .order_by(ClientPolicy.version.desc())
        )
    )


def entries(db: Session, entry_ids: Collection[int]) -> dict[int, LedgerEntry]:
    found = db.scalars(select(LedgerEntry).where(LedgerEntry.id.in_(sorted(set(entry_ids)))))
    return {entry.id: entry for entry in found}


def entry(db: Session, entry_id: int) -> LedgerEntry:
    found = db.get(LedgerEntry, entry_id)
    if found is None:
        raise NotFound("There is no such ledger entry.")
    return found


def attempt(db: Session, attempt_id: int) -> LedgerEntry | None:
    """The ledger entry ``attempt_id`` when it is an attempt, else None."""
    found = db.get(LedgerEntry, attempt_id)
    return found if found is not None and found.kind is EntryKind.ATTEMPT else None


def attempt_has_outcome(db: Session, attempt_id: int, *, source: Source | None = None) -> bool:
    """Whether an outcome of the attempt is in the ledger (only ``source``'s, if given: a
    call's outcome as the provider reported it still wants the agent's)."""
    found = exists().where(LedgerEntry.attempt_id == attempt_id)
    if source is not None:
        found = found.where(LedgerEntry.source == source)
    return bool(db.scalar(select(found)))


def case_ledger(db: Session, *, case_id: int, limit: int | None) -> list[LedgerEntry]:
    """The ledger entries about one case (through the ledger's case index), newest first;
    at most ``limit`` + 1 (so a page can say "more")."""
    about_case = select(LedgerCase.entry_id).where(LedgerCase.case_id == case_id)
    query = (
        select(LedgerEntry).where(LedgerEntry.id.in_(about_case)).order_by(LedgerEntry.id.desc())
    )
    return list(db.scalars(query if limit is None else query.limit(limit + 1)))


def has_contact_history(db: Session, consumer_id: int) -> bool:
    """Whether the ledger or the compliance facts hold anything of this consumer (they
    are append-only and kept per person: such a consumer cannot be folded into another)."""
    ledger = exists().where(LedgerEntry.consumer_id == consumer_id)
    facts = exists().where(ComplianceFact.consumer_id == consumer_id)
    return bool(db.scalar(select(or_(ledger, facts))))


def entries_in_chain_order(db: Session, *, batch: int = 5_000) -> Iterator[Row[Any]]:
    """Every entry as a plain row, chain by chain, oldest first (streamed in batches,
    never loaded at once, and not into the session's identity map)."""
    table = LedgerEntry.__table__
    statement = select(table).order_by(table.c.consumer_id, table.c.id)
    yield from db.execute(statement.execution_options(yield_per=batch))


def last_verification(db: Session) -> LedgerVerification | None:
    return db.scalar(
        select(LedgerVerification)
        .where(LedgerVerification.finished_at.is_not(None))
        .order_by(LedgerVerification.id.desc())
        .limit(1)
    )


def newest_checkpoint_name(db: Session) -> str | None:
    """The newest checkpoint the database records writing (names sort by time)."""
    names = [
        db.scalar(select(func.max(LedgerVerification.checkpoint))),
        db.scalar(select(func.max(LedgerAlarmAck.checkpoint))),
    ]
    return max((name for name in names if name is not None), default=None)


def alarms(db: Session) -> list[LedgerAlarm]:
    """Every alarm, oldest first (they are few: one per verification that found something
    new)."""
    return list(db.scalars(select(LedgerAlarm).order_by(LedgerAlarm.id)))


def alarm_acks(db: Session) -> dict[int, LedgerAlarmAck]:
    """Each acknowledged alarm's acknowledgment, by alarm id."""
    return {ack.alarm_id: ack for ack in db.scalars(select(LedgerAlarmAck))}


def alarm(db: Session, alarm_id: int) -> LedgerAlarm:
    found = db.get(LedgerAlarm, alarm_id)
    if found is None:
        raise NotFound("alarm")
    return found


def alarm_ack(db: Session, alarm_id: int) -> LedgerAlarmAck | None:
    return db.scalar(select(LedgerAlarmAck).where(LedgerAlarmAck.alarm_id == alarm_id))


def expired_consumers(db: Session, *, before_by_years: dict[int, datetime]) -> list[int]:
    """Consumers with a ledger whose cases are all closed and whose last activity (case
    closing, case update, ledger entry) is older than the cut-off for their retention
    period.  ``before_by_years`` maps retention years to the cut-off instant."""
    open_case = aliased(Case)
    last_entry = (
        select(LedgerEntry.consumer_id, func.max(LedgerEntry.at).label("last_at"))
        .where(LedgerEntry.consumer_id.is_not(None))
        .group_by(LedgerEntry.consumer_id)
        .subquery()
    )
    rows = db.execute(
        select(
            Consumer.id,
            Consumer.country,
            Consumer.region,
            last_entry.c.last_at,
            func.max(Case.updated_at),
            func.max(Case.closed_at),
        )
        .join(last_entry, last_entry.c.consumer_id == Consumer.id)
        .join(Case, Case.consumer_id == Consumer.id)
        .where(~exists().where(open_case.consumer_id == Consumer.id, open_case.closed_at.is_(None)))
        .group_by(Consumer.id, Consumer.country, Consumer.region, last_entry.c.last_at)
    ).all()
    from agency.compliance.catalogue import retention_years

    expired = []
    for consumer_id, country, region, last_at, updated, closed in rows:
        last = max(value for value in (last_at, updated, closed) if value is not None)
        if last < before_by_years[retention_years(country, region)]:
            expired.append(consumer_id)
    return expired


# ---- the officers' search ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LedgerFilter:
    """What a compliance officer can search the ledger by.  Every field is optional."""

    consumer_id: int | None = None
    case_id: int | None = None
    client_id: int | None = None
    agent_id: int | None = None
    channel: str | None = None
    rule_id: str | None = None
    decision: str | None = None  # "allowed" | "blocked"
    kind: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


def search(filters: LedgerFilter) -> Select[LedgerEntry]:
    """The entries matching ``filters``, newest first.  Each filter has an index that
    leads with it (see the models), so a selective filter stays fast on large ledgers."""
    statement = select(LedgerEntry)
    if filters.case_id is not None or filters.client_id is not None:
        link = select(LedgerCase.entry_id)
        if filters.case_id is not None:
            link = link.where(LedgerCase.case_id == filters.case_id)
        if filters.client_id is not None:
            link = link.where(LedgerCase.client_id == filters.client_id)
        link = _in_range(link, LedgerCase.at, filters)
        statement = statement.where(LedgerEntry.id.in_(link))
    if filters.rule_id:
        hits = _in_range(
            select(LedgerRuleHit.entry_id).where(LedgerRuleHit.rule_id == filters.rule_id),
            LedgerRuleHit.at,
            filters,
        )
        statement = statement.where(LedgerEntry.id.in_(hits))
    if filters.consumer_id is not None:
        statement = statement.where(LedgerEntry.consumer_id == filters.consumer_id)
    if filters.agent_id is not None:
        statement = statement.where(LedgerEntry.actor_id == filters.agent_id)
    if filters.channel:
        statement = statement.where(LedgerEntry.channel == filters.channel)
    if filters.kind:
        statement = statement.where(LedgerEntry.kind == EntryKind(filters.kind))
    if filters.decision == "blocked":
        statement = statement.where(LedgerEntry.allowed.is_(False))
    elif filters.decision == "allowed":
        statement = statement.where(LedgerEntry.allowed.is_(True))
    statement = _in_range(statement, LedgerEntry.at, filters)
    return statement.order_by(LedgerEntry.id.desc())


def _in_range(statement: Select[Any], column: Any, filters: LedgerFilter) -> Select[Any]:
    if filters.since is not None:
        statement = statement.where(column >= filters.since)
    if filters.until is not None:
        statement = statement.where(column < filters.until)
    return statement


def page_of(
    db: Session, filters: LedgerFilter, *, before_id: int | None, size: int
) -> tuple[list[LedgerEntry], int | None]:
    """One page of a search, keyset-paged by id (no COUNT over millions of rows): the
    entries and the ``before_id`` of the next (older) page, or None at the end."""
    statement = search(filters)
    if before_id is not None:
        statement = statement.where(LedgerEntry.id < before_id)
    rows = list(db.scalars(statement.limit(size + 1)))
    if len(rows) > size:
        return rows[:size], rows[size - 1].id
    return rows, None


def cases_of_entries(db: Session, entry_ids: Sequence[int]) -> dict[int, list[tuple[int, str]]]:
    """For each entry, its cases as (case id, client reference) — for listing pages."""
    found: dict[int, list[tuple[int, str]]] = {}
    if not entry_ids:
        return found
    rows = db.execute(
        select(LedgerCase.entry_id, Case.id, Case.client_reference)
        .join(Case, Case.id == LedgerCase.case_id)
        .where(LedgerCase.entry_id.in_(entry_ids))
        .order_by(LedgerCase.entry_id, Case.id)
    )
    for entry_id, case_id, reference in rows:
        found.setdefault(entry_id, []).append((case_id, reference))
    return found


def users_by_id(db: Session, user_ids: Sequence[int]) -> dict[int, User]:
    if not user_ids:
        return {}
    return {user.id: user for user in db.scalars(select(User).where(User.id.in_(user_ids)))}


def blocked_counts(
    db: Session, *, since: datetime, until: datetime, by: str
) -> list[tuple[str, str, int]]:
    """Blocked attempts per UTC day and per ``by`` (``rule``, ``client`` or ``agent``):
    (day as YYYY-MM-DD, key, count), for the officers' chart."""
    statement: Select[Any]
    if by == "rule":
        day = _utc_day(db, LedgerRuleHit.at)
        statement = (
            select(day, LedgerRuleHit.rule_id, func.count())
            .where(LedgerRuleHit.at >= since, LedgerRuleHit.at < until)
            .group_by(day, LedgerRuleHit.rule_id)
        )
    elif by == "client":
        day = _utc_day(db, LedgerCase.at)
        statement = (
            select(day, LedgerCase.client_id, func.count())
            .join(LedgerEntry, LedgerEntry.id == LedgerCase.entry_id)
            .where(LedgerCase.at >= since, LedgerCase.at < until, LedgerEntry.allowed.is_(False))
            .group_by(day, LedgerCase.client_id)
        )
    else:
        day = _utc_day(db, LedgerEntry.at)
        statement = (
            select(day, LedgerEntry.actor_id, func.count())
            .where(LedgerEntry.at >= since, LedgerEntry.at < until, LedgerEntry.allowed.is_(False))
            .group_by(day, LedgerEntry.actor_id)
        )
    return [
        (str(d), "" if key is None else str(key), int(n)) for d, key, n in db.execute(statement)
    ]


def _utc_day(db: Session, column: Any) -> Any:
    if db.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return func.strftime("%Y-%m-%d", column)


# ---- the officers' workspace -------------------------------------------------------------


def consumer_entries(db: Session, consumer_id: int) -> list[LedgerEntry]:
    """Every ledger entry of one consumer's chain, oldest first (the chain's order)."""
    return list(
        db.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.consumer_id == consumer_id)
            .order_by(LedgerEntry.id)
        )
    )


def consumer_or_none(db: Session, consumer_id: int) -> Consumer | None:
    return db.get(Consumer, consumer_id)


def cases_with_clients(db: Session, consumer_id: int) -> list[Case]:
    """A consumer's cases with their client loaded (for the timeline and the evidence)."""
    return list(
        db.scalars(
            select(Case)
            .options(joinedload(Case.client))
            .where(Case.consumer_id == consumer_id)
            .order_by(Case.id)
        )
    )


def cases_by_ids(db: Session, case_ids: Sequence[int]) -> dict[int, Case]:
    if not case_ids:
        return {}
    return {case.id: case for case in db.scalars(select(Case).where(Case.id.in_(case_ids)))}


def cases_matching(db: Session, text_value: str) -> list[Case]:
    """The cases a search box value names: the case with that id (when it is a number and
    exists), else every case with that client reference (case-insensitive)."""
    value = text_value.strip()
    if value.isdigit() and len(value) <= 18:
        found = db.get(Case, int(value))
        if found is not None:
            return [found]
    return list(
        db.scalars(
            select(Case)
            .where(func.lower(Case.client_reference) == value.lower())
            .order_by(Case.id)
            .limit(50)
        )
    )


def is_point_of(db: Session, *, consumer_id: int, point_id: int) -> bool:
    """Whether contact point ``point_id`` is one of this consumer's."""
    point = db.get(ContactPoint, point_id)
    return point is not None and point.consumer_id == consumer_id


def contact_points_of(db: Session, consumer_id: int) -> list[ContactPoint]:
    return list(
        db.scalars(
            select(ContactPoint)
            .where(ContactPoint.consumer_id == consumer_id)
            .order_by(ContactPoint.id)
        )
    )


def contact_points_by_id(db: Session, point_ids: Sequence[int]) -> dict[int, ContactPoint]:
    if not point_ids:
        return {}
    return {
        point.id: point
        for point in db.scalars(select(ContactPoint).where(ContactPoint.id.in_(point_ids)))
    }


def consumers_by_id(db: Session, consumer_ids: Sequence[int]) -> dict[int, Consumer]:
    if not consumer_ids:
        return {}
    return {
        consumer.id: consumer
        for consumer in db.scalars(select(Consumer).where(Consumer.id.in_(consumer_ids)))
    }


def contacting_staff(db: Session) -> list[User]:
    """Agents and supervisors by name: the people whose attempts the ledger filters by."""
    return list(
        db.scalars(
            select(User)
            .where(User.role.in_([Role.AGENT, Role.SUPERVISOR]))
            .order_by(User.full_name, User.id)
        )
    )


def blocked_between(db: Session, *, since: datetime, until: datetime) -> int:
    """How many attempts were blocked in [since, until) (the partial index covers it)."""
    return (
        db.scalar(
            select(func.count()).where(
                LedgerEntry.allowed.is_(False), LedgerEntry.at >= since, LedgerEntry.at < until
            )
        )
        or 0
    )


def recent_facts(db: Session, kinds: Sequence[FactKind], *, limit: int) -> list[ComplianceFact]:
    """The newest facts of these kinds (the officers' review list), newest first."""
    return list(
        db.scalars(
            select(ComplianceFact)
            .where(ComplianceFact.kind.in_(list(kinds)))
            .order_by(ComplianceFact.id.desc())
            .limit(limit)
        )
    )
