"""A supervisor filters the case list in the browser, opens "Move these cases", sees the
filters named and the cases per client and country, is warned of the agent's capacity
and skills and confirms, moves the cases, then undoes the move."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from agency.auth.models import Role
from agency.cases.models import AgentProfile, Case, CaseStatus
from agency.db import session_scope
from tests.fixtures.factories import (
    PASSWORD,
    ClientFactory,
    ConsumerFactory,
    UserFactory,
    bind,
    case_for,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def ids(live_server: str) -> dict[str, int]:
    with session_scope() as db:
        bind(db)
        acme, bolt = ClientFactory(name="Acme Media"), ClientFactory(name="Bolt Power")
        ana = UserFactory(role=Role.AGENT, full_name="Ana Agent")
        ben = UserFactory(role=Role.AGENT, full_name="Ben Agent")
        UserFactory(role=Role.SUPERVISOR, full_name="Sam Supervisor", email="sam@example.com")
        db.add(AgentProfile(user_id=ana.id, capacity=2, languages=["en"], regions=["US"]))

        def case(client: object, ref: str, country: str, **kwargs: object) -> None:
            region = "IL" if country == "US" else "NSW"
            consumer = ConsumerFactory(country=country, region=region, language="en")
            case_for(client, client_reference=ref, consumer=consumer, **kwargs)

        case(acme, "AC-1", "US", assigned_agent_id=ben.id)
        case(acme, "AC-2", "US", assigned_agent_id=ben.id)
        case(acme, "AC-3", "AU", assigned_agent_id=ben.id)
        case(acme, "AC-4", "US", assigned_agent_id=ben.id, status=CaseStatus.ACTIVE)
        case(bolt, "BO-1", "US", assigned_agent_id=ben.id)
        case(acme, "AC-5", "US")
        db.flush()
        return {"ana": ana.id, "ben": ben.id, "acme": acme.id}


def holders() -> dict[str, int | None]:
    with session_scope() as db:
        found = db.execute(select(Case.client_reference, Case.assigned_agent_id))
        return {row[0]: row[1] for row in found}


def rows(page: Page) -> list[str]:
    return sorted(page.locator("#case-table tbody tr td:first-child a").all_inner_texts())


def test_a_supervisor_moves_a_filtered_list_and_undoes_it(
    page: Page, live_server: str, ids: dict[str, int]
) -> None:
    page.goto(f"{live_server}/login")
    page.fill("#f-email", "sam@example.com")
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/cases")
    assert len(rows(page)) == 6

    page.select_option("select[name=client_id]", str(ids["acme"]))
    page.select_option("select[name=status]", "new")
    page.select_option("select[name=agent]", str(ids["ben"]))
    expect(page.locator("#case-table tbody tr")).to_have_count(3)
    assert rows(page) == ["AC-1", "AC-2", "AC-3"]

    page.click("#move-these")
    expect(page.locator("h1")).to_have_text("Move a set of cases")
    filters = page.locator("#move-filters li").all_inner_texts()
    assert filters == ["status new", "client Acme Media", "agent Ben Agent"]
    expect(page.locator("#matching")).to_have_text("3 open cases")
    preview = [
        row.locator("td").all_inner_texts() for row in page.locator("#move-preview tbody tr").all()
    ]
    assert preview == [["Acme Media", "AU", "1"], ["Acme Media", "US", "2"]]

    page.select_option("#f-to", label="Ana Agent")
    page.fill("#f-reason", "Ben is on leave")
    page.click("#move-submit")
    warnings = page.locator("#move-warnings")
    expect(warnings).to_contain_text(
        "Ana Agent can hold 2 open cases and holds 0: this move gives them 3, 1 over"
    )
    expect(warnings).to_contain_text("Ana Agent is not set up for 1 case in country AU")
    assert holders()["AC-1"] == ids["ben"]

    page.check("#f-confirm")
    page.click("#move-submit")
    expect(page).to_have_url(re.compile(r"/supervisor/moves/\d+$"))
    expect(page.locator("#moved")).to_have_text("3 cases")
    after = holders()
    assert [after[r] for r in ("AC-1", "AC-2", "AC-3")] == [ids["ana"]] * 3
    assert [after[r] for r in ("AC-4", "BO-1", "AC-5")] == [ids["ben"], ids["ben"], None]

    page.click("#undo-move")
    expect(page.locator("#undone")).to_contain_text(
        "3 cases undone (back where they were); 0 left alone"
    )
    expect(page.locator("#undo-move")).to_have_count(0)
    assert [holders()[r] for r in ("AC-1", "AC-2", "AC-3")] == [ids["ben"]] * 3
