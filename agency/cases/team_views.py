"""The supervisor's team and agent screens: the teams with their members (create, rename,
delete, or say what still ties a team), and every active agent's team, capacity against
open cases, languages and regions, with a form per agent.

Admins and supervisors only.  Forms post normally and come back with their errors next
to each field (422); the request's transaction then rolls back, so nothing is half-written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from agency.auth import service as auth_service
from agency.auth.models import Role, User
from agency.cases import assignment
from agency.cases import teams as teams_service
from agency.cases.repository import assignment as assignment_repo
from agency.cases.schemas import AgentProfileForm, TeamForm
from agency.cases.supervisor_shared import Supervisor, save_or_refuse
from agency.db import DbSession
from agency.kit import flash
from agency.kit.errors import NotFound
from agency.kit.forms import FormError, PostedForm, form_values, or_refuse
from agency.kit.params import MAX_ID, RowId
from agency.kit.templates import render

router = APIRouter()


# ---- teams ---------------------------------------------------------------------------------


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
    profiles = assignment_repo.agent_profiles(db)
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
            "teams": assignment_repo.teams(db),
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
    found = assignment_repo.team_by_id(db, team) if team is not None else None
    if team is not None and found is None:
        raise NotFound("team")
    values = form_values(posted)
    save_or_refuse(
        values,
        TeamForm,
        lambda data: teams_service.save_team(db, data=data, team=found),
        lambda v, e: _teams_page(request, db, v, e, edited=team),
    )
    done = "created" if found is None else "renamed"
    return flash.redirect("/supervisor/teams", f"Team {done}.")


@router.post("/supervisor/teams/{team_id}/delete")
def delete_team(request: Request, db: DbSession, _: Supervisor, team_id: RowId) -> Response:
    """Delete a team, or say what still ties it (open pool cases, rules): 422."""
    found = assignment_repo.team_by_id(db, team_id)
    if found is None:
        raise NotFound("team")

    def refused(exc: FormError) -> Response:
        pool_cases = exc.cases if isinstance(exc, teams_service.TeamInUse) else 0
        return _teams_page(request, db, errors=exc.errors, refused=(found.id, pool_cases))

    or_refuse(lambda: teams_service.delete_team(db, found), refused)
    return flash.redirect("/supervisor/teams", "Team deleted.")


# ---- agents --------------------------------------------------------------------------------


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
            "profiles": assignment_repo.agent_profiles(db),
            "teams": {team.id: team for team in assignment_repo.teams(db)},
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
            "team_options": [(t.id, t.name) for t in assignment_repo.teams(db)],
        },
    )


@router.get("/supervisor/agents/{user_id}")
def agent_form(request: Request, db: DbSession, _: Supervisor, user_id: RowId) -> Response:
    agent = _agent_or_404(db, user_id)
    profile = assignment_repo.agent_profiles(db, [user_id]).get(user_id)
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
    save_or_refuse(
        values,
        AgentProfileForm,
        lambda data: teams_service.update_agent(db, user_id=agent.id, data=data),
        lambda v, e: _agent_form(request, db, v, e, agent=agent),
    )
    return flash.redirect("/supervisor/agents", "Agent's team, capacity and skills saved.")
