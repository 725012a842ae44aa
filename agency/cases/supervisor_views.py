"""The supervisor's pages: queues per agent and team, gate holds, unassigned cases, the
assignment rules, teams and agents, and moving cases (one, or a book; a filtered set:
agency.cases.bulk_move_views).

Admins and supervisors only.  Every number on the dashboard links to the case list with
the filters that reproduce it.  Forms post normally and come back with their errors next
to each field (422); the request's transaction then rolls back, so nothing is half-written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from agency.auth import service as auth_service
from agency.auth.models import Role, User
from agency.auth.permissions import CurrentViewer, Viewer, require
from agency.cases import assignment, repository
from agency.cases.models import AssignmentRule, AssignmentStrategy, Case, Team
from agency.cases.queue import NO_PHONE
from agency.cases.schemas import (
    AgentProfileForm,
    ReassignForm,
    RebalanceForm,
    RuleForm,
    TeamForm,
)
from agency.clients import service as clients_service
from agency.compliance.service import describe
from agency.db import DbSession
from agency.kit import clock, flash
from agency.kit.errors import NotFound
from agency.kit.forms import FormError, PostedForm, form_values, or_refuse, parse
from agency.kit.money import Money
from agency.kit.params import MAX_ID, RowId
from agency.kit.templates import render

router = APIRouter()
Supervisor = Annotated[User, Depends(require(Role.ADMIN, Role.SUPERVISOR))]
Schema = TypeVar("Schema", bound=BaseModel)


def _values(form: FormData, *lists: str) -> dict[str, str]:
    """The posted values; each name in ``lists`` (ticked boxes) joined with commas."""
    values = form_values(form)
    for name in lists:
        values[name] = ",".join(str(v) for v in form.getlist(name) if isinstance(v, str))
    return values


def _save(
    values: dict[str, str],
    schema: type[Schema],
    save: Callable[[Schema], object],
    page: Callable[[dict[str, str], dict[str, str]], Response],
) -> None:
    """Parse and save, or answer the form again with its errors (422, rolled back)."""
    or_refuse(lambda: save(parse(schema, values)), lambda exc: page(values, exc.errors))


# ---- the dashboard --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WorkloadRow:
    agent: User | None
    cells: dict[int, repository.WorkloadCell]

    @property
    def total(self) -> int:
        return sum(cell.cases for cell in self.cells.values())


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One agent's book (``agent``) or one team's pool (``team``, no agent)."""

    agent: User | None
    team: Team | None
    stats: repository.QueueStats
    today: repository.Today
    oldest_age: str
    capacity: int | None = None

    @property
    def link(self) -> str:
        """The case-list filter that shows this row's cases."""
        if self.agent is not None:
            return f"/cases?agent={self.agent.id}"
        assert self.team is not None
        return f"/cases?agent=none&team_id={self.team.id}"


@dataclass(slots=True)
class TeamBlock:
    team: Team | None
    pool: QueueRow | None
    members: list[QueueRow] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class HoldRow:
    rule_id: str
    title: str
    cases: int


def age(since: datetime | None, now: datetime) -> str:
    """How long the oldest workable case has waited, in words a screen can hold."""
    if since is None:
        return ""
    waited = max(now - since, timedelta())
    days, seconds = waited.days, waited.seconds
    if days:
        return f"{days} d {seconds // 3600} h"
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min"
    return f"{seconds // 60} min"


def _hold_title(rule_id: str) -> str:
    if rule_id == NO_PHONE:
        return "No phone we may call"
    return describe(rule_id).title


