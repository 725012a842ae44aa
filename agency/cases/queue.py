"""The agent's queue: "next case", its lease, and the order cases are offered in.

A pick is one statement: the highest-priority workable case of the agent's book (then,
if the book has none, of their team's shared pool) is leased to the agent — on
PostgreSQL with ``FOR UPDATE SKIP LOCKED`` over a partial index, so two agents never get
the same case and neither waits for the other; on SQLite the single writer makes the
same statement just as exclusive.  A lease lapses after ``queue_lease_minutes``.

Workable means: an open working status (``QUEUE_STATUSES``), ``workable_at`` reached, no
live lease.  Only cases marked ``ready`` are in the pick's indexes: a pick, a skip or a
gate hold takes the case out (``workable_at`` = when it may come back) and the wake job
(``wake``, every minute) puts it back, so a pick never walks past the cases it may not
offer, however many are leased or held.

Before a picked case is offered the compliance gate is asked (read-only) whether a call
could be placed now; if not, the case is deferred to the gate's
``next_allowed_at`` with the blocking rule ids (``hold_rules``) — quiet hours in every
zone, 7 calls in 7 days, a dispute awaiting verification, a cease — and the next one is
tried.  Order: ``priority`` (callbacks due, promises due, never contacted, balance), then
the freshest placement.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import cast

from sqlalchemy import (
    BigInteger,
    BindParameter,
    ColumnElement,
    ScalarSelect,
    Table,
    and_,
    bindparam,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningUpdate, Update

from agency.cases.models import QUEUE_STATUSES_SQL, AgentProfile, Case, Channel, ContactPoint
from agency.compliance import service as compliance
from agency.config import get_settings
from agency.db import UTCDateTime
from agency.kit import clock

# Deferred with no date the gate can name (cease, do-not-call everywhere, no phone).
FOREVER = datetime(9999, 12, 31, tzinfo=UTC)
NO_PHONE = "AGENCY-NO-PHONE"  # a hold reason that is not a gate rule: nothing to call
# Checked candidates per pick before giving up (each deferred case leaves the queue).
MAX_TRIES = 25

# Priority parts (higher is offered first).
CALLBACK_DUE = 4000
PROMISE_DUE = 3000
NEVER_CONTACTED = 2000
BALANCE_CAP = 1000  # one point per 100 major units of balance, up to this


def priority(
    case: Case,
    *,
    callback: bool = False,
    promise: bool = False,
    never_contacted: bool | None = None,
) -> int:
    """The queue priority of ``case``: a callback or a promise falling due first, then
    cases we have never reached, then by balance."""
    fresh = case.last_contact_at is None if never_contacted is None else never_contacted
    return rank(case.balance.minor, never_contacted=fresh, callback=callback, promise=promise)


def rank(
    balance_minor: int, *, never_contacted: bool, callback: bool = False, promise: bool = False
) -> int:
    """``priority`` from its parts (intake ranks new cases with it, in bulk)."""
    return (
        (CALLBACK_DUE if callback else 0)
        + (PROMISE_DUE if promise else 0)
        + (NEVER_CONTACTED if never_contacted else 0)
        + min(BALANCE_CAP, balance_minor // 10_000)
    )


# The queue's statements run on every "next case": each is built once with bind
# parameters, on the table itself (no ORM entity to load or keep in step).
CASES = cast(Table, Case.__table__)


def _workable(now: BindParameter[datetime]) -> ColumnElement[bool]:
    # Spelled as in the partial indexes so the planner can always use them.
    return and_(
        text(f"cases.ready AND cases.status IN ({QUEUE_STATUSES_SQL})"),
        CASES.c.workable_at <= now,
        or_(CASES.c.lease_expires_at.is_(None), CASES.c.lease_expires_at <= now),
    )


@cache
def pick_statement(postgres: bool) -> ReturningUpdate[int, int]:
    """The pick, built once: lease the agent (``:agent``) the best workable case of their
    book or, if the book has none, of their team's pool (the team read from their
    profile in the same statement).  ``COALESCE`` runs the pool's subquery only when the
    book's finds nothing.  Returns the leased case's id and consumer."""
    agent = bindparam("agent", type_=BigInteger)
    now = bindparam("now", type_=UTCDateTime)
    until = bindparam("until", type_=UTCDateTime)
    profiles = cast(Table, AgentProfile.__table__)
    team = select(profiles.c.team_id).where(profiles.c.user_id == agent).scalar_subquery()

    def best(owner: ColumnElement[bool]) -> ScalarSelect[int]:
        found = (
            select(CASES.c.id)
            .where(owner, _workable(now))
            .order_by(CASES.c.priority.desc(), CASES.c.placed_at.desc(), CASES.c.id.desc())
            .limit(1)
        )
        return (found.with_for_update(skip_locked=True) if postgres else found).scalar_subquery()

    return (
        update(CASES)
        .where(CASES.c.id == func.coalesce(best(book(agent)), best(pool(team))))
        .values(lease_agent_id=agent, lease_expires_at=until, workable_at=until, ready=False)
        .returning(CASES.c.id, CASES.c.consumer_id)
    )


def book(agent_id: BindParameter[int]) -> ColumnElement[bool]:
    return CASES.c.assigned_agent_id == agent_id


def pool(team_id: ColumnElement[int | None]) -> ColumnElement[bool]:
    return and_(CASES.c.team_id == team_id, text("cases.assigned_agent_id IS NULL"))


def next_case(db: Session, *, agent_id: int, leaving: int | None = None) -> Case | None:
    """Lease the agent the highest-priority case they may call now, or None.

    ``leaving``: the case the agent moves on from; its lease ends and, if it was not
    worked, it waits ``queue_skip_minutes`` before it is offered again.  (Other leases
    simply lapse: finding them would need an index on the lease, and every pick would
    then update an indexed column — no HOT update, dead index entries.)  A case from the
    team pool (no ``assigned_agent_id``) is only leased: it stays in the pool until the
    agent acts on it (``assignment.take_from_pool``), so a case they skip goes back to
    the whole team.
    """
    now = clock.now()
    if leaving is not None:
        skip(db, agent_id=agent_id, case_id=leaving)
    statement = pick_statement(db.get_bind().dialect.name == "postgresql")
    until = now + timedelta(minutes=get_settings().queue_lease_minutes)
    for _ in range(MAX_TRIES):
        picked = db.execute(statement, {"agent": agent_id, "now": now, "until": until}).first()
        if picked is None:
            return None
        case_id, consumer_id = picked
        _expire_if_loaded(db, case_id)
        case, hold = _hold(db, consumer_id=consumer_id, case_id=case_id, at=now)
        if hold is None:
            return case
        defer(case, until=hold[0], rules=hold[1])
    return None


def _expire_if_loaded(db: Session, case_id: int) -> None:
    """The pick changed the case's row behind the session: a copy already loaded is
    refreshed by the next read of it."""
    loaded = db.identity_map.get(db.identity_key(Case, case_id))
    if loaded is not None:
        db.expire(loaded)


def call_hold(db: Session, case: Case, at: datetime) -> tuple[datetime, list[str]] | None:
    """None when the gate would let a call about ``case`` go to one of the consumer's
    phones at ``at``; otherwise when it first would (``FOREVER`` if waiting cannot help)
    and the rules that block it."""
    return _hold(db, consumer_id=case.consumer_id, case_id=case.id, at=at)[1]


def _hold(
    db: Session, *, consumer_id: int, case_id: int, at: datetime
) -> tuple[Case, tuple[datetime, list[str]] | None]:
    """``call_hold`` by ids, with the case as the gate's read loaded it."""
    answer = compliance.what_if_each(
        db, consumer_id=consumer_id, channel="call", case_ids=[case_id], at=at
    )
    (case,) = answer.cases
    answers = answer.decisions
    if not answers:
        return case, (FOREVER, [NO_PHONE])
    if any(decision.allowed for _phone, decision in answers):
        return case, None
    later = [d.next_allowed_at for _phone, d in answers if d.next_allowed_at is not None]
    rules = {rule for _phone, decision in answers for rule in decision.blocked_by}
    return case, (min(later, default=FOREVER), sorted(rules))


