"""A compliance officer signs in, finds the blocked attempts, opens a consumer's timeline
and downloads the evidence bundle."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from agency.auth.models import Role
from agency.db import session_scope
from tests.fixtures.compliance import NIGHT, OFFICE_HOURS, gate_at, make_debtor
from tests.fixtures.factories import PASSWORD, ClientFactory, UserFactory, bind

pytestmark = pytest.mark.browser


@pytest.fixture
def officer_email(live_server: str) -> str:
    with session_scope() as db:
        bind(db)
        acme = ClientFactory(name="Acme Media")
        agent = UserFactory(role=Role.AGENT, full_name="Alex Agent")
        dana = make_debtor(client=acme, first_name="Dana", last_name="Lind", reference="AC-1")
        quinn = make_debtor(client=acme, first_name="Quinn", last_name="Ash", reference="AC-2")
        gate_at(db, dana, OFFICE_HOURS, actor=agent)  # allowed
        gate_at(db, dana, NIGHT, actor=agent)  # blocked: 22:00 in Chicago
        gate_at(db, quinn, OFFICE_HOURS, actor=agent)  # allowed
        officer = UserFactory(
            role=Role.COMPLIANCE, full_name="Casey Officer", email="casey@example.com"
        )
        return str(officer.email)


def test_officer_searches_blocked_entries_opens_a_timeline_and_gets_the_evidence(
    page: Page, live_server: str, officer_email: str
) -> None:
    page.goto(f"{live_server}/login")
    page.fill("#f-email", officer_email)
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator(".whoami")).to_contain_text("Casey Officer")

    page.click("nav[aria-label=Main] >> text=Ledger")
    expect(page.locator("h1")).to_have_text("Contact ledger")
    expect(page.locator("#ledger-table tbody tr")).to_have_count(5)  # 3 calls, 2 validation facts
    page.select_option("#f-decision", "blocked")
    page.click("form.ledger-filters button[type=submit]")
    expect(page).to_have_url(re.compile(r"decision=blocked"))
    rows = page.locator("#ledger-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Dana Lind")
    expect(rows.first).to_contain_text("US-REGF-TIME")
    expect(rows.first).to_contain_text("Alex Agent")
    rule = rows.first.locator("a.rule")
    expect(rule).to_have_attribute("title", re.compile(r"^Convenient hours: "))

    rows.first.locator("text=Dana Lind").click()
    expect(page.locator("h1")).to_contain_text("Dana Lind")
    timeline = page.locator("#timeline li.entry")
    expect(timeline.first).to_contain_text("attempt")
    expect(page.locator("#timeline")).to_contain_text("Convenient hours")
    expect(page.locator("#chain-status")).to_contain_text("intact")

    with page.expect_download() as download_info:
        page.click("#evidence-link")
    download = download_info.value
    assert download.suggested_filename.endswith("-evidence.pdf")
    path = download.path()
    assert path is not None
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "Dana Lind" in text and "US-REGF-TIME" in text and "Chain intact" in text
    assert "Quinn" not in text