@router.get("/supervisor")
def supervisor(request: Request, db: DbSession, _: Supervisor) -> Response:
    """Queues per team and agent (workable now, oldest wait, open cases and balance,
    today's calls, contacts and promises), gate holds per rule, unassigned cases, and
    open cases per agent and client.  Every number links to the matching case list.

    Every active agent has a row, even with an empty book; a disabled agent who still
    holds cases keeps a row so those cases are not lost from view.
    """
    now = clock.now()
    book_stats, pool_stats, unassigned = repository.queue_stats(db, now)
    today = repository.today_per_agent(db, clock.today(now)[0])
    agents = {agent.id: agent for agent in auth_service.agents(db)}
    cells = repository.open_workload(db)
    holders = {i for i in book_stats if i not in agents}
    holders |= {i for i, _client in cells if i is not None and i not in agents}
    agents.update({u.id: u for u in auth_service.users_by_ids(db, sorted(holders))})
    profiles = repository.agent_profiles(db)
    teams = repository.teams(db)

    def agent_row(user: User) -> QueueRow:
        stats = book_stats.get(user.id, repository.QueueStats())
        profile = profiles.get(user.id)
        return QueueRow(
            agent=user,
            team=None,
            stats=stats,
            today=today.get(user.id, repository.Today()),
            oldest_age=age(stats.oldest_workable_at, now),
            capacity=profile.capacity if profile else None,
        )

    blocks: dict[int | None, TeamBlock] = {}
    for team in teams:
        stats = pool_stats.get(team.id, repository.QueueStats())
        pool = QueueRow(None, team, stats, repository.Today(), age(stats.oldest_workable_at, now))
        blocks[team.id] = TeamBlock(team, pool)
    blocks[None] = TeamBlock(None, None)
    for user in sorted(agents.values(), key=lambda u: (u.full_name, u.id)):
        profile = profiles.get(user.id)
        team_id = profile.team_id if profile and profile.team_id in blocks else None
        blocks[team_id].members.append(agent_row(user))

    holds = sorted(
        (
            HoldRow(rule_id, _hold_title(rule_id), n)
            for rule_id, n in repository.held_by_rule(db, now).items()
        ),
        key=lambda row: (-row.cases, row.rule_id),
    )

    by_agent: dict[int | None, dict[int, repository.WorkloadCell]] = {}
    for (agent_id, client_id), cell in cells.items():
        by_agent.setdefault(agent_id, {})[client_id] = cell
    workload = [WorkloadRow(agent, by_agent.get(agent.id, {})) for agent in agents.values()]
    workload.sort(key=lambda row: row.agent.full_name if row.agent else "")
    workload.append(WorkloadRow(None, by_agent.get(None, {})))
    return render(
        request,
        "cases/supervisor.html",
        {
            "blocks": [b for b in blocks.values() if b.team is not None or b.members],
            "unassigned": unassigned,
            "unassigned_age": age(unassigned.oldest_workable_at, now),
            "holds": holds,
            "rows": workload,
            "clients": clients_service.all_clients(db),
        },
    )


# ---- assignment rules ------------------------------------------------------------------------


def _rule_values(rule: AssignmentRule) -> dict[str, str]:
    def text(value: object) -> str:
        return "" if value is None else str(value)

    low, high = rule.balance_band
    return {
        "name": rule.name,
        "strategy": rule.strategy.value,
        "is_active": "on" if rule.is_active else "",
        "client_id": text(rule.client_id),
        "min_balance": text(None if low is None else low.major),
        "max_balance": text(None if high is None else high.major),
        "balance_currency": text(rule.balance_currency),
        "country": text(rule.country),
        "region": text(rule.region),
        "language": text(rule.language),
        "min_age_days": text(rule.min_age_days),
        "max_age_days": text(rule.max_age_days),
        "team_id": text(rule.team_id),
        "agent_ids": ",".join(str(i) for i in rule.agent_ids or []),
    }


ANY = "any"
CONDITIONS = ("Client", "Balance", "Country", "Region", "Language", "Placed")


@dataclass(frozen=True, slots=True)
class Names:
    """Names of the clients, teams and people a rule's fields refer to by id."""

    clients: dict[int, str]
    teams: dict[int, str]
    people: dict[int, str]

    @classmethod
    def of(cls, db: Session, user_ids: set[int]) -> Names:
        return cls(
            clients={c.id: c.name for c in clients_service.all_clients(db)},
            teams={t.id: t.name for t in repository.teams(db)},
            people=_names(db, user_ids),
        )


