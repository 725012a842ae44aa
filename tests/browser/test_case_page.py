"""The case page in the browser: an agent outside the book sees an Australian consumer's
number masked at 23:30 their time; the owner's status menu offers only closing for a
judgement, and a hand-made post of "paid" is refused in words; the layout at a desktop's
and a phone's width (the timeline wider than the actions column, no table cut off, no
horizontal scroll of the page)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, Page, expect

from agency.auth.models import Role
from agency.cases.models import CaseStatus, Channel
from agency.db import session_scope
from agency.kit import clock
from tests.fixtures.factories import (
    PASSWORD,
    ClientFactory,
    ConsumerFactory,
    ContactPointFactory,
    UserFactory,
    bind,
    case_for,
)

pytestmark = pytest.mark.browser

NUMBER = "+61412344821"
SYDNEY_NIGHT = datetime(2025, 6, 10, 13, 30, tzinfo=UTC)  # Tuesday 23:30 in Sydney


@pytest.fixture
def night(live_server: str) -> Iterator[tuple[int, str, str]]:
    """The server's clock at 23:30 in Sydney; a case of a Sydney consumer in the owner's
    book, with a long note on its timeline.  Yields the case id and both agents' e-mails."""
    with clock.frozen(SYDNEY_NIGHT):
        with session_scope() as db:
            bind(db)
            owner = UserFactory(role=Role.AGENT, full_name="Olive Owner", email="olive@example.com")
            other = UserFactory(role=Role.AGENT, full_name="Oscar Other", email="oscar@example.com")
            consumer = ConsumerFactory(
                first_name="Kim",
                last_name="Nguyen",
                country="AU",
                region="NSW",
                postal_code="2000",
                timezones=["Australia/Sydney"],
            )
            ContactPointFactory(consumer=consumer, value=NUMBER, consent=True)
            ContactPointFactory(
                consumer=consumer,
                channel=Channel.EMAIL,
                kind="personal",
                value="kim.nguyen.longer.address@example.com.au",
            )
            case = case_for(
                ClientFactory(name="Harbour Telecom"),
                consumer=consumer,
                client_reference="HT-2300",
                country="AU",
                region="NSW",
                principal_minor=259_814,
                interest_minor=0,
                fees_minor=0,
                status=CaseStatus.ACTIVE,
                assigned_agent_id=owner.id,
            )
            case_id, owner_email, other_email = case.id, str(owner.email), str(other.email)
        yield case_id, owner_email, other_email


def sign_in(page: Page, live_server: str, email: str) -> None:
    page.goto(f"{live_server}/login")
    page.fill("#f-email", email)
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("My cases")


def assert_fits(page: Page) -> None:
    """No horizontal scroll of the page; no table wider than the box that holds it."""
    assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate(
        "window.innerWidth"
    )
    clipped = page.evaluate(
        """[...document.querySelectorAll('.table-wrap')]
             .filter(w => w.scrollWidth > w.clientWidth + 1)
             .map(w => w.closest('section')?.id)"""
    )
    assert clipped == []


def test_outside_the_book_the_number_is_masked(
    page: Page, live_server: str, night: tuple[int, str, str]
) -> None:
    case_id, _, other = night
    sign_in(page, live_server, other)
    page.goto(f"{live_server}/cases/{case_id}")
    expect(page.locator("h1")).to_contain_text("Kim Nguyen")
    points = page.locator("#contact-points")
    expect(points).to_contain_text("…4821")
    expect(points).to_contain_text("k…@example.com.au")
    expect(page.locator("body")).not_to_contain_text(NUMBER)
    expect(page.locator("body")).not_to_contain_text("kim.nguyen.longer")
    expect(page.locator("#panel-actions")).to_have_count(0)  # not theirs: nothing to dial


def test_the_status_menu_offers_only_decisions_and_refuses_a_fact(
    page: Page, live_server: str, night: tuple[int, str, str]
) -> None:
    case_id, owner, _ = night
    sign_in(page, live_server, owner)
    page.goto(f"{live_server}/cases/{case_id}")
    expect(page.locator("#resume-form")).to_have_count(0)
    options = page.locator("#f-close-reason option").evaluate_all("os => os.map(o => o.value)")
    assert options == ["", "uncollectible", "fraud", "client_request"]
    # A hand-made "paid" on a $2,598.14 balance: refused in words, Call stays.
    page.locator("#close-form input[name=to]").evaluate("input => { input.value = 'paid'; }")
    page.select_option("#f-close-reason", "uncollectible")
    page.fill("#f-close-note", "it is paid, honestly")
    page.click("#close-form button[type=submit]")
    expect(page.locator("#action-error")).to_contain_text(
        "a case is paid when posted payments clear its balance ($2,598.14 is still owed)"
    )
    expect(page.locator("#case-status")).to_have_text("active")
    expect(page.locator("#call-button")).to_be_visible()
    # Closing for a judgement: the Call button goes.
    page.select_option("#f-close-reason", "uncollectible")
    page.fill("#f-close-note", "no assets found")
    page.click("#close-form button[type=submit]")
    expect(page.locator("#action-message")).to_have_text("The case is now closed.")
    expect(page.locator("#case-status")).to_have_text("closed")
    expect(page.locator("#call-button")).to_have_count(0)
    expect(page.locator("#case-closed")).to_contain_text("(uncollectible)")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_layout_fits_a_desktop_and_a_phone(
    browser: Browser, live_server: str, night: tuple[int, str, str], width: int
) -> None:
    case_id, owner, _ = night
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, live_server, owner)
        page.goto(f"{live_server}/cases/{case_id}")
        page.fill("#f-note-body", "A long note " + "without-any-break-" * 20)
        page.click("#note-form button[type=submit]")
        expect(page.locator("#action-message")).to_have_text("Note added.")
        expect(page.locator("#payments-itemization")).to_be_visible()  # loaded after the page
        assert_fits(page)
        timeline = page.locator("#panel-timeline").bounding_box()
        actions = page.locator("#panel-actions").bounding_box()
        assert timeline is not None and actions is not None
        if width == 1280:
            # Actions on the left; the timeline beside them and wider than them.
            assert timeline["x"] > actions["x"] + actions["width"] - 1
            assert timeline["width"] > actions["width"] * 1.5
        else:
            # One column as wide as the page.
            assert abs(timeline["width"] - actions["width"]) < 2
            assert timeline["x"] + timeline["width"] <= width
        for control in ("#f-close-reason", "#f-close-note"):  # each on its own line
            box = page.locator(control).bounding_box()
            assert box is not None and box["x"] + box["width"] <= width
        reason = page.locator("#f-close-reason").bounding_box()
        note = page.locator("#f-close-note").bounding_box()
        assert reason is not None and note is not None and note["y"] > reason["y"] + 10
    finally:
        context.close()
