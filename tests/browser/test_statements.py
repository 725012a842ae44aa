"""Statements in the browser, at a desktop's and a phone's width: an admin saves how a
client is remitted, opens its first period, closes it and re-opens it with a reason;
the merchant reads its statement.  Nothing is cut off and no page scrolls sideways."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Browser, expect

from agency.auth.models import Role
from agency.db import session_scope
from agency.kit import clock
from agency.payments.models import PaymentMethod
from agency.payments.posting.post import post_payment
from agency.payments.schemas import PaymentInput
from tests.browser.conftest import sign_in
from tests.browser.test_case_page import assert_fits
from tests.fixtures.factories import CaseFactory, ContractFactory, UserFactory, bind

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 390])
def test_an_admin_closes_a_period_and_the_merchant_reads_its_statement(
    browser: Browser, live_server: str, width: int
) -> None:
    today = clock.now().astimezone(clock.office_zone()).date()
    last_month_end = today.replace(day=1) - timedelta(days=1)
    first_day = last_month_end.replace(day=1)
    with session_scope() as db:
        bind(db)
        UserFactory(role=Role.ADMIN, email="ada@example.com")
        contract = ContractFactory(client__name="Acme Telecom")
        UserFactory(role=Role.MERCHANT, email="mo@example.com", client=contract.client)
        case = CaseFactory(contract=contract, principal_minor=1_000_000)
        client_id, case_id = contract.client_id, case.id
    with session_scope() as db:
        payment = PaymentInput(amount_minor=12_000, currency="USD", method=PaymentMethod.CARD,
                               received_on=first_day + timedelta(days=3))  # fmt: skip
        post_payment(db, case_id=case_id, payment=payment, by_user_id=None)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, live_server, "ada@example.com")
        page.goto(f"{live_server}/admin/clients/{client_id}/statements")
        expect(page.locator("#no-settings")).to_be_visible()
        page.select_option("#f-method", "ach")
        page.fill("#f-account_name", "Acme Telecom LLC")
        page.fill("#f-routing_number", "021000021")
        page.fill("#f-account_number", "987654321")
        page.click("#remittance-form button[type=submit]")
        expect(page.locator("#flash")).to_contain_text("Remittance settings saved.")
        assert_fits(page)
        page.fill("#f-starts_on", first_day.isoformat())
        page.click("#open-first button[type=submit]")
        page.click("button:text-is('Close and issue')")
        expect(page.locator("#flash")).to_contain_text("Period closed: statement")
        expect(page.locator("#periods")).to_contain_text("$90.00 due")
        assert_fits(page)
        page.click("#periods a:has-text('-USD-1')")
        expect(page.locator("#statement-totals")).to_contain_text("90.00 USD")
        assert_fits(page)
        page.go_back()
        page.fill("[id^=f-reason-]", "a payment was keyed late")
        page.click("button:text-is('Re-open')")
        expect(page.locator("#flash")).to_contain_text("Period re-opened")
        expect(page.locator("#periods")).to_contain_text("a payment was keyed late")
        page.click("button:text-is('Close and issue')")
        expect(page.locator("#periods")).to_contain_text("(replaced)")
        assert_fits(page)
        page.goto(f"{live_server}/admin/trust?from={first_day.isoformat()}")
        expect(page.locator("#recon-summary")).to_contain_text("1 differences")  # not deposited
        assert_fits(page)
        context.clear_cookies()
        sign_in(page, live_server, "mo@example.com")
        page.goto(f"{live_server}/portal/statements")
        expect(page.locator("#portal-statements")).to_contain_text("-USD-2")
        assert_fits(page)
        page.click("#portal-statements a:has-text('-USD-2')")
        expect(page.locator("#replaces")).to_contain_text("-USD-1")
        assert_fits(page)
    finally:
        context.close()