def rule_in_words(fields: Mapping[str, Any], names: Names) -> dict[str, str]:
    """A rule's fields (``assignment.rule_fields``) as the supervisor reads them."""

    def edge(minor: int | None) -> str | None:
        return None if minor is None else Money(minor, fields["balance_currency"]).format()

    def span(low: object, high: object, unit: str = "") -> str:
        if low is None and high is None:
            return ANY
        return f"{low if low is not None else 0}\u2013{high if high is not None else ANY}{unit}"

    low, high = fields["min_balance_minor"], fields["max_balance_minor"]
    client, team = fields["client_id"], fields["team_id"]
    return {
        "Name": fields["name"],
        "How": AssignmentStrategy(fields["strategy"]).label,
        "Active": "yes" if fields["is_active"] else "no",
        "Client": ANY if client is None else names.clients.get(client, f"client {client}"),
        "Balance": span(edge(low), edge(high)),
        "Country": fields["country"] or ANY,
        "Region": fields["region"] or ANY,
        "Language": fields["language"] or ANY,
        "Placed": span(fields["min_age_days"], fields["max_age_days"], " days ago"),
        "Team": "none" if team is None else names.teams.get(team, f"team {team}"),
        "Agents": ", ".join(names.people.get(i, f"user {i}") for i in fields["agent_ids"])
        or "none",
    }


def _matches(words: Mapping[str, str]) -> str:
    """The rule's conditions in one line, e.g. "client Acme; language es"."""
    said = [f"{what.lower()} {words[what]}" for what in CONDITIONS if words[what] != ANY]
    return "; ".join(said) or "any case"


@dataclass(frozen=True, slots=True)
class HistoryLine:
    """One edit of a rule, in words: what changed from what to what."""

    at: datetime
    by: str
    action: str
    changes: list[tuple[str, str, str]]


def _history(db: Session, rule: AssignmentRule) -> list[HistoryLine]:
    """The rule's edits, newest first, each with the fields it changed."""
    edits = repository.rule_edits(db, rule.id)[::-1]
    people = {i for e in edits for i in e.rule["agent_ids"]}
    names = Names.of(db, people | {e.by_user_id for e in edits if e.by_user_id is not None})
    lines: list[HistoryLine] = []
    before: dict[str, str] | None = None
    for edit in edits:
        words = rule_in_words(edit.rule, names)
        changes = [
            (what, before[what], words[what])
            for what in words
            if before is not None and before[what] != words[what]
        ]
        by = "someone" if edit.by_user_id is None else names.people.get(edit.by_user_id, "")
        lines.append(HistoryLine(edit.at, by, edit.action.label, changes))
        before = words
    return lines[::-1]


def _rule_or_404(db: Session, rule_id: int) -> AssignmentRule:
    rule = repository.assignment_rule(db, rule_id)
    if rule is None:
        raise NotFound("assignment rule")
    return rule


def _names(db: Session, user_ids: set[int]) -> dict[int, str]:
    return {u.id: u.full_name for u in auth_service.users_by_ids(db, sorted(user_ids))}


@router.get("/supervisor/rules")
def rules(request: Request, db: DbSession, _: Supervisor) -> Response:
    """The rules in the order they are tried, with what each matches and whom it feeds."""
    listed = repository.assignment_rules(db)
    names = Names.of(db, {i for r in listed for i in r.agent_ids or []})
    places = {rule.id: number for number, rule in enumerate(listed, start=1)}
    shadowed = assignment.shadowing(listed)
    rows = []
    for rule in listed:
        words = rule_in_words(assignment.rule_fields(rule), names)
        members = "" if rule.strategy is AssignmentStrategy.TEAM_POOL else " (members)"
        takers = [words["Team"] + members] if rule.team_id is not None else []
        takers += [words["Agents"]] if rule.agent_ids else []
        earlier = shadowed.get(rule.id)
        unused = _unused(earlier, places[earlier.id]) if earlier is not None else ""
        rows.append((rule, _matches(words), "; ".join(takers), unused))
    return render(request, "cases/assignment_rules.html", {"rows": rows})