def phones(db: Session, consumer_id: int) -> Sequence[ContactPoint]:
    """The consumer's phones, those without a do-not-call / do-not-use mark first, then
    mobiles (the number a call goes to when the agent picks none)."""
    return db.scalars(
        select(ContactPoint)
        .where(ContactPoint.consumer_id == consumer_id, ContactPoint.channel == Channel.PHONE)
        .order_by(
            # A read-only look at compliance's flags, through its service's SQL expression.
            compliance.calls_barred(ContactPoint.id).asc(),
            (ContactPoint.line_type == "mobile").desc(),
            ContactPoint.id,
        )
    ).all()


def defer(case: Case, *, until: datetime, rules: Sequence[str]) -> None:
    """Keep ``case`` out of the queue until ``until``, saying which rules hold it."""
    case.workable_at = until
    case.ready = False
    case.hold_rules = list(rules)
    case.lease_agent_id = case.lease_expires_at = None


def make_workable(case: Case, *, at: datetime | None = None) -> None:
    """Offer ``case`` again from ``at`` (now by default), with no hold."""
    now = clock.now()
    case.workable_at = at or now
    case.ready = case.workable_at <= now
    case.hold_rules = []


def skip(db: Session, *, agent_id: int, case_id: int) -> None:
    """The agent moved on from ``case_id`` without working it: end their lease (if they
    still hold it; working the case ended it already) and keep the case back for
    ``queue_skip_minutes``."""
    now = clock.now()
    later = now + timedelta(minutes=get_settings().queue_skip_minutes)
    db.execute(_skip_statement(), {"agent": agent_id, "case": case_id, "now": now, "later": later})


@cache
def _skip_statement() -> Update:
    later = bindparam("later", type_=UTCDateTime)
    return (
        update(CASES)
        .where(
            CASES.c.id == bindparam("case", type_=BigInteger),
            CASES.c.lease_agent_id == bindparam("agent", type_=BigInteger),
            CASES.c.lease_expires_at > bindparam("now", type_=UTCDateTime),
        )
        .values(
            lease_agent_id=None,
            lease_expires_at=None,
            workable_at=sql_case((CASES.c.workable_at < later, later), else_=CASES.c.workable_at),
        )
    )


def wake(db: Session) -> int:
    """Put back in the queue every case whose ``workable_at`` has passed (a lapsed lease,
    a skip's wait, a gate hold that has ended); how many.  Run every minute."""
    result = db.execute(_wake_statement(), {"now": clock.now()})
    return int(getattr(result, "rowcount", 0))


@cache
def _wake_statement() -> Update:
    # Spelled as ix_cases_waiting's predicate, so the planner can use it.
    return (
        update(CASES)
        .where(
            text(f"NOT cases.ready AND cases.status IN ({QUEUE_STATUSES_SQL})"),
            CASES.c.workable_at <= bindparam("now", type_=UTCDateTime),
        )
        .values(ready=True)
    )
