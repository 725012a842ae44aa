"""The supervisor's "Move these cases": exactly the filters shown (named on the page, blank
ones meaning none), the preview per client and country, capacity and skills confirmed,
one batch, and its undo; each form submitted as the page renders it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.auth.models import Role, User
from agency.cases import bulk_move, reassign
from agency.cases.models import (
    AgentProfile,
    AssignmentChange,
    Case,
    CaseStatus,
    MoveBatch,
    Team,
)
from agency.cases.repository import assignment as assignment_repo
from agency.clients.models import Client
from agency.kit import clock
from tests.fixtures.factories import ClientFactory, ConsumerFactory, UserFactory, case_for
from tests.fixtures.forms import form_posting_to
from tests.fixtures.web import post_form, sign_in

NOW = datetime(2026, 6, 8, 15, 0, tzinfo=UTC)
HTMX = {"HX-Request": "true", "HX-Target": "case-table"}


@pytest.fixture(autouse=True)
def frozen() -> Any:
    with clock.frozen(NOW):
        yield


@pytest.fixture
def boss(client: TestClient, db: Session) -> User:
    user: User = UserFactory(role=Role.SUPERVISOR, full_name="Sam Supervisor")
    sign_in(client, db, user)
    return user


def holders(db: Session, cases: list[Case]) -> list[int | None]:
    db.expire_all()
    return [db.get_one(Case, c.id).assigned_agent_id for c in cases]


def move_link(page: str) -> str:
    found = re.search(r'href="([^"]*)" id="move-these"', page)
    assert found, "no move link"
    return found.group(1).replace("&amp;", "&")


def submit(client: TestClient, page: str, **fields: str) -> Any:
    """Post the move form as rendered (hidden filters, blank ones too), with ``fields``."""
    return post_form(
        client, "/supervisor/reassign", {**form_posting_to(page, "/supervisor/reassign"), **fields}
    )


def case_in(client: Client, country: str, **kwargs: Any) -> Case:
    region = {"US": "IL", "AU": "NSW", "GB": None}[country]
    return case_for(client, consumer=ConsumerFactory(country=country, region=region), **kwargs)


def test_filtered_to_one_agents_new_cases_the_move_takes_only_those(
    client: TestClient, db: Session, boss: User
) -> None:
    """The reported case: the list filtered (by htmx) to Ben's new cases; "Move these
    cases" onto Ana (US only, capacity 600) moved every open case of three clients."""
    acme, bolt, crux = (ClientFactory(name=n) for n in ("Acme", "Bolt", "Crux"))
    ana = UserFactory(role=Role.AGENT, full_name="Ana Agent")
    ben = UserFactory(role=Role.AGENT, full_name="Ben Agent")
    db.add(AgentProfile(user_id=ana.id, capacity=600, languages=["en"], regions=["US"]))
    bens_new = [
        case_in(acme, "US", assigned_agent_id=ben.id),
        case_in(acme, "US", assigned_agent_id=ben.id),
        case_in(bolt, "AU", assigned_agent_id=ben.id),
    ]
    others = [
        case_in(acme, "US", assigned_agent_id=ben.id, status=CaseStatus.ACTIVE),
        case_in(crux, "GB"),
        case_in(bolt, "AU", assigned_agent_id=ana.id, status=CaseStatus.ACTIVE),
    ]
    before = holders(db, others)

    # The filter bar swaps the table by htmx: the move link comes with it, filters and all.
    swapped = client.get(f"/cases?status=new&agent={ben.id}", headers=HTMX).text
    assert 'hx-swap-oob="true"' in swapped
    href = move_link(swapped)
    assert href == f"/supervisor/reassign?status=new&agent={ben.id}"

    page = client.get(href).text
    assert "<li>status new</li>" in page and "<li>agent Ben Agent</li>" in page
    assert "3 open cases</a> match these filters" in page
    preview = re.findall(r"<tr><td>(\w+)</td><td>(\w+)</td><td class=\"num\">(\d+)</td></tr>", page)
    assert preview == [("Acme", "US", "2"), ("Bolt", "AU", "1")]
    form = form_posting_to(page, "/supervisor/reassign")
    assert form["q"] == "" and form["client_id"] == "" and form["status"] == "new"

    # Ana covers the US only: the AU case needs the supervisor's confirmation.
    warned = submit(client, page, to=f"agent:{ana.id}", reason="Ben is away")
    assert warned.status_code == 422
    assert "Ana Agent is not set up for 1 case in country AU" in warned.text
    assert holders(db, bens_new) == [ben.id] * 3
    assert db.scalar(select(MoveBatch.id)) is None

    done = submit(client, warned.text, confirm="on")
    assert done.status_code == 303
    assert holders(db, bens_new) == [ana.id] * 3
    assert holders(db, others) == before
    batch = db.scalars(select(MoveBatch)).one()
    assert (batch.cases, batch.to_agent_id, batch.filters) == (
        3,
        ana.id,
        ["status new", "agent Ben Agent"],
    )
    moved = client.get(done.headers["location"]).text
    assert "3 cases" in moved and "status new; agent Ben Agent" in moved
    assert 'id="undo-move"' in moved


