"""The agent's own list (/cases?agent=me): their book, their leases and their team's
pool; due today; search by name, phone, e-mail or reference; sort by due date."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.auth.models import Role, User
from agency.cases.models import AgentProfile, Channel, Team
from agency.kit import clock
from tests.fixtures.compliance import OFFICE_HOURS
from tests.fixtures.factories import (
    ClientFactory,
    ConsumerFactory,
    ContactPointFactory,
    UserFactory,
    case_for,
)
from tests.fixtures.web import sign_in


def references(html: str) -> list[str]:
    return re.findall(r'<a href="/cases/\d+">([^<]+)</a>', html)


@pytest.fixture
def agent(client: TestClient, db: Session) -> Iterator[User]:
    with clock.frozen(OFFICE_HOURS):
        user: User = UserFactory(role=Role.AGENT)
        team = Team(name="East")
        db.add(team)
        db.flush()
        db.add(AgentProfile(user_id=user.id, team_id=team.id))
        other_team = Team(name="West")
        db.add(other_team)
        db.flush()
        acme = ClientFactory()
        someone = UserFactory(role=Role.AGENT)
        pat = ConsumerFactory(first_name="Pat", last_name="Aspen")
        ContactPointFactory(consumer=pat, value="+13125550123")
        ContactPointFactory(
            consumer=pat, channel=Channel.EMAIL, kind="personal", value="pat@example.org"
        )
        case_for(acme, client_reference="BOOK-1", assigned_agent_id=user.id, consumer=pat)
        case_for(
            acme,
            client_reference="BOOK-DUE",
            assigned_agent_id=user.id,
            next_action_at=OFFICE_HOURS + timedelta(hours=2),
        )
        case_for(
            acme,
            client_reference="BOOK-LATER",
            assigned_agent_id=user.id,
            next_action_at=OFFICE_HOURS + timedelta(days=3),
        )
        case_for(acme, client_reference="POOL-1", team_id=team.id)
        case_for(acme, client_reference="LEASED-1", assigned_agent_id=someone.id)
        leased = case_for(ClientFactory(), client_reference="LEASED-2")
        leased.lease_agent_id = user.id
        leased.lease_expires_at = OFFICE_HOURS + timedelta(minutes=10)
        case_for(acme, client_reference="OTHER-POOL", team_id=other_team.id)
        case_for(acme, client_reference="NOBODY")
        db.flush()
        sign_in(client, db, user)
        yield user


def test_my_list_is_my_book_my_leases_and_my_teams_pool(client: TestClient, agent: User) -> None:
    page = client.get("/cases?agent=me&sort=reference&dir=asc")
    assert page.status_code == 200
    assert references(page.text) == ["BOOK-1", "BOOK-DUE", "BOOK-LATER", "LEASED-2", "POOL-1"]
    assert 'id="next-case"' in page.text
    assert 'id="move-these"' not in page.text  # moving cases is the supervisor's


def test_team_pool_rows_say_so(client: TestClient, agent: User) -> None:
    page = client.get("/cases?agent=me&sort=reference&dir=asc").text
    rows = dict(re.findall(r'<a href="/cases/\d+">([^<]+)</a>(.*?)</tr>', page, re.S))
    assert "Team pool" in rows["POOL-1"]
    assert all("Team pool" not in row for ref, row in rows.items() if ref != "POOL-1")


def test_due_today_and_sorting_by_due_date(client: TestClient, agent: User) -> None:
    assert references(client.get("/cases?agent=me&due_today=true").text) == ["BOOK-DUE"]
    by_due = references(client.get("/cases?agent=me&sort=due&dir=asc").text)
    assert by_due.index("BOOK-DUE") < by_due.index("BOOK-LATER")
    assert client.get("/cases?due_today=maybe").status_code == 422


@pytest.mark.parametrize(
    "q",
    [
        "(312) 555-0123",
        "312.555.0123",
        "+1 312 555 0123",
        "pat@example.org",
        "PAT@EXAMPLE.ORG",
        "aspen",
        "Pat Aspen",
        "book-1",
    ],
)
def test_search_by_name_phone_email_or_reference(client: TestClient, agent: User, q: str) -> None:
    assert references(client.get("/cases", params={"agent": "me", "q": q}).text) == ["BOOK-1"]


def test_a_search_that_names_nobody_finds_nothing(client: TestClient, agent: User) -> None:
    for q in ("(312) 555-0199", "nobody@example.org", "12345678"):
        assert references(client.get("/cases", params={"agent": "me", "q": q}).text) == []


def test_the_filter_bar_keeps_the_filters_it_has_no_control_for(
    client: TestClient, agent: User, db: Session
) -> None:
    east = db.scalars(select(Team).where(Team.name == "East")).one()
    page = client.get(f"/cases?due_today=true&team_id={east.id}&hold_rule=US-REGF-TIME").text
    bar = page[page.index('<form class="filters"') : page.index("</form>", page.index("filters"))]
    # Changing the status or the search submits the form: these go along with it.
    assert '<input type="hidden" name="due_today" value="true">' in bar
    assert f'<input type="hidden" name="team_id" value="{east.id}">' in bar
    assert '<input type="hidden" name="hold_rule" value="US-REGF-TIME">' in bar
    kept = re.search(r'<p class="active-filters" id="kept-filters">(.*?)</p>', page, re.S)
    assert kept is not None
    # Each shown in words, with a link that drops only that one (due today has its toggle).
    links = {
        words.strip(): href.replace("&amp;", "&")
        for href, words in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+) ✕</a>', kept.group(1))
    }
    assert links == {
        "team East": "?due_today=true&hold_rule=US-REGF-TIME",
        "held by US-REGF-TIME": f"?due_today=true&team_id={east.id}",
    }
    assert 'id="kept-filters"' not in client.get("/cases?agent=me").text
