"""An agent opens a case, chooses "text", a template and the number, previews it (the
words and "allowed"), sends it, and watches it reach "delivered" on the case page in
the sandbox; the send form is usable at a phone's width; then a compliance officer finds
the text in the Outbox."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from agency.auth.models import Role
from agency.cases.models import CaseStatus
from agency.db import session_scope
from agency.kit import clock
from tests.browser.conftest import console_errors, sign_in
from tests.fixtures.compliance import OFFICE_HOURS, make_debtor
from tests.fixtures.factories import ClientFactory, UserFactory, bind
from tests.outreach.test_send_from_case import save_templates

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Setting:
    case_id: int
    agent: str
    officer: str


@pytest.fixture
def office_hours(live_server: str) -> Iterator[Setting]:
    """The server's clock at 10:00 in Chicago; an agent's case of a Chicago consumer, the
    templates an admin saved, and a compliance officer."""
    with clock.frozen(OFFICE_HOURS):
        with session_scope() as db:
            bind(db)
            agent = UserFactory(role=Role.AGENT, email="alex@example.com")
            officer = UserFactory(role=Role.COMPLIANCE, email="casey@example.com")
            debtor = make_debtor(
                client=ClientFactory(name="Acme Media"),
                first_name="Dana",
                reference="AC-900",
                phone="+13125550142",
            )
            debtor.case.assigned_agent_id = agent.id
            debtor.case.status = CaseStatus.ACTIVE
            save_templates(db)
            db.flush()
            setting = Setting(debtor.case.id, str(agent.email), str(officer.email))
        yield setting


def settled(page: Page) -> None:
    """htmx has finished swapping (a person does not pick faster than the page settles)."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )


def test_agent_sends_a_text_that_is_delivered_and_the_officer_sees_it(
    page: Page, live_server: str, office_hours: Setting
) -> None:
    errors = console_errors(page)
    sign_in(page, live_server, office_hours.agent)
    page.goto(f"{live_server}/cases/{office_hours.case_id}")
    panel = page.locator("#case-messages")
    expect(panel.locator("#send-form")).to_be_visible()

    # Switching the channel swaps the choices; back to a text.
    settled(page)  # the panel came in by htmx: its controls are live once it settles
    page.select_option("#f-send-channel", "letter")
    expect(page.locator("#f-send-template")).to_contain_text("Balance letter")
    settled(page)
    page.select_option("#f-send-channel", "sms")
    expect(page.locator("#f-send-template")).to_contain_text("Payment reminder")
    page.select_option("#f-send-template", label="Payment reminder (en, v1)")
    page.select_option("#f-send-point", label="mobile …0142")

    page.click("#send-preview-button")
    expect(page.locator("#preview-body")).to_contain_text("Hi Dana, your balance is")
    expect(page.locator("#preview-segments")).to_contain_text("GSM-7")
    expect(page.locator("#preview-decision")).to_contain_text("allowed")
    # The form keeps the choices for the send.
    expect(page.locator("#f-send-template option:checked")).to_have_text(
        "Payment reminder (en, v1)"
    )
    expect(page.locator("#f-send-point option:checked")).to_have_text("mobile …0142")
    settled(page)

    page.click("#send-button")
    expect(page.locator("#send-result")).to_contain_text("Queued")
    first = page.locator("#case-message-list li.entry").first
    expect(first).to_contain_text("sms to the consumer")
    expect(first).to_contain_text("Hi Dana, your balance is")
    # The list follows the text until it is final, then stops asking.
    expect(first.locator("[data-status]")).to_have_text("delivered")
    expect(page.locator("#case-message-list")).not_to_have_attribute("hx-trigger", "every 3s")
    expect(page.locator("#case-message-list li.entry")).to_have_count(1)
    expect(page.locator("body")).not_to_contain_text("+13125550142")

    # At a phone's width the panel fits: nothing wider than the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.locator("#send-form")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.evaluate("window.innerWidth"), width
    box = page.locator("#send-button").bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390

    page.click("text=Sign out")
    sign_in(page, live_server, office_hours.officer)
    page.goto(f"{live_server}/outbox")
    rows = page.locator("#outbox-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("delivered")
    expect(rows.first).to_contain_text("AC-900")
    assert errors == []