def _unused(earlier: AssignmentRule, number: int) -> str:
    """Why a rule never gets a case, in the supervisor's words."""
    said = (
        f"Never used: every case this rule matches is taken first by rule {number}, "
        f"“{earlier.name}”, which "
        + ("matches any case" if assignment.catch_all(earlier) else "matches all of them too")
    )
    if earlier.strategy is not AssignmentStrategy.TEAM_POOL:
        said += " (a case reaches this rule only when all of that rule's agents are full)"
    return said + ". Move this rule above it, or narrow that one."


def _rule_form(
    request: Request,
    db: Session,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    *,
    rule: AssignmentRule | None,
) -> Response:
    return render(
        request,
        "cases/assignment_rule_form.html",
        {
            "rule": rule,
            "values": values,
            "errors": errors or {},
            "strategies": [(s.value, s.label) for s in AssignmentStrategy],
            "client_options": [(c.id, c.name) for c in clients_service.all_clients(db)],
            "team_options": [(t.id, t.name) for t in repository.teams(db)],
            "agents": auth_service.agents(db),
            "ticked": set(values.get("agent_ids", "").split(",")),
            "history": _history(db, rule) if rule is not None else [],
        },
    )


@router.get("/supervisor/rules/edit")
def rule_form(
    request: Request,
    db: DbSession,
    _: Supervisor,
    rule: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="the rule to edit; none: a new one")
    ] = None,
) -> Response:
    if rule is None:
        return _rule_form(request, db, {"is_active": "on", "strategy": "round_robin"}, rule=None)
    found = _rule_or_404(db, rule)
    return _rule_form(request, db, _rule_values(found), rule=found)


