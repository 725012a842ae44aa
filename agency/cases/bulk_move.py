"""The supervisor's bulk move: the open cases a filtered case list shows, to one agent or
one team's pool, as one batch that can be undone.

- The preview counts the cases per client and country; the move takes exactly the cases
  the filters matched when the supervisor looked (``fingerprint``): if that set changed
  meanwhile, nothing moves and the page shows the new set.
- Onto an agent, the move is refused while it would take them past their capacity or
  give them cases outside their skills (a language they do not speak, a place their
  regions do not cover: ``assignment.gaps``) unless the supervisor confirms; the agent's
  profile row is locked first, so two moves onto one agent check capacity in turn.
- Every case moved is an ``AssignmentChange`` naming the ``MoveBatch``.  Undo returns
  each case the batch moved to the agent and team pool it came from, unless something
  happened to it since: moved again, worked or changed (its row changed after the move),
  closed, or its former agent is no longer active.  Those are left alone and counted by
  reason.  A batch is undone once: the mark is a conditional update, so a second undo,
  even at the same moment, undoes nothing.

Services flush, never commit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from agency.auth import service as auth_service
from agency.auth.permissions import Viewer
from agency.cases import assignment, reassign
from agency.cases.models import AssignmentChange, Case, MoveBatch
from agency.cases.repository import assignment as assignment_repo
from agency.cases.schemas import CaseFilters
from agency.kit import clock
from agency.kit.forms import FormError

MOVED_AGAIN = "moved again since the move"
CHANGED = "worked or changed since the move"
CLOSED = "closed since the move"
AGENT_GONE = "the agent they came from is no longer active"


def fingerprint(case_ids: Sequence[int]) -> str:
    """A short digest of the set of cases a preview showed."""
    return hashlib.sha256(",".join(map(str, sorted(case_ids))).encode()).hexdigest()[:20]


@dataclass(frozen=True, slots=True)
class Slice:
    """Open cases of one client in one country."""

    client: str
    country: str
    cases: int


def slices(groups: Sequence[assignment_repo.MoveGroup]) -> list[Slice]:
    """The preview: cases per client and country, by client then country."""
    counts: dict[tuple[str, str], int] = {}
    for group in groups:
        key = (group.client, group.country)
        counts[key] = counts.get(key, 0) + group.cases
    return [Slice(client, country, n) for (client, country), n in sorted(counts.items())]


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def warnings(
    db: Session,
    groups: Sequence[assignment_repo.MoveGroup],
    *,
    to_agent_id: int | None,
    agent_name: str,
) -> list[str]:
    """Why moving these cases onto the agent needs the supervisor's confirmation: the
    agent's capacity, and cases outside their languages and regions.  None for a team."""
    if to_agent_id is None:
        return []
    agent = assignment.roster(db).get(to_agent_id)
    if agent is None:
        return []
    arriving = [g for g in groups if g.agent_id != to_agent_id]
    moving = sum(g.cases for g in arriving)
    said = []
    if agent.capacity is not None and moving:
        held = assignment.Loads.of(db, [agent.id]).count(agent.id)
        after = held + moving
        if after > agent.capacity:
            said.append(
                f"{agent_name} can hold {_plural(agent.capacity, 'open case')} and holds "
                f"{held:,}: this move gives them {after:,}, {after - agent.capacity:,} over "
                "their capacity."
            )
    outside: dict[tuple[str, str], int] = {}
    for group in arriving:
        for gap in assignment.gaps(agent, group.country, group.region, group.language):
            outside[gap] = outside.get(gap, 0) + group.cases
    if outside:
        set_up = (
            f"languages {', '.join(sorted(agent.languages)) or 'none listed'}; "
            f"regions {', '.join(sorted(agent.regions)) or 'any'}"
        )
        parts = ", ".join(
            f"{_plural(n, 'case')} in {kind} {value}"
            for (kind, value), n in sorted(outside.items())
        )
        said.append(f"{agent_name} is not set up for {parts} (their profile: {set_up}).")
    return said


class NeedsConfirmation(FormError):
    """The move would exceed the agent's capacity or skills: the supervisor must confirm."""

    def __init__(self, said: list[str]) -> None:
        self.warnings = said
        super().__init__({"confirm": "tick this to move the cases anyway, despite the above"})


def _changed(case_ids: Sequence[int]) -> FormError:
    return FormError(
        {
            "expected": (
                f"the cases these filters match changed since the preview (now "
                f"{_plural(len(case_ids), 'open case')}): check the preview and move again"
            )
        }
    )


