"""A merchant reads its reports in the browser, at a desktop's and a phone's width: the
overview from the menu, then the vintage curves; it takes a vintage off the chart with
the form as rendered, and exports the vintage table as XLSX, read back.  On a phone it
registers a webhook and sends a test event, which a server on loopback receives signed.
Nothing is cut off and no page scrolls sideways."""

from __future__ import annotations

import io
import time
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, expect

from agency.auth.models import Role
from agency.config import get_settings
from agency.db import session_scope
from agency.kit import clock
from agency.reporting import refresh
from agency.reporting.webhooks import signing
from tests.browser.conftest import sign_in
from tests.browser.test_case_page import assert_fits
from tests.fixtures.factories import ClientFactory, UserFactory, bind
from tests.reporting import world
from tests.reporting.test_webhooks import Receiver

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 390])
def test_a_merchant_reads_its_vintages_and_exports_them(
    browser: Browser, live_server: str, width: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "time_zone", "America/New_York")
    with session_scope() as db:
        bind(db)
        book = world.make_book(db)
        UserFactory(role=Role.MERCHANT, email="mo@example.com", client=book.client)
    with session_scope() as db, clock.frozen(world.PAID + timedelta(hours=3)):
        refresh.refresh(db)
    context = browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, live_server, "mo@example.com")
        expect(page.locator("h1")).to_have_text("Overview")
        expect(page.locator("#overview-figures")).to_contain_text("$1,700.00")
        expect(page.locator("#months-table")).to_contain_text("$120.00")
        assert_fits(page)
        page.click("nav[aria-label=Main] >> text=Vintages")
        expect(page.locator("#vintage-chart .curve-group")).to_have_count(2)
        # No industry line: fewer than five clients of the industry.
        expect(page.locator("#vintage-chart [data-vintage=reference]")).to_have_count(0)
        page.uncheck("input[name=show][value='2026-11']")
        page.click(".vintage-picker button[type=submit]")
        expect(page.locator("#vintage-chart .curve-group")).to_have_count(1)
        expect(page.locator("#vintage-chart [data-vintage='2026-10']")).to_have_count(1)
        expect(page.locator("#vintages-table tbody tr")).to_have_count(2)  # the table: all
        assert_fits(page)
        with page.expect_download() as download_info:
            page.click("#vintages-title ~ .actions >> text=XLSX")
        sheet = load_workbook(io.BytesIO(download_info.value.path().read_bytes())).active
        assert sheet is not None
        rows = [[c.value for c in row] for row in sheet.iter_rows()]
        assert rows[0][:5] == ["Placement month", "Accounts", "Placed (USD)",
                               "Collected (USD)", "Month 1 (%)"]  # fmt: skip
        assert [r[1] for r in rows[1:]] == [2, 1]
        assert abs(float(rows[1][5]) - 0.067) < 1e-9  # 6.7 % by month 2
    finally:
        context.close()


def test_a_merchant_registers_a_webhook_and_sends_a_test_event(
    browser: Browser, live_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "webhook_allow_private", True)
    receiver = Receiver([])
    with session_scope() as db:
        bind(db)
        UserFactory(role=Role.MERCHANT, email="mo@example.com", client=ClientFactory())
    context = browser.new_context(viewport={"width": 390, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, live_server, "mo@example.com")
        page.click("nav[aria-label=Main] >> text=Webhooks")
        page.click("#new-endpoint button[type=submit]")  # nothing filled in: refused
        expect(page.locator("#e-url")).to_contain_text("URL must start with https://")
        expect(page.locator("#e-events")).to_contain_text("Events must include at least one")
        page.fill("#f-url", receiver.url)
        page.check("input[name=events][value='payment.posted']")
        page.click("#new-endpoint button[type=submit]")
        secret = page.locator("#endpoint-secret").inner_text()
        assert secret.startswith("whsec_")
        assert_fits(page)
        page.click("text=Done")
        page.click("#send-test")
        expect(page.locator("#flash")).to_contain_text("Test event queued")
        deadline = time.monotonic() + 10
        while not receiver.requests and time.monotonic() < deadline:
            time.sleep(0.05)
        page.reload()
        expect(page.locator("#deliveries .delivery-status")).to_have_text("delivered")
        assert_fits(page)
        headers, body = receiver.requests[0]
        assert signing.verify(secret, body, headers["Agency-Webhook-Timestamp"],
                              headers["Agency-Webhook-Signature"])  # fmt: skip
    finally:
        context.close()
        receiver.server.shutdown()


def test_the_other_report_pages_fit_a_phone(
    browser: Browser, live_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "time_zone", "America/New_York")
    with session_scope() as db:
        bind(db)
        book = world.make_book(db)
        world.later_changes(db, book)
        UserFactory(role=Role.MERCHANT, email="mo@example.com", client=book.client)
    with session_scope() as db:
        refresh.refresh(db)
    context = browser.new_context(viewport={"width": 390, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, live_server, "mo@example.com")
        page.click("nav[aria-label=Main] >> text=Recoveries")
        page.fill("#start", "2026-11-01")
        page.fill("#end", "2026-11-30")
        page.click("#recovery-days button[type=submit]")
        expect(page.locator("#recoveries-table")).to_contain_text("2026-11-18")
        assert_fits(page)
        page.click("nav[aria-label=Main] >> text=Returns")
        expect(page.locator("#returns-table")).to_contain_text("2026-12-02")
        assert_fits(page)
        page.click("nav[aria-label=Main] >> text=Accounts")
        expect(page.locator("#portal-cases")).to_contain_text("promise")
    finally:
        context.close()
