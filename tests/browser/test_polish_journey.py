"""In the browser: the fact form follows the chosen kind (htmx, no reload), an admin
sees the confirmation of what they created, and copies a new API key with one click."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from agency.auth.models import Role
from agency.db import session_scope
from tests.fixtures.compliance import make_debtor
from tests.fixtures.factories import PASSWORD, ClientFactory, UserFactory, bind

pytestmark = pytest.mark.browser


def _sign_in(page: Page, live_server: str, email: str) -> None:
    page.goto(f"{live_server}/login")
    page.fill("#f-email", email)
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator(".whoami")).to_be_visible()


def test_the_fact_form_shows_the_fields_of_the_kind_picked(page: Page, live_server: str) -> None:
    with session_scope() as db:
        bind(db)
        consumer_id = make_debtor(client=ClientFactory()).consumer.id
        UserFactory(role=Role.COMPLIANCE, email="casey@example.com")
    _sign_in(page, live_server, "casey@example.com")
    page.goto(f"{live_server}/compliance/consumers/{consumer_id}")
    form = page.locator("#record-fact")
    expect(form.locator("input[name=written]")).to_be_visible()
    expect(form.locator("input[name=attorney_name]")).to_have_count(0)
    page.select_option("#f-kind", "attorney")
    expect(form.locator("input[name=attorney_name]")).to_be_visible()
    expect(form.locator("input[name=written]")).to_have_count(0)
    expect(form.locator("input[type=hidden][name=kind]")).to_have_value("attorney")
    page.fill("#f-attorney_name", "Lee Counsel")
    page.fill("#f-attorney_phone", "+13125550199")
    page.select_option("#f-case_id", index=1)
    page.locator(".fact-form button[type=submit]").click()
    expect(page.locator("#timeline")).to_contain_text(
        re.compile(r"fact \d+: attorney about \S+ \(name Lee Counsel")
    )


def test_admin_sees_the_confirmation_and_copies_a_new_key(page: Page, live_server: str) -> None:
    with session_scope() as db:
        bind(db)
        UserFactory(role=Role.ADMIN, email="ada@example.com")
    _sign_in(page, live_server, "ada@example.com")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"{live_server}/admin/clients/new")
    for field, value in {
        "code": "ACME",
        "name": "Acme Media",
        "legal_name": "Acme Media Inc.",
        "industry": "Media",
        "country": "US",
        "currency": "USD",
    }.items():
        page.fill(f"#f-{field}", value)
    page.locator("form.stacked button[type=submit]").click()
    expect(page.locator("#flash[role=status]")).to_have_text("Client ACME created.")
    page.reload()
    expect(page.locator("#flash")).to_have_text("")
    # The case figures are cases': the page swaps them in once it has loaded.
    expect(page.locator("#case-figures .figure").first).to_contain_text("Cases placed")
    page.fill("input[name=name]", "nightly")
    page.locator("#api-keys button[type=submit], form.filters button[type=submit]").first.click()
    key = page.locator("#new-key").inner_text()
    page.click("button[data-copy='#new-key']")
    expect(page.locator("[data-copy-status='#new-key']")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == key