@router.post("/supervisor/rules/edit")
def save_rule(
    request: Request,
    posted: PostedForm,
    db: DbSession,
    user: Supervisor,
    rule: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    """Create a rule (tried after the others) or change one."""
    found = _rule_or_404(db, rule) if rule is not None else None
    values = _values(posted, "agent_ids")

    def save(data: RuleForm) -> object:
        if found is None:
            return assignment.create_rule(db, data=data, by_user_id=user.id)
        return assignment.update_rule(db, rule=found, data=data, by_user_id=user.id)

    _save(values, RuleForm, save, lambda v, e: _rule_form(request, db, v, e, rule=found))
    done = "created" if found is None else "saved"
    return flash.redirect("/supervisor/rules", f"Assignment rule {done}.")


@router.post("/supervisor/rules/move")
def move_rule(
    request: Request,
    db: DbSession,
    user: Supervisor,
    rule: Annotated[int, Query(ge=1, le=MAX_ID)],
    direction: Annotated[Literal["up", "down"], Query()],
) -> Response:
    """Try a rule one place earlier or later."""
    found = _rule_or_404(db, rule)
    assignment.move_rule(db, rule=found, direction=direction, by_user_id=user.id)
    return RedirectResponse("/supervisor/rules", status_code=303)


@router.post("/supervisor/rules/active")
def rule_active(
    request: Request,
    db: DbSession,
    user: Supervisor,
    rule: Annotated[int, Query(ge=1, le=MAX_ID)],
    active: Annotated[bool, Query()],
) -> Response:
    """Switch a rule off (kept, skipped) or back on."""
    assignment.set_rule_active(db, rule=_rule_or_404(db, rule), active=active, by_user_id=user.id)
    return RedirectResponse("/supervisor/rules", status_code=303)


# ---- teams and agents --------------------------------------------------------------------------


def _teams_page(
    request: Request,
    db: Session,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    *,
    edited: int | None = None,
    refused: tuple[int, int] | None = None,
) -> Response:
    """``refused``: the team a deletion was refused for, and its open pool cases."""
    profiles = repository.agent_profiles(db)
    agents = auth_service.agents(db)
    members: dict[int, list[User]] = {}
    for agent in agents:
        profile = profiles.get(agent.id)
        if profile and profile.team_id is not None:
            members.setdefault(profile.team_id, []).append(agent)
    return render(
        request,
        "cases/supervisor_teams.html",
        {
            "teams": repository.teams(db),
            "members": members,
            "values": dict(values or {}),
            "errors": dict(errors or {}),
            "edited": edited,
            "refused": refused,
        },
    )


@router.get("/supervisor/teams")
def teams(request: Request, db: DbSession, _: Supervisor) -> Response:
    return _teams_page(request, db)


@router.post("/supervisor/teams")
def save_team(
    request: Request,
    posted: PostedForm,
    db: DbSession,
    _: Supervisor,
    team: Annotated[int | None, Query(ge=1, le=MAX_ID, description="the team to rename")] = None,
) -> Response:
    """Create a team, or rename one (``team``)."""
    found = repository.team_by_id(db, team) if team is not None else None
    if team is not None and found is None:
        raise NotFound("team")
    values = form_values(posted)
    _save(
        values,
        TeamForm,
        lambda data: assignment.save_team(db, data=data, team=found),
        lambda v, e: _teams_page(request, db, v, e, edited=team),
    )
    done = "created" if found is None else "renamed"
    return flash.redirect("/supervisor/teams", f"Team {done}.")


@router.post("/supervisor/teams/{team_id}/delete")
def delete_team(request: Request, db: DbSession, _: Supervisor, team_id: RowId) -> Response:
    """Delete a team, or say what still ties it (open pool cases, rules): 422."""
    found = repository.team_by_id(db, team_id)
    if found is None:
        raise NotFound("team")

    def refused(exc: FormError) -> Response:
        pool_cases = exc.cases if isinstance(exc, assignment.TeamInUse) else 0
        return _teams_page(request, db, errors=exc.errors, refused=(found.id, pool_cases))

    or_refuse(lambda: assignment.delete_team(db, found), refused)
    return flash.redirect("/supervisor/teams", "Team deleted.")


@router.get("/supervisor/agents")
def agents(request: Request, db: DbSession, _: Supervisor) -> Response:
    """Every active agent: team, capacity against open cases, languages and regions."""
    users = auth_service.agents(db)
    loads = assignment.Loads.of(db, [u.id for u in users])
    return render(
        request,
        "cases/supervisor_agents.html",
        {
            "agents": users,
            "profiles": repository.agent_profiles(db),
            "teams": {team.id: team for team in repository.teams(db)},
            "loads": loads,
        },
    )


def _agent_or_404(db: Session, user_id: int) -> User:
    found = auth_service.users_by_ids(db, [user_id])
    if not found or found[0].role is not Role.AGENT:
        raise NotFound("agent")
    return found[0]


def _agent_form(
    request: Request,
    db: Session,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    *,
    agent: User,
) -> Response:
    return render(
        request,
        "cases/supervisor_agent_form.html",
        {
            "agent": agent,
            "values": values,
            "errors": errors or {},
            "team_options": [(t.id, t.name) for t in repository.teams(db)],
        },
    )


@router.get("/supervisor/agents/{user_id}")
def agent_form(request: Request, db: DbSession, _: Supervisor, user_id: RowId) -> Response:
    agent = _agent_or_404(db, user_id)
    profile = repository.agent_profiles(db, [user_id]).get(user_id)
    values = {
        "team_id": str(profile.team_id or "") if profile else "",
        "capacity": "" if profile is None or profile.capacity is None else str(profile.capacity),
        "languages": ", ".join(profile.languages or []) if profile else "",
        "regions": ", ".join(profile.regions or []) if profile else "",
    }
    return _agent_form(request, db, values, agent=agent)


@router.post("/supervisor/agents/{user_id}")
def save_agent(
    request: Request, posted: PostedForm, db: DbSession, _: Supervisor, user_id: RowId
) -> Response:
    agent = _agent_or_404(db, user_id)
    values = form_values(posted)
    _save(
        values,
        AgentProfileForm,
        lambda data: assignment.update_agent(db, user_id=agent.id, data=data),
        lambda v, e: _agent_form(request, db, v, e, agent=agent),
    )
    return flash.redirect("/supervisor/agents", "Agent's team, capacity and skills saved.")


# ---- moving cases ------------------------------------------------------------------------------


def move_targets(db: Session) -> list[tuple[str, str]]:
    """The choices of a "move to" select: agents, then teams' pools."""
    return [(f"agent:{a.id}", a.full_name) for a in auth_service.agents(db)] + [
        (f"team:{t.id}", f"{t.name} (team pool)") for t in repository.teams(db)
    ]


def _case_or_404(db: Session, viewer: Viewer, case_id: int) -> Case:
    case = repository.case_for_viewer(db, viewer, case_id)
    if case is None:
        raise NotFound("case")
    return case


def _assign_page(
    request: Request,
    db: Session,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    *,
    case: Case,
) -> Response:
    history = repository.assignment_history(db, case.id)
    ids = {i for c in history for i in (c.from_agent_id, c.to_agent_id, c.by_user_id) if i}
    return render(
        request,
        "cases/assignment_case.html",
        {
            "case": case,
            "history": history,
            "names": _names(db, ids),
            "teams": {team.id: team for team in repository.teams(db)},
            "targets": move_targets(db),
            "values": values,
            "errors": errors or {},
        },
    )


@router.get("/supervisor/cases/{case_id}/assign")
def case_assign_form(
    request: Request, db: DbSession, _: Supervisor, viewer: CurrentViewer, case_id: RowId
) -> Response:
    """Who holds the case, every change so far, and a form to move it."""
    return _assign_page(request, db, {}, case=_case_or_404(db, viewer, case_id))


@router.post("/supervisor/cases/{case_id}/assign")
def case_assign(
    request: Request,
    posted: PostedForm,
    db: DbSession,
    user: Supervisor,
    viewer: CurrentViewer,
    case_id: RowId,
) -> Response:
    case = _case_or_404(db, viewer, case_id)
    values = form_values(posted)

    def save(data: ReassignForm) -> int:
        to_agent_id, to_team_id = data.target
        moved = assignment.reassign(
            db,
            case_ids=[case.id],
            to_agent_id=to_agent_id,
            to_team_id=to_team_id,
            by_user_id=user.id,
            reason=data.reason,
        )
        if not moved:
            raise FormError({"to": "already holds this case (or the case is closed)"})
        return moved

    _save(values, ReassignForm, save, lambda v, e: _assign_page(request, db, v, e, case=case))
    return flash.redirect(f"/supervisor/cases/{case.id}/assign", "Case reassigned.")


def _rebalance_page(
    request: Request,
    db: Session,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    *,
    moved: int | None = None,
) -> Response:
    users = auth_service.agents(db)
    return render(
        request,
        "cases/assignment_rebalance.html",
        {
            "agents": users,
            "loads": assignment.Loads.of(db, [u.id for u in users]),
            "values": values,
            "errors": errors or {},
            "ticked": set(values.get("to_agent_ids", "").split(",")),
            "moved": moved,
        },
    )


@router.get("/supervisor/rebalance")
def rebalance_form(
    request: Request,
    db: DbSession,
    _: Supervisor,
    from_agent_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    """Spread an agent's book over other agents, least loaded first."""
    return _rebalance_page(request, db, {"from_agent_id": str(from_agent_id or "")})


@router.post("/supervisor/rebalance")
def rebalance(request: Request, posted: PostedForm, db: DbSession, user: Supervisor) -> Response:
    values = _values(posted, "to_agent_ids")
    moved: list[int] = []

    def save(data: RebalanceForm) -> None:
        moved.append(
            assignment.rebalance(
                db,
                from_agent_id=data.from_agent_id,
                to_agent_ids=data.to_agent_ids,
                by_user_id=user.id,
                reason=data.reason,
                limit=data.limit,
            )
        )

    _save(values, RebalanceForm, save, lambda v, e: _rebalance_page(request, db, v, e))
    return _rebalance_page(
        request, db, {"from_agent_id": values.get("from_agent_id", "")}, moved=moved[0]
    )