def test_blank_filters_mean_no_filter_and_bad_ones_are_named(
    client: TestClient, db: Session, boss: User
) -> None:
    acme = ClientFactory(name="Acme")
    ana = UserFactory(role=Role.AGENT)
    cases = [case_in(acme, "US") for _ in range(2)]
    blank = f"q=&status=&client_id={acme.id}&agent=&team_id=&today="
    page = client.get(f"/supervisor/reassign?{blank}")
    assert page.status_code == 200
    assert "<li>client Acme</li>" in page.text and "2 open cases" in page.text
    assert submit(client, page.text, to=f"agent:{ana.id}", reason="r").status_code == 303
    assert holders(db, cases) == [ana.id, ana.id]

    bad = client.get("/supervisor/reassign?agent=nobody&status=")
    assert bad.status_code == 422
    assert "The filter agent = nobody is not one the case list offers" in bad.text
    huge = client.get("/supervisor/reassign?agent=99999999999999999999&client_id=0")
    assert huge.status_code == 422
    assert "The filter agent = 99999999999999999999" in huge.text
    assert "The filter client_id = 0" in huge.text
    every = client.get("/supervisor/reassign").text
    assert 'id="no-filter"' in every and "every open case" in every


def test_capacity_is_confirmed_and_a_changed_set_moves_nothing(
    client: TestClient, db: Session, boss: User
) -> None:
    acme = ClientFactory()
    ana = UserFactory(role=Role.AGENT, full_name="Ana Agent")
    db.add(AgentProfile(user_id=ana.id, capacity=3))
    case_in(acme, "US", assigned_agent_id=ana.id)
    unassigned = [case_in(acme, "US") for _ in range(3)]
    page = client.get("/supervisor/reassign?agent=none").text

    late = case_in(acme, "US")  # placed while the supervisor looked at the preview
    changed = submit(client, page, to=f"agent:{ana.id}", reason="r", confirm="on")
    assert changed.status_code == 422
    assert "changed since the preview (now 4 open cases)" in changed.text
    assert holders(db, [*unassigned, late]) == [None] * 4

    warned = submit(client, changed.text, to=f"agent:{ana.id}", reason="r")
    assert warned.status_code == 422
    assert "Ana Agent can hold 3 open cases and holds 1: this move gives them 5, 2 over" in (
        warned.text
    )
    assert "Move anyway: tick this" in warned.text
    assert submit(client, warned.text, confirm="on").status_code == 303
    assert holders(db, [*unassigned, late]) == [ana.id] * 4


def test_two_supervisors_moving_the_same_cases_move_them_once(
    client: TestClient, db: Session, boss: User
) -> None:
    acme = ClientFactory()
    ana, ben = (UserFactory(role=Role.AGENT) for _ in range(2))
    cases = [case_in(acme, "US") for _ in range(2)]
    first = client.get("/supervisor/reassign?status=new").text
    second = client.get("/supervisor/reassign?status=new").text
    assert submit(client, first, to=f"agent:{ana.id}", reason="mine").status_code == 303
    late = submit(client, second, to=f"agent:{ben.id}", reason="mine too")
    assert late.status_code == 422 and "now 0 open cases" in late.text
    assert holders(db, cases) == [ana.id, ana.id]
    assert len(db.scalars(select(AssignmentChange)).all()) == 2


