"""The case status machine: which transitions are legal, and the one way to make one.

    new ──► active ──► contacted ──► promise ──► plan
     │        │            │            │          │
     └────────┴────────────┴────────────┴──────────┴──► disputed, hold, paid, settled,
                                                        recalled, closed (with a reason)

A working case may also step back down the ladder (a promise or a plan to ``active``),
and ``disputed`` and ``hold`` go back to ``active`` when they are resolved.  ``paid``,
``settled``, ``recalled`` and ``closed`` are final for ``change``: nothing leaves them
by a transition.  The one deliberate way back is ``reopen``, for a payment reversal
alone (``agency.payments.posting.reverse``): a ``paid`` or ``settled`` case whose
payment bounced goes back to ``active`` and to the queue, its close cleared, with the
reason recorded as a ``StatusChange``; it refuses (``CaseError``) when the client has
since placed another open case with the same reference (the one open case per client
reference rule), and the reversal then keeps the case closed with a note.  Every status a
case takes after ``new`` comes through ``change`` (``advance`` for the status an action
implies), which records a ``StatusChange`` with who and why, and on a final status sets
``closed_at`` and the close reason (implied for paid, settled and recalled) and ends the
lease.

Most statuses stand for facts and come only from recording the fact
(``agency.cases.actions`` unless named): being given out by assignment (active), a
call's outcome (active, contacted), a callback agreed (contacted), a promise to pay
(promise), a dispute (disputed, or hold within the validation period), a cease request
or an attorney (hold), a death or a bankruptcy (closed for that reason), and from the
client's maintenance instructions (``agency.cases.service``) a recall (recalled); from
posted payments (``agency.payments.posting`` through ``agency.cases.balances``) paid when
the balance reaches zero, settled when a settlement's installments are all paid, and
back to active when a promise or plan is kept with a balance left.  What a person
decides by hand (``check_decision``) is only to close a case for a reason that is a
judgement, or to resume collection on a disputed or held case once nothing in force
stops it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agency.cases import queue
from agency.cases.errors import CaseError
from agency.cases.models import CLOSED_STATUSES, Case, CaseStatus, CloseReason, StatusChange
from agency.kit import clock

S = CaseStatus
_ENDINGS = {S.DISPUTED, S.HOLD, S.PAID, S.SETTLED, S.RECALLED, S.CLOSED}
TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    S.NEW: frozenset({S.ACTIVE, S.CONTACTED, S.PROMISE, S.PLAN} | _ENDINGS),
    S.ACTIVE: frozenset({S.CONTACTED, S.PROMISE, S.PLAN} | _ENDINGS),
    S.CONTACTED: frozenset({S.ACTIVE, S.PROMISE, S.PLAN} | _ENDINGS),
    S.PROMISE: frozenset({S.ACTIVE, S.CONTACTED, S.PLAN} | _ENDINGS),
    S.PLAN: frozenset({S.ACTIVE, S.PROMISE} | _ENDINGS),
    S.DISPUTED: frozenset({S.ACTIVE, S.HOLD, S.PAID, S.SETTLED, S.RECALLED, S.CLOSED}),
    S.HOLD: frozenset({S.ACTIVE, S.DISPUTED, S.PAID, S.SETTLED, S.RECALLED, S.CLOSED}),
    S.PAID: frozenset(),
    S.SETTLED: frozenset(),
    S.RECALLED: frozenset(),
    S.CLOSED: frozenset(),
}
# The close reason each final status implies (``closed`` needs one given).
_IMPLIED_REASON = {
    S.PAID: CloseReason.PAID_IN_FULL,
    S.SETTLED: CloseReason.SETTLED,
    S.RECALLED: CloseReason.RECALLED,
}


def allowed_next(status: CaseStatus) -> list[CaseStatus]:
    """The statuses a case in ``status`` may move to, in the enum's order."""
    return [s for s in CaseStatus if s in TRANSITIONS[status]]


def check(current: CaseStatus, target: CaseStatus, close_reason: CloseReason | None = None) -> None:
    """Raise ``CaseError`` when ``current`` → ``target`` is not a legal transition."""
    if target is current:
        raise CaseError("status", f"the case is already {current.value}")
    if target not in TRANSITIONS[current]:
        if current in CLOSED_STATUSES:
            raise CaseError("status", f"the case is {current.value}; it cannot change any more")
        raise CaseError(
            "status",
            f"a {current.value} case cannot become {target.value} "
            f"(it can become {', '.join(s.value for s in allowed_next(current))})",
        )
    if target is S.CLOSED and close_reason is None:
        raise CaseError("close reason", "say why the case is closed")


def change(
    db: Session,
    *,
    case: Case,
    to: CaseStatus,
    reason: str,
    by_user_id: int | None,
    close_reason: CloseReason | None = None,
) -> StatusChange:
    """Move ``case`` to ``to`` if the machine allows it, and record the transition; a
    final status also stamps ``closed_at``, sets the close reason (``close_reason``, or
    the one the status implies) and ends the lease.  Raises ``CaseError`` otherwise."""
    check(case.status, to, close_reason)
    reason = reason.strip()
    if not reason:
        raise CaseError("reason", "say why the status changes")
    now = clock.now()
    record = StatusChange(
        case_id=case.id,
        from_status=case.status,
        to_status=to,
        reason=reason[:500],
        by_user_id=by_user_id,
        at=now,
    )
    case.status = to
    if to in CLOSED_STATUSES:
        case.closed_at = now
        case.close_reason = close_reason or _IMPLIED_REASON.get(to)
        case.lease_agent_id = case.lease_expires_at = None
    db.add(record)
    return record


# ---- what a person may decide ---------------------------------------------------------

