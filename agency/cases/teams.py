"""Teams and agents as assignment sees them: creating, renaming and deleting a team (not
while it holds open pool cases or rules send cases to it), and an agent's team, capacity,
languages and regions (``AgentProfile``).  Services flush, never commit.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from agency.auth import service as auth_service
from agency.auth.models import Role
from agency.cases.models import AgentProfile, Team
from agency.cases.repository import assignment as assignment_repo
from agency.cases.schemas import AgentProfileForm, TeamForm
from agency.kit.forms import FormError


def save_team(db: Session, *, data: TeamForm, team: Team | None = None) -> Team:
    """Create a team, or rename one; names are unique (case-insensitive)."""
    same = assignment_repo.team_by_name(db, data.name)
    if same is not None and (team is None or same.id != team.id):
        raise FormError({"name": "is already the name of another team"})
    if team is None:
        team = Team(name=data.name)
        db.add(team)
    else:
        team.name = data.name
    db.flush()
    return team


class TeamInUse(FormError):
    """A team still holds open cases in its pool, or rules still send cases to it."""

    def __init__(self, team: Team, *, cases: int, rules: int) -> None:
        self.cases, self.rules = cases, rules
        problems = []
        if cases:
            problems.append(f"{cases} open case{'' if cases == 1 else 's'} in its pool: move them")
        if rules:
            problems.append(
                f"{rules} assignment rule{'' if rules == 1 else 's'} sending cases to it: "
                "change or delete them"
            )
        super().__init__({"team": f"{team.name} still has " + "; ".join(problems) + " first"})


def delete_team(db: Session, team: Team) -> None:
    """Delete a team whose pool holds no open case and to which no rule sends cases (its
    members stay, with no team; its closed cases keep no team)."""
    cases, rules = assignment_repo.team_ties(db, team.id)
    if cases or rules:
        raise TeamInUse(team, cases=cases, rules=rules)
    db.delete(team)
    db.flush()


def update_agent(db: Session, *, user_id: int, data: AgentProfileForm) -> AgentProfile:
    """Set an agent's team, capacity and skills (the profile is made on first save)."""
    users = auth_service.users_by_ids(db, [user_id])
    if not users or users[0].role is not Role.AGENT:
        raise LookupError("agent")
    if data.team_id is not None and assignment_repo.team_by_id(db, data.team_id) is None:
        raise FormError({"team_id": "must be an existing team"})
    profile = assignment_repo.agent_profiles(db, [user_id]).get(user_id)
    if profile is None:
        profile = AgentProfile(user_id=user_id)
        db.add(profile)
    profile.team_id = data.team_id
    profile.capacity = data.capacity
    profile.languages = list(data.languages)
    profile.regions = list(data.regions)
    db.flush()
    return profile
