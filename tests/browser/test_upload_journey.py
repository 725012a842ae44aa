"""A merchant uploads a file in the browser and follows it to the result."""

from __future__ import annotations

import re
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from agency.auth.models import Role
from agency.config import get_settings
from agency.db import session_scope
from agency.referrals import running
from tests.fixtures.factories import PASSWORD, ClientFactory, ContractFactory, UserFactory, bind
from tests.fixtures.referral_files import csv_text, good

pytestmark = pytest.mark.browser


@pytest.fixture
def merchant_email(live_server: str) -> str:
    with session_scope() as db:
        bind(db)
        acme = ClientFactory(code="ACME", name="Acme Media")
        ContractFactory(client=acme, effective_from=date(2020, 1, 1))
        user = UserFactory(role=Role.MERCHANT, client=acme, email="morgan@example.com")
        return str(user.email)


def test_upload_preview_confirm_progress_result(
    page: Page,
    live_server: str,
    merchant_email: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Small, slightly slow batches, so the live progress can be seen before the end.
    monkeypatch.setattr(get_settings(), "placement_batch_rows", 20)
    real = running.place_batch

    def slow(db: Any, **kwargs: Any) -> Any:
        time.sleep(0.15)
        return real(db, **kwargs)

    monkeypatch.setattr(running, "place_batch", slow)
    rows = [
        good(
            f"W{n:03d}", email=f"w{n}@example.com" if n % 25 else "nope", phone=f"(312) 555-{n:04d}"
        )
        for n in range(200)
    ]
    path = tmp_path / "november.csv"
    path.write_text(csv_text(rows))

    page.goto(f"{live_server}/login")
    page.fill("#f-email", merchant_email)
    page.fill("#f-password", PASSWORD)
    page.click("form.stacked button[type=submit]")
    expect(page.locator("h1")).to_have_text("Overview")  # the merchant's home: its reports
    expect(page.locator("#report-as-of")).to_contain_text("Acme Media")
    page.click("nav >> text=Placements")

    page.set_input_files("input[type=file]", str(path))
    expect(page.locator("[data-dropzone-label]")).to_have_text("november.csv")
    page.click("text=Upload and preview")
    expect(page.locator("h1")).to_have_text("november.csv")
    expect(page.locator(".figure").nth(0)).to_contain_text("200")
    expect(page.locator(".figure").nth(2)).to_contain_text("192")
    expect(page.locator("#preview table").last).to_contain_text("'nope' is not a valid e-mail")

    page.click("#confirm")
    expect(page.locator("#progress progress")).to_be_visible()
    expect(page.locator("#accepted")).to_have_text("192", timeout=30_000)
    expect(page.locator("#rejected")).to_have_text("8")
    expect(page).to_have_url(re.compile(r"/placements/\d+$"))
    with page.expect_download() as download:
        page.click("text=Download the rejected rows (CSV)")
    content = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert content.splitlines()[0].endswith("error_column,error_message")
    assert len(content.splitlines()) == 9

    page.click("text=All placements")
    expect(page.locator("#placement-table")).to_contain_text("november.csv")
    expect(page.locator("#placement-table")).to_contain_text("completed")