def test_undo_puts_back_only_the_untouched_cases_and_only_once(
    client: TestClient, db: Session, boss: User
) -> None:
    acme = ClientFactory()
    ana, ben, cy = (UserFactory(role=Role.AGENT) for _ in range(3))
    team = Team(name="Pool")
    db.add(team)
    db.flush()
    untouched = [case_in(acme, "US", assigned_agent_id=ben.id) for _ in range(2)]
    pooled = case_in(acme, "US", team_id=team.id)
    moved_again, worked, closed = (case_in(acme, "US", assigned_agent_id=ben.id) for _ in range(3))
    from_cy = case_in(acme, "US", assigned_agent_id=cy.id)
    page = client.get(f"/supervisor/reassign?client_id={acme.id}").text
    done = submit(client, page, to=f"agent:{ana.id}", reason="cover")
    assert done.status_code == 303
    batch_page = done.headers["location"]

    with clock.frozen(NOW + timedelta(minutes=5)):
        post_form(
            client,
            f"/supervisor/cases/{moved_again.id}/assign",
            {"to": f"agent:{ben.id}", "reason": "back to Ben"},
        )
        db.get_one(Case, worked.id).next_action_at = NOW + timedelta(days=1)
        db.get_one(Case, closed.id).status = CaseStatus.PAID
        db.get_one(User, cy.id).is_active = False
        db.flush()

    with clock.frozen(NOW + timedelta(minutes=10)):
        undo_form = client.get(batch_page).text
        undone = post_form(
            client, f"{batch_page}/undo", form_posting_to(undo_form, f"{batch_page}/undo")
        )
    assert undone.status_code == 200
    assert "3 cases undone (back where they were); 4 left alone" in undone.text
    for said in (
        "<li>1 case: closed since the move</li>",
        "<li>1 case: moved again since the move</li>",
        "<li>1 case: the agent they came from is no longer active</li>",
        "<li>1 case: worked or changed since the move</li>",
    ):
        assert said in undone.text
    assert 'id="undo-move"' not in undone.text
    assert holders(db, untouched) == [ben.id] * 2
    db.expire_all()
    back = db.get_one(Case, pooled.id)
    assert (back.assigned_agent_id, back.team_id) == (None, team.id)
    assert holders(db, [moved_again, worked, closed, from_cy]) == [ben.id, ana.id, ana.id, ana.id]

    changes = len(db.scalars(select(AssignmentChange)).all())
    again = post_form(client, f"{batch_page}/undo", {})
    assert "already been undone: nothing was undone now" in again.text
    assert len(db.scalars(select(AssignmentChange)).all()) == changes
    batch = db.scalars(select(MoveBatch)).one()
    assert batch.undone_by_id == boss.id
    assert bulk_move.undo(db, batch=batch, by_user_id=boss.id).already
    recent = client.get("/supervisor/reassign").text
    assert f'<a href="/supervisor/moves/{batch.id}">Move {batch.id}</a>: 7 cases' in recent
    assert "(undone)" in recent
    assert client.get("/supervisor/moves/987654").status_code == 404


def test_a_move_that_lands_while_this_one_waits_for_its_locks_moves_nothing(
    client: TestClient, db: Session, boss: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the other supervisor's move commits while this one waits on the agent's
    profile lock is seen when the set is checked again, under the locks."""
    acme = ClientFactory()
    ana, ben = (UserFactory(role=Role.AGENT) for _ in range(2))
    cases = [case_in(acme, "US") for _ in range(2)]
    page = client.get("/supervisor/reassign?agent=none").text
    lock = assignment_repo.lock_agent_profile

    def lock_after_the_other_move(session: Session, agent_id: int) -> None:
        lock(session, agent_id)
        reassign.reassign(
            session, case_ids=[cases[0].id], to_agent_id=ben.id, by_user_id=boss.id, reason="x"
        )

    monkeypatch.setattr(assignment_repo, "lock_agent_profile", lock_after_the_other_move)
    refused = submit(client, page, to=f"agent:{ana.id}", reason="mine")
    assert refused.status_code == 422 and "now 1 open case)" in refused.text
    assert db.scalar(select(MoveBatch.id)) is None
    assert holders(db, cases) == [None, None]  # the request rolled back, the other's too


@pytest.mark.parametrize("role", [Role.AGENT, Role.MERCHANT, Role.COMPLIANCE])
def test_other_roles_neither_see_nor_undo_a_move(
    client: TestClient, db: Session, role: Role
) -> None:
    ana = UserFactory(role=Role.AGENT)
    case = case_in(ClientFactory(), "US", assigned_agent_id=ana.id)
    batch = MoveBatch(filters=["status new"], reason="cover", to_agent_id=ana.id, cases=1)
    db.add(batch)
    db.flush()
    db.add(AssignmentChange(case_id=case.id, to_agent_id=ana.id, batch_id=batch.id, reason="r"))
    user = UserFactory(role=role, client=ClientFactory() if role is Role.MERCHANT else None)
    sign_in(client, db, user)
    assert client.get(f"/supervisor/moves/{batch.id}").status_code == 403
    assert post_form(client, f"/supervisor/moves/{batch.id}/undo", {}).status_code == 403
    db.expire_all()
    assert db.get_one(MoveBatch, batch.id).undone_at is None
    assert db.get_one(Case, case.id).assigned_agent_id == ana.id
