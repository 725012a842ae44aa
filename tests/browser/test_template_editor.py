"""An admin opens a text template, types words without "Reply STOP" and sees the check
fail in the live preview (htmx, as typed), fixes them, saves with a reason and finds
version 2 in the history; on a phone (390px) the editor fits and still works."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from agency.auth.models import Role
from agency.db import session_scope
from agency.outreach.models import MessageChannel
from agency.outreach.versions import TemplateDraft, save_version
from tests.browser.conftest import console_errors, sign_in
from tests.fixtures.factories import UserFactory, bind

pytestmark = pytest.mark.browser

GOOD = "{{ disclosure.mini_miranda }} Hi {{ consumer.first_name }}, please call us. "
STOP = "{{ opt_out.sms }}"


@pytest.fixture
def admin_email(live_server: str) -> str:
    with session_scope() as db:
        bind(db)
        admin = UserFactory(role=Role.ADMIN, email="ada@example.com", full_name="Ada Admin")
        save_version(
            db,
            draft=TemplateDraft(
                key="payment-reminder",
                channel=MessageChannel.SMS,
                language="en",
                title="Payment reminder",
                body=GOOD + STOP,
                segment_limit=2,
            ),
            why="first words",
            by_user_id=admin.id,
        )
        return str(admin.email)


def test_admin_sees_the_check_fail_live_fixes_it_and_saves_version_2(
    page: Page, live_server: str, admin_email: str
) -> None:
    errors = console_errors(page)
    sign_in(page, live_server, admin_email)
    page.click("nav[aria-label=Main] >> text=Templates")
    expect(page.locator("h1")).to_have_text("Message templates")
    page.click("#templates-table >> text=payment-reminder")
    expect(page.locator("h1")).to_have_text("Payment reminder")
    opt_out = page.locator('#template-checks li[data-check="opt-out"]')
    expect(opt_out).to_have_attribute("data-ok", "yes")

    page.fill("#f-body", GOOD)  # "Reply STOP" left out
    expect(opt_out).to_have_attribute("data-ok", "no")
    expect(page.locator("#template-verdict")).to_have_text("Saving would be refused:")
    expect(page.locator("#template-problems")).to_contain_text("Reply STOP")
    expect(page.locator("#preview-body")).not_to_contain_text("Reply STOP")

    page.fill("#f-body", GOOD + "Reply STOP to opt out.")
    expect(opt_out).to_have_attribute("data-ok", "yes")
    expect(page.locator("#template-verdict")).to_have_text("Every save-time check passes.")
    expect(page.locator("#preview-body")).to_contain_text("Hi Jane, please call us.")
    expect(page.locator('#template-checks li[data-check="segments"]')).to_contain_text(
        "1 segment · GSM-7"
    )

    # Typing the note re-renders the preview once; a person then clicks Save (a save
    # that left a preview in flight would have the page abort it).
    with page.expect_response(lambda answer: answer.url.endswith("/preview")):
        page.fill("#f-why", "the STOP line in words")
    page.click("button:has-text('Save as version 2')")
    expect(page.locator("#flash")).to_contain_text("Version 2 saved: the STOP line in words")
    newest = page.locator("#template-versions li").first
    expect(newest).to_have_attribute("data-version", "2")
    expect(newest).to_contain_text("Ada Admin")
    expect(newest).to_contain_text("the STOP line in words")
    expect(page.locator("#f-body")).to_have_value(GOOD + "Reply STOP to opt out.")
    expect(page.locator("[data-request-error]")).to_be_empty()
    assert errors == []


def test_the_editor_fits_a_phone_and_still_previews(
    page: Page, live_server: str, admin_email: str
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, admin_email)
    page.goto(f"{live_server}/outreach/templates")
    page.click("#templates-table >> text=payment-reminder")
    body = page.locator("#f-body")
    expect(body).to_be_visible()
    box = body.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.evaluate("window.innerWidth"), width
    body.fill(GOOD)
    expect(page.locator('#template-checks li[data-check="opt-out"]')).to_have_attribute(
        "data-ok", "no"
    )
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.evaluate("window.innerWidth"), width
