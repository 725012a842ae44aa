"""The supervisor's moves: cases given to one agent or one team's pool (``reassign``), an
agent's book spread over others (``rebalance``), and the checks a filtered set's move
(``bulk_move``) shares with them.

The supervisor's choice overrides capacity (they can see the loads); a filtered set asks
them to confirm past an agent's capacity or skills (``bulk_move``).  Each case moves
through ``assignment.move_case``.  Services flush, never commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy.orm import Session

from agency.cases import assignment
from agency.cases.models import AssignmentChange, Case
from agency.cases.repository import assignment as assignment_repo
from agency.kit.forms import FormError


def reason_given(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise FormError({"reason": "is required: say why the cases move"})
    return reason[:500]


def check_target(
    db: Session,
    agents: dict[int, assignment.Agent],
    to_agent_id: int | None,
    to_team_id: int | None,
) -> None:
    if (to_agent_id is None) == (to_team_id is None):
        raise FormError({"to": "must be one agent or one team"})
    if to_agent_id is not None and to_agent_id not in agents:
        raise FormError({"to": "must be an active agent"})
    if to_team_id is not None and assignment_repo.team_by_id(db, to_team_id) is None:
        raise FormError({"to": "must be an existing team"})


def already_there(case: Case, *, to_agent_id: int | None, to_team_id: int | None) -> bool:
    """Whether ``case`` is already with the agent, or already in the team's pool."""
    if to_agent_id is not None:
        return case.assigned_agent_id == to_agent_id
    in_pool = case.assigned_agent_id is None and case.team_id is not None
    return to_team_id is not None and in_pool and case.team_id == to_team_id


def reassign(
    db: Session,
    *,
    case_ids: Sequence[int],
    to_agent_id: int | None = None,
    to_team_id: int | None = None,
    by_user_id: int,
    reason: str,
) -> int:
    """Give the open cases among ``case_ids`` to one agent or to one team's pool; returns
    how many moved (those already there are left alone).  Capacity does not apply: the
    supervisor decides."""
    reason = reason_given(reason)
    check_target(db, assignment.roster(db), to_agent_id, to_team_id)
    cases = assignment_repo.cases_to_assign(db, case_ids, unassigned_only=False)
    moved = move_all(
        db,
        cases,
        to_agent_id=to_agent_id,
        to_team_id=to_team_id,
        by_user_id=by_user_id,
        reason=reason,
    )
    db.flush()
    return len(moved)


def move_all(
    db: Session,
    cases: Iterable[Case],
    *,
    to_agent_id: int | None,
    to_team_id: int | None,
    by_user_id: int,
    reason: str,
) -> list[tuple[Case, AssignmentChange]]:
    """Move each of ``cases`` not already there; returns each moved case with its change."""
    moved = []
    for case in cases:
        if already_there(case, to_agent_id=to_agent_id, to_team_id=to_team_id):
            continue
        change = assignment.move_case(
            db,
            case,
            to_agent_id=to_agent_id,
            to_team_id=to_team_id,
            by_user_id=by_user_id,
            reason=reason,
        )
        moved.append((case, change))
    return moved


def rebalance(
    db: Session,
    *,
    from_agent_id: int,
    to_agent_ids: Sequence[int],
    by_user_id: int,
    reason: str,
    limit: int | None = None,
) -> int:
    """Spread ``from_agent_id``'s open book (or its ``limit`` biggest cases) over
    ``to_agent_ids``, each case to the one with the fewest open cases then; agents at
    capacity take no more.  Returns how many moved."""
    errors: dict[str, str] = {}
    agents = assignment.roster(db)
    targets_ = sorted(set(to_agent_ids))
    if not targets_:
        errors["to_agent_ids"] = "is required: choose at least one agent"
    elif from_agent_id in targets_:
        errors["to_agent_ids"] = "must not include the agent whose book is spread"
    elif any(agent_id not in agents for agent_id in targets_):
        errors["to_agent_ids"] = "must be active agents"
    if not reason.strip():
        errors["reason"] = "is required: say why the cases move"
    if errors:
        raise FormError(errors)
    loads = assignment.Loads.of(db, [from_agent_id, *targets_])
    book = assignment_repo.open_case_ids_of_agent(db, from_agent_id)[:limit]
    cases = {
        case.id: case for case in assignment_repo.cases_to_assign(db, book, unassigned_only=False)
    }
    moved = 0
    for case_id in book:  # biggest balance first
        case = cases.get(case_id)
        if case is None or case.assigned_agent_id != from_agent_id:
            continue
        room = [agents[i] for i in targets_ if not loads.full(agents[i])]
        if not room:
            break
        chosen = min(room, key=lambda a: (loads.count(a.id), a.id)).id
        assignment.move_case(
            db,
            case,
            to_agent_id=chosen,
            to_team_id=None,
            by_user_id=by_user_id,
            reason=reason.strip(),
            loads=loads,
        )
        moved += 1
    db.flush()
    return moved
