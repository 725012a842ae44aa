"""The fee schedule editor in the browser, at a desktop's and a phone's width: an admin
fills two tiers in the rendered rows, asks which tier a sample payment takes, publishes,
and sees the version listed; nothing is cut off and the page never scrolls sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from agency.auth.models import Role
from agency.db import session_scope
from tests.browser.conftest import sign_in
from tests.browser.test_case_page import assert_fits
from tests.fixtures.factories import ContractFactory, UserFactory, bind

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 390])
def test_an_admin_explains_and_publishes_a_schedule(
    browser: Browser, live_server: str, width: int
) -> None:
    with session_scope() as db:
        bind(db)
        UserFactory(role=Role.ADMIN, email="ada@example.com", full_name="Ada Admin")
        contract = ContractFactory()
        url = f"{live_server}/admin/clients/{contract.client_id}/contracts/{contract.id}/fees"
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, live_server, "ada@example.com")
        page.goto(url)
        expect(page.locator("#fee-versions-none")).to_contain_text("flat rate of 25.000 %")
        assert_fits(page)
        page.fill("#f-tier-1-rate", "20")
        page.fill("#f-tier-1-age_to", "90")
        page.fill("#f-tier-2-rate", "25")
        page.fill("#f-tier-2-age_from", "91")
        page.fill("#f-sample_age", "103")
        page.fill("#f-sample_balance", "1200.00")
        page.fill("#f-sample_amount", "12.34")
        page.click("button[value=explain]")
        expect(page.locator("#fee-explained")).to_contain_text(
            "25.000 %: tier 2, placement age 91 days or more; payment on day 103: "
            "commission 3.09 USD."
        )
        assert_fits(page)
        page.fill("#f-reason", "addendum 3")
        page.click("button[value=publish]")
        expect(page.locator("#fee-versions tr[data-version='1']")).to_contain_text("addendum 3")
        expect(page.locator("#fee-versions")).to_contain_text("by Ada Admin")
        assert_fits(page)
    finally:
        context.close()