def move(
    db: Session,
    *,
    viewer: Viewer,
    filters: CaseFilters,
    expected: str,
    words: Sequence[str],
    to_agent_id: int | None,
    to_team_id: int | None,
    confirmed: bool,
    by_user_id: int,
    reason: str,
) -> MoveBatch:
    """Move the open cases ``filters`` match, as one batch, if they are still the set the
    supervisor previewed (its ``fingerprint`` is ``expected``); ``words`` are the filters
    as the page named them, kept with the batch.  Cases already where they are sent are
    left alone.

    The target agent's profile and then the cases are locked before the set is checked
    again and the warnings made, so what is checked is what moves, however many
    supervisors move at once.
    """
    reason = reassign.reason_given(reason)
    reassign.check_target(db, assignment.roster(db), to_agent_id, to_team_id)
    case_ids = assignment_repo.filtered_case_ids(db, viewer, filters)
    if fingerprint(case_ids) != expected:
        raise _changed(case_ids)
    if to_agent_id is not None:
        assignment_repo.lock_agent_profile(db, to_agent_id)
    cases = assignment_repo.cases_to_assign(db, case_ids, unassigned_only=False)
    now_matching = assignment_repo.filtered_case_ids(db, viewer, filters)
    if fingerprint(now_matching) != expected:
        raise _changed(now_matching)
    said = warnings(
        db,
        assignment_repo.move_groups(db, case_ids),
        to_agent_id=to_agent_id,
        agent_name=_name(db, to_agent_id),
    )
    if said and not confirmed:
        raise NeedsConfirmation(said)
    now = clock.now()
    batch = MoveBatch(
        by_user_id=by_user_id,
        to_agent_id=to_agent_id,
        to_team_id=to_team_id,
        filters=list(words),
        reason=reason,
        cases=0,
        at=now,
    )
    db.add(batch)
    db.flush()
    moved = reassign.move_all(
        db,
        cases,
        to_agent_id=to_agent_id,
        to_team_id=to_team_id,
        by_user_id=by_user_id,
        reason=reason,
    )
    for case, change in moved:
        change.batch_id = batch.id
        change.at = now
        case.updated_at = now  # "changed since the move" is measured from here
    batch.cases = len(moved)
    db.flush()
    return batch


def _name(db: Session, agent_id: int | None) -> str:
    found = auth_service.users_by_ids(db, [agent_id]) if agent_id is not None else []
    return found[0].full_name if found else "the agent"


@dataclass(slots=True)
class Undone:
    """What undoing a move did: cases put back, and those left alone, by why."""

    undone: int = 0
    left: dict[str, int] = field(default_factory=dict)
    already: bool = False  # the move had been undone before: nothing was done now

    @property
    def left_alone(self) -> int:
        return sum(self.left.values())


def _left_because(
    change: AssignmentChange,
    case: Case | None,
    latest_change_id: int | None,
    agents: dict[int, assignment.Agent],
) -> str | None:
    """Why undo leaves this case where it is, or None to put it back."""
    if case is None:
        return CLOSED
    if latest_change_id != change.id:
        return MOVED_AGAIN
    if case.updated_at > change.at:
        return CHANGED
    if change.from_agent_id is not None and change.from_agent_id not in agents:
        return AGENT_GONE
    return None


def undo(db: Session, *, batch: MoveBatch, by_user_id: int) -> Undone:
    """Put back the cases ``batch`` moved that nobody touched since (see the module)."""
    if not assignment_repo.mark_undone(db, batch.id, by_user_id=by_user_id, at=clock.now()):
        return Undone(already=True)
    changes = assignment_repo.batch_changes(db, batch.id)
    case_ids = [change.case_id for change in changes]
    cases = {c.id: c for c in assignment_repo.cases_to_assign(db, case_ids, unassigned_only=False)}
    latest = assignment_repo.latest_change_ids(db, case_ids)
    agents = assignment.roster(db)
    result = Undone()
    for change in changes:
        case = cases.get(change.case_id)
        why = _left_because(change, case, latest.get(change.case_id), agents)
        if case is None or why is not None:
            key = why or CLOSED
            result.left[key] = result.left.get(key, 0) + 1
            continue
        assignment.move_case(
            db,
            case,
            to_agent_id=change.from_agent_id,
            to_team_id=change.from_team_id,
            by_user_id=by_user_id,
            reason=f"undo of move {batch.id}: {batch.reason}",
        )
        result.undone += 1
    db.flush()
    return result
