"""A compliance officer opens the Outbox, narrows it to the blocked messages in the
browser (htmx swaps the results, the address bar follows), opens one, and reads the
page on a phone without scrolling sideways."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from agency.auth.models import Role
from agency.db import session_scope
from agency.outreach.models import MessageStatus
from tests.browser.conftest import console_errors
from tests.fixtures.compliance import NIGHT, make_debtor
from tests.fixtures.factories import PASSWORD, ClientFactory, UserFactory, bind
from tests.outreach.test_outbox_views import queued

pytestmark = pytest.mark.browser


@pytest.fixture
def officer_email(live_server: str) -> str:
    """A text delivered and an e-mail the gate blocked at night, both committed."""
    with session_scope() as db:
        bind(db)
        acme = ClientFactory(name="Acme Media")
        dana = make_debtor(client=acme, first_name="Dana", reference="AC-1")
        queued(db, dana, body="Your reminder", status=MessageStatus.DELIVERED)
        queued(db, dana, at=NIGHT)
        officer = UserFactory(role=Role.COMPLIANCE, email="casey@example.com")
        return str(officer.email)


def test_officer_filters_the_outbox_in_the_browser_and_on_a_phone(
    page: Page, live_server: str, officer_email: str
) -> None:
    errors = console_errors(page)
    page.goto(f"{live_server}/login")
    page.fill("#f-email", officer_email)
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    page.click("nav[aria-label=Main] >> text=Outbox")
    expect(page.locator("h1")).to_have_text("Outbox")
    rows = page.locator("#outbox-table tbody tr")
    expect(rows).to_have_count(2)

    page.select_option("#f-status", "blocked")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("blocked")
    expect(rows.first).to_contain_text("US-REGF-TIME")
    expect(page).to_have_url(re.compile(r"status=blocked"))
    page.select_option("#f-status", "delivered")
    expect(rows.first).to_contain_text("delivered")
    expect(rows).to_have_count(1)
    expect(page.locator("[data-request-error]")).to_be_empty()

    rows.first.locator("a", has_text="#").click()
    expect(page.locator("#message-body")).to_have_text("Your reminder")

    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{live_server}/outbox")
    expect(rows).to_have_count(2)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.evaluate("window.innerWidth"), width
    assert errors == []
