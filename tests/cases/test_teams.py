"""Agents' profiles: team, capacity, languages and regions saved and checked."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.cases import teams
from agency.cases.models import Team
from agency.cases.schemas import AgentProfileForm
from tests.fixtures.factories import UserFactory


def test_agent_profiles_are_saved_and_validated(db: Session) -> None:
    team = Team(name="Profiles")
    db.add(team)
    db.flush()
    person = UserFactory(role=Role.AGENT)
    data = AgentProfileForm.model_validate(
        {"team_id": str(team.id), "capacity": "40", "languages": "EN, es", "regions": "us-ca US"}
    )
    profile = teams.update_agent(db, user_id=person.id, data=data)
    assert (profile.team_id, profile.capacity, profile.languages, profile.regions) == (
        team.id,
        40,
        ["en", "es"],
        ["US", "US-CA"],
    )
    with pytest.raises(ValueError, match="two-letter"):
        AgentProfileForm.model_validate({"languages": "english"})
    with pytest.raises(LookupError):
        teams.update_agent(
            db, user_id=UserFactory(role=Role.SUPERVISOR).id, data=AgentProfileForm()
        )
