"""An agent adds their phone on their profile, calls a consumer from the case page, has
agency ring them and connect (the sandbox plays the call), watches the call's status
until it is over, then records what happened."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from agency.auth.models import Role
from agency.cases.models import CaseStatus
from agency.db import session_scope
from agency.kit import clock
from tests.fixtures.compliance import OFFICE_HOURS, make_debtor
from tests.fixtures.factories import PASSWORD, ClientFactory, UserFactory, bind

pytestmark = pytest.mark.browser


@pytest.fixture
def morning(live_server: str) -> Iterator[tuple[str, int]]:
    """10:00 in Chicago; an agent with one case of a Chicago consumer in their book."""
    with clock.frozen(OFFICE_HOURS):
        with session_scope() as db:
            bind(db)
            agent = UserFactory(role=Role.AGENT, full_name="Alex Agent", email="alex@example.com")
            debtor = make_debtor(
                client=ClientFactory(name="Acme Media"),
                first_name="Dana",
                last_name="Lind",
                reference="AC-700",
                phone="+13125550142",
            )
            debtor.case.assigned_agent_id = agent.id
            debtor.case.status = CaseStatus.ACTIVE
            db.flush()
            found = (str(agent.email), debtor.case.id)
        yield found


def test_agent_rings_their_phone_is_connected_and_records_the_outcome(
    page: Page, live_server: str, morning: tuple[str, int]
) -> None:
    email, case_id = morning
    page.goto(f"{live_server}/login")
    page.fill("#f-email", email)
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")

    page.goto(f"{live_server}/profile")
    page.fill("#f-phone", "312 555 0199")
    page.click("text=Save phone")
    expect(page.locator("body")).to_contain_text("Click-to-call now rings +13125550199.")

    page.goto(f"{live_server}/cases/{case_id}")
    page.click("#call-button")
    expect(page.locator("#call-allowed")).to_contain_text("Allowed. Dial")
    page.click("#ring-button")
    status = page.locator("#voice-call-status")
    expect(status).to_have_attribute("data-status", "completed", timeout=15_000)
    expect(status).to_contain_text("The call is over. It lasted 0:42.")
    expect(page.locator("h1")).to_contain_text("Dana Lind")  # swapped in place, no reload

    page.check("input[name=outcome][value=right_party_contact]")
    page.click("text=Record outcome")
    expect(page.locator("#action-message")).to_have_text("Outcome recorded: right-party contact.")
    expect(page.locator("#voice-call")).to_have_count(0)
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("outcome")
