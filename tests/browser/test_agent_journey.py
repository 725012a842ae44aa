"""An agent signs in through the real page and works with their case list."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from agency.auth.models import Role
from agency.cases.models import CaseStatus
from agency.db import session_scope
from tests.fixtures.factories import (
    PASSWORD,
    ClientFactory,
    ConsumerFactory,
    ContractFactory,
    UserFactory,
    bind,
    case_for,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def agent_email(live_server: str) -> str:
    with session_scope() as db:
        bind(db)
        acme = ClientFactory(name="Acme Media")
        contract = ContractFactory(client=acme)
        agent = UserFactory(role=Role.AGENT, full_name="Alex Agent", email="alex@example.com")
        for ref, last, amount in [
            ("AC-300", "Birch", 30_000),
            ("AC-100", "Aspen", 10_000),
            ("AC-200", "Cedar", 20_000),
        ]:
            case_for(
                acme,
                contract=contract,
                client_reference=ref,
                principal_minor=amount,
                interest_minor=0,
                assigned_agent_id=agent.id,
                status=CaseStatus.ACTIVE,
                consumer=ConsumerFactory(first_name="Pat", last_name=last),
            )
        case_for(acme, contract=contract, client_reference="NOT-MINE")
        return str(agent.email)


def rows(page: Page) -> list[str]:
    return page.locator("#case-table tbody tr td:first-child a").all_inner_texts()


def test_agent_signs_in_and_sees_their_case_list(
    page: Page, live_server: str, agent_email: str
) -> None:
    page.goto(f"{live_server}/")
    expect(page.locator("h1")).to_have_text("Sign in to agency")

    page.fill("#f-email", agent_email)
    page.fill("#f-password", "wrong-password")
    page.click("button[type=submit]")
    expect(page.locator(".alert.error")).to_have_text("E-mail or password is incorrect.")

    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/cases\?agent=me$"))
    expect(page.locator("h1")).to_have_text("My cases")
    expect(page.locator(".whoami")).to_contain_text("Alex Agent")
    assert sorted(rows(page)) == ["AC-100", "AC-200", "AC-300"]
    expect(page.locator("#case-table")).to_contain_text("Pat Aspen")
    expect(page.locator("#case-table")).to_contain_text("$300.00")

    # Sorting by balance swaps the table through htmx and keeps the URL in step.
    page.click("#case-table th a:text('Balance')")
    expect(page).to_have_url(re.compile(r"sort=balance&dir=asc"))
    expect(page.locator("#case-table tbody tr").first).to_contain_text("AC-100")
    assert rows(page) == ["AC-100", "AC-200", "AC-300"]
    page.click("#case-table th a:text('Balance')")
    expect(page.locator("#case-table tbody tr").first).to_contain_text("AC-300")
    expect(page.locator("h1")).to_have_text("My cases")  # still the same page, not a reload

    # Opening a case shows its page; signing out ends the session.
    page.click("text=AC-200")
    expect(page.locator("h1")).to_contain_text("Pat Cedar")
    page.click("text=Sign out")
    expect(page.locator("h1")).to_have_text("Sign in to agency")
    page.goto(f"{live_server}/cases?agent=me")
    expect(page.locator("h1")).to_have_text("Sign in to agency")
