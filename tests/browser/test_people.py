"""People in the browser: a compliance officer picks a consumer by typing a name in the
ledger search, sets their own time zone and sees the times change, and changes their
password."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from agency.auth.models import Role
from agency.db import session_scope
from tests.fixtures.compliance import NIGHT, OFFICE_HOURS, gate_at, make_debtor
from tests.fixtures.factories import PASSWORD, ClientFactory, UserFactory, bind

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Office:
    email: str
    case_id: int


@pytest.fixture
def office(live_server: str) -> Office:
    with session_scope() as db:
        bind(db)
        acme = ClientFactory(name="Acme Media")
        dana = make_debtor(client=acme, first_name="Dana", last_name="Lind", reference="AC-1")
        quinn = make_debtor(client=acme, first_name="Quinn", last_name="Ash", reference="AC-2")
        gate_at(db, dana, OFFICE_HOURS)
        gate_at(db, dana, NIGHT)
        gate_at(db, quinn, OFFICE_HOURS)
        officer = UserFactory(
            role=Role.COMPLIANCE, full_name="Casey Officer", email="casey@example.com"
        )
        return Office(str(officer.email), dana.case.id)


def _sign_in(page: Page, live_server: str, email: str, password: str) -> None:
    page.goto(f"{live_server}/login")
    page.fill("#f-email", email)
    page.fill("#f-password", password)
    page.click("button[type=submit]")


def test_officer_picks_a_consumer_by_name_sets_a_zone_and_changes_the_password(
    page: Page, live_server: str, office: Office
) -> None:
    _sign_in(page, live_server, office.email, PASSWORD)
    expect(page.locator(".whoami")).to_contain_text("Casey Officer")

    # The ledger: type part of a name, pick the suggestion, see only that person's entries.
    page.click("nav[aria-label=Main] >> text=Ledger")
    expect(page.locator("#ledger-table tbody tr")).to_have_count(5)
    box = page.locator("#f-consumer")
    expect(box).to_have_attribute("role", "combobox")
    box.press_sequentially("lin", delay=30)
    option = page.locator("#consumer-suggestions [role=option]")
    expect(option).to_have_count(1)
    expect(option).to_contain_text("Dana Lind")
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press("ArrowDown")  # into the list, as a keyboard user would
    expect(option).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"pick=\d+"))
    rows = page.locator("#ledger-table tbody tr")
    expect(rows).to_have_count(3)  # Dana's two calls and her validation notice
    for i in range(3):
        expect(rows.nth(i)).to_contain_text("Dana Lind")
    expect(page.locator("#f-consumer")).to_have_value("Dana Lind")
    expect(page.locator("#consumer-hint")).to_contain_text("Picked: Dana Lind")

    # Own time zone: the case timeline's times follow it, the consumer's beside them.
    page.goto(f"{live_server}/cases/{office.case_id}")
    first_time = page.locator("#timeline li.entry").first.locator("span.entry-time").first
    expect(first_time).to_contain_text("2025-06-10 03:00 UTC")
    expect(page.locator("#viewer-zone")).to_have_text("UTC")
    page.click(".whoami >> text=Casey Officer")
    expect(page.locator("h1")).to_have_text("Your profile")
    page.select_option("#f-time_zone", "America/Los_Angeles")
    page.click("text=Save time zone")
    expect(page.locator("#flash")).to_contain_text("Your time zone is saved")
    expect(page.locator("#viewer-zone")).to_have_text("America/Los_Angeles")
    page.goto(f"{live_server}/cases/{office.case_id}")
    expect(first_time).to_contain_text("2025-06-09 20:00 PDT")
    expect(first_time).to_contain_text("consumer's time 22:00 CDT")
    # The ledger keeps UTC, and says so.
    page.goto(f"{live_server}/compliance/ledger")
    expect(page.locator("#ledger-table thead")).to_contain_text("Time (UTC)")
    night = page.locator("#ledger-table tbody tr", has_text="US-REGF-TIME")
    expect(night).to_contain_text("2025-06-10 03:00:00")

    # Change the password, then sign in with the new one.
    page.goto(f"{live_server}/profile")
    page.fill("#f-current_password", PASSWORD)
    page.fill("#f-new_password", "a-brand-new-password")
    page.fill("#f-new_password_again", "a-brand-new-password")
    page.click("text=Change password")
    expect(page.locator("#flash")).to_contain_text("Your password is changed")
    page.click(".whoami button[type=submit]")  # sign out
    _sign_in(page, live_server, office.email, PASSWORD)
    expect(page.locator(".alert.error")).to_contain_text("E-mail or password is incorrect")
    _sign_in(page, live_server, office.email, "a-brand-new-password")
    expect(page.locator(".whoami")).to_contain_text("Casey Officer")


def test_what_if_loads_the_consumer_picked_from_the_suggestions(
    page: Page, live_server: str, office: Office
) -> None:
    _sign_in(page, live_server, office.email, PASSWORD)
    page.goto(f"{live_server}/compliance/what-if")
    page.locator("#f-consumer").press_sequentially("a", delay=30)  # Dana Lind and Quinn Ash
    options = page.locator("#consumer-suggestions [role=option]")
    expect(options).to_have_count(2)
    options.filter(has_text="Quinn Ash").click()  # htmx swaps the form with Quinn's points
    expect(page.locator("#f-contact_point_id")).to_be_visible()
    expect(page.locator("#f-consumer")).to_have_value("Quinn Ash")
    expect(page.locator("#what-if")).to_contain_text("AC-2")
