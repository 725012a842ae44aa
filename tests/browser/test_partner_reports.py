"""A merchant reads its reports in the browser, at a desktop's and a phone's width: the
overview from the menu, then the vintage curves; it takes a vintage off the chart with
the form as rendered, and exports the vintage table as XLSX, read back.  Nothing is cut
off and no page scrolls sideways."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, expect

from agency.auth.models import Role
from agency.config import get_settings
from agency.db import session_scope
from agency.kit import clock
from agency.reporting import refresh
from tests.browser.conftest import sign_in
from tests.browser.test_case_page import assert_fits
from tests.fixtures.factories import UserFactory, bind
from tests.reporting import world

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
