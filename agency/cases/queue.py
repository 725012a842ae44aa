"""The agent's queue: "next case", its lease, and the order cases are offered in.

A pick is one statement: the highest-priority workable case of the agent's book (then,
if the book has none, of their team's shared pool) is leased to the agent — on
PostgreSQL with ``FOR UPDATE SKIP LOCKED`` over a partial index, so two agents never get
the same case and neither waits for the other; on SQLite the single writer makes the
same statement just as exclusive.  A lease lapses after ``queue_lease_minutes``.

Workable means: an open working status (``QUEUE_STATUSES``), ``workable_at`` reached, no
live lease.  Before a picked case is offered the compliance gate is asked (read-only)
whether a call could be placed now; if not, the case is deferred to the gate's
``next_allowed_at`` with the blocking rule ids (``hold_rules``) — quiet hours in every
zone, 7 calls in 7 days, a dispute awaiting verification, a cease — and the next one is
tried.  Order: ``priority`` (callbacks due, promises due, never contacted, balance), then
the freshest placement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select, text, update
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from agency.cases.models import QUEUE_STATUSES_SQL, Case, Channel, ContactPoint
from agency.compliance import service as compliance
from agency.compliance.facts import Decision
from agency.config import get_settings
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


def _workable(now: datetime) -> ColumnElement[bool]:
    # Spelled as in the partial indexes so the planner can always use them.
    return and_(
        text(f"cases.status IN ({QUEUE_STATUSES_SQL})"),
        Case.workable_at <= now,
        or_(Case.lease_expires_at.is_(None), Case.lease_expires_at <= now),
    )


def _pick(db: Session, owner: ColumnElement[bool], agent_id: int, now: datetime) -> Case | None:
    """Lease the best workable case matching ``owner`` to ``agent_id`` and return it (the
    row comes back from the UPDATE itself: no second read), or None."""
    best = (
        select(Case.id)
        .where(owner, _workable(now))
        .order_by(Case.priority.desc(), Case.placed_at.desc(), Case.id.desc())
        .limit(1)
    )
    if db.get_bind().dialect.name == "postgresql":
        best = best.with_for_update(skip_locked=True)
    lease = timedelta(minutes=get_settings().queue_lease_minutes)
    return db.scalars(
        update(Case)
        .where(Case.id == best.scalar_subquery())
        .values(lease_agent_id=agent_id, lease_expires_at=now + lease)
        .returning(Case)
        .execution_options(synchronize_session=False, populate_existing=True)
    ).one_or_none()


def book(agent_id: int) -> ColumnElement[bool]:
    return Case.assigned_agent_id == agent_id


def pool(team_id: int) -> ColumnElement[bool]:
    return and_(Case.team_id == team_id, text("cases.assigned_agent_id IS NULL"))


@dataclass(frozen=True, slots=True)
class Pick:
    case: Case
    from_pool: bool


def next_case(
    db: Session, *, agent_id: int, team_id: int | None, leaving: int | None = None
) -> Pick | None:
    """Lease the agent the highest-priority case they may call now, or None.

    ``leaving``: the case the agent moves on from; its lease ends and, if it was not
    worked, it waits ``queue_skip_minutes`` before it is offered again.  (Other leases
    simply lapse: finding them would need an index on the lease, and every pick would
    then update an indexed column — no HOT update, dead index entries.)  A case from the
    team pool is leased, not yet assigned: the caller assigns it
    (``assignment.take_from_pool``).
    """
    now = clock.now()
    if leaving is not None:
        release(db, agent_id=agent_id, case_id=leaving, skip=True)
    owners = [(book(agent_id), False)] + ([(pool(team_id), True)] if team_id else [])
    tries = 0
    for owner, from_pool in owners:
        while tries < MAX_TRIES:
            tries += 1
            case = _pick(db, owner, agent_id, now)
            if case is None:
                break
            hold = call_hold(db, case, now)
            if hold is None:
                return Pick(case, from_pool)
            defer(case, until=hold[0], rules=hold[1])
    return None


def call_hold(db: Session, case: Case, at: datetime) -> tuple[datetime, list[str]] | None:
    """None when the gate would let a call about ``case`` go to one of the consumer's
    phones at ``at``; otherwise when it first would (``FOREVER`` if waiting cannot help)
    and the rules that block it."""
    candidates = phones(db, case.consumer_id)
    if not candidates:
        return FOREVER, [NO_PHONE]
    earliest: datetime | None = None
    rules: set[str] = set()
    for phone in candidates:
        decision = _ask(db, case, phone, at)
        if decision.allowed:
            return None
        rules.update(decision.blocked_by)
        if decision.next_allowed_at is not None and (
            earliest is None or decision.next_allowed_at < earliest
        ):
            earliest = decision.next_allowed_at
    return earliest or FOREVER, sorted(rules)


def _ask(db: Session, case: Case, phone: ContactPoint, at: datetime) -> Decision:
    return compliance.what_if(
        db,
        consumer_id=case.consumer_id,
        channel="call",
        contact_point_id=phone.id,
        case_ids=[case.id],
        at=at,
    )


def phones(db: Session, consumer_id: int) -> Sequence[ContactPoint]:
    """The consumer's phones, those without a do-not-call / do-not-use mark first, then
    mobiles: the gate is asked about each in turn (a marked one only to say why not)."""
    return db.scalars(
        select(ContactPoint)
        .where(ContactPoint.consumer_id == consumer_id, ContactPoint.channel == Channel.PHONE)
        .order_by(
            (ContactPoint.do_not_call | ContactPoint.do_not_use).asc(),
            (ContactPoint.line_type == "mobile").desc(),
            ContactPoint.id,
        )
    ).all()


def defer(case: Case, *, until: datetime, rules: Sequence[str]) -> None:
    """Keep ``case`` out of the queue until ``until``, saying which rules hold it."""
    case.workable_at = until
    case.hold_rules = list(rules)
    case.lease_agent_id = case.lease_expires_at = None


def make_workable(case: Case, *, at: datetime | None = None) -> None:
    """Offer ``case`` again from ``at`` (now by default), with no hold."""
    case.workable_at = at or clock.now()
    case.hold_rules = []


def release(db: Session, *, agent_id: int, case_id: int, skip: bool = False) -> None:
    """End the agent's lease on ``case_id`` (if they hold it).  ``skip``: the agent moved
    on without working the case, so it waits ``queue_skip_minutes`` before it is
    offered again."""
    now = clock.now()
    values: dict[str, object] = {"lease_agent_id": None, "lease_expires_at": None}
    if skip:
        later = now + timedelta(minutes=get_settings().queue_skip_minutes)
        values["workable_at"] = sql_case((Case.workable_at < later, later), else_=Case.workable_at)
    db.execute(
        update(Case)
        .where(Case.id == case_id, Case.lease_agent_id == agent_id, Case.lease_expires_at > now)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