# The close reasons that are a person's judgement; the others come from their facts.
DECIDED_CLOSE_REASONS = (CloseReason.UNCOLLECTIBLE, CloseReason.FRAUD, CloseReason.CLIENT_REQUEST)
RESUMABLE = frozenset({S.DISPUTED, S.HOLD})
# Where each status comes from, for the sentence that refuses it by hand.
_COMES_FROM = {
    S.NEW: "a case is new only until it is first worked",
    S.ACTIVE: "collection is resumed by hand only on a disputed or held case; "
    "this one is already being worked",
    S.CONTACTED: "a case becomes contacted when a call's outcome says the consumer was reached",
    S.PROMISE: "a case becomes a promise when a promise to pay is recorded (Record, "
    "Promise to pay)",
    S.PLAN: "a case goes on a plan when a payment plan is set up",
    S.DISPUTED: "a case becomes disputed when the consumer's dispute is recorded (Record, Dispute)",
    S.HOLD: "a case goes on hold when a written dispute, a cease request or an attorney is "
    "recorded (Record)",
    S.SETTLED: "a case is settled when the payments of an approved settlement are posted",
    S.RECALLED: "a case is recalled when its client recalls it",
}
_REASON_COMES_FROM = {
    CloseReason.PAID_IN_FULL: "a case is closed as paid in full when payments clear its balance",
    CloseReason.SETTLED: "a case is closed as settled when an approved settlement is paid",
    CloseReason.RECALLED: "a case is closed as recalled when its client recalls it",
    CloseReason.DECEASED: "record the death under Record, Deceased",
    CloseReason.BANKRUPTCY: "record the bankruptcy under Record, Bankruptcy",
}


def decisions(current: CaseStatus) -> list[CaseStatus]:
    """The statuses a person may choose for a case in ``current``: closing an open case,
    and resuming (``active``) a disputed or held one."""
    if not current.is_open:
        return []
    return [S.ACTIVE, S.CLOSED] if current in RESUMABLE else [S.CLOSED]


def check_decision(case: Case, target: CaseStatus, close_reason: CloseReason | None = None) -> None:
    """Raise ``CaseError`` with a sentence when a person may not move ``case`` to
    ``target`` by hand: a status that stands for a fact names the way to record it."""
    if not case.status.is_open:
        raise CaseError("status", f"the case is {case.status.value}; it cannot change any more")
    if target is case.status:
        raise CaseError("status", f"the case is already {case.status.value}")
    if target not in decisions(case.status):
        if target is S.PAID:
            raise CaseError(
                "status",
                "a case is paid when posted payments clear its balance "
                f"({case.balance.format()} is still owed)",
            )
        raise CaseError("status", _COMES_FROM[target])
    if target is S.CLOSED:
        if close_reason is None:
            raise CaseError("close reason", "say why the case is closed")
        if close_reason not in DECIDED_CLOSE_REASONS:
            raise CaseError("close reason", _REASON_COMES_FROM[close_reason])


# The working ladder: an action's implied status only ever moves a case up it.
_LADDER = (S.NEW, S.ACTIVE, S.CONTACTED, S.PROMISE, S.PLAN)


def advance(
    db: Session, *, case: Case, to: CaseStatus, reason: str, by_user_id: int | None
) -> StatusChange | None:
    """Move ``case`` up the working ladder to ``to``; leave it where it is otherwise.

    For the status an action implies: a conversation makes a new case ``contacted`` but
    does not pull a ``promise`` back, nor touch a ``disputed`` or ``hold`` case.
    """
    if case.status not in _LADDER or _LADDER.index(to) <= _LADDER.index(case.status):
        return None
    return change(db, case=case, to=to, reason=reason, by_user_id=by_user_id)


# ---- the way back from paid or settled ------------------------------------------------

REOPENABLE = frozenset({S.PAID, S.SETTLED})


def reopen(db: Session, *, case: Case, reason: str, by_user_id: int | None) -> StatusChange:
    """Bring a ``paid`` or ``settled`` case back to ``active`` because the payment that
    closed it was reversed (the only caller: a payment reversal).  Its close is cleared
    and it is offered by the queue again; the reason is recorded.  Raises ``CaseError``
    for another status, or when the client has since placed another open case with the
    same reference (at most one open case per client reference): then nothing changes."""
    if case.status not in REOPENABLE:
        raise CaseError("status", f"a {case.status.value} case cannot be reopened")
    reason = reason.strip()
    if not reason:
        raise CaseError("reason", "say why the case reopens")
    other = db.scalar(
        select(Case.id).where(
            Case.client_id == case.client_id,
            Case.client_reference == case.client_reference,
            Case.id != case.id,
            Case.status.not_in(CLOSED_STATUSES),
        )
    )
    if other is not None:
        raise CaseError("status", _taken(case, other))
    db.flush()  # what the caller changed stays, whatever the savepoint below does
    before = (case.status, case.closed_at, case.close_reason)
    record = StatusChange(
        case_id=case.id,
        from_status=case.status,
        to_status=S.ACTIVE,
        reason=reason[:500],
        by_user_id=by_user_id,
        at=clock.now(),
    )
    case.status, case.closed_at, case.close_reason = S.ACTIVE, None, None
    try:
        with db.begin_nested():  # a placement of the same reference at this moment
            db.flush()
    except IntegrityError:
        case.status, case.closed_at, case.close_reason = before
        raise CaseError("status", _taken(case, None)) from None
    queue.make_workable(case)
    db.add(record)
    return record


def _taken(case: Case, other_id: int | None) -> str:
    which = f" (case {other_id})" if other_id is not None else ""
    return (
        f"the client has since placed another open account {case.client_reference}{which}; "
        f"this case stays {case.status.value}"
    )
