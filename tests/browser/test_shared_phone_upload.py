"""A phone shared by two different people: the merchant uploads the file in the browser,
the preview and the result show the possible same person, and a supervisor keeps the
two apart (issue 13: no debt told to the wrong person)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from agency.auth.models import Role
from agency.cases.models import Case, ConsumerPair
from agency.db import session_scope
from tests.fixtures.factories import (
    PASSWORD,
    ClientFactory,
    ConsumerFactory,
    ContactPointFactory,
    ContractFactory,
    UserFactory,
    bind,
    case_for,
)
from tests.fixtures.referral_files import csv_text, good

pytestmark = pytest.mark.browser


@pytest.fixture
def people(live_server: str) -> dict[str, str]:
    """ACME with Jane Doe's account A1 on +1 312 555 0123; a merchant and a supervisor."""
    with session_scope() as db:
        bind(db)
        acme = ClientFactory(code="ACME", name="Acme Media")
        contract = ContractFactory(client=acme, effective_from=date(2020, 1, 1))
        jane = ConsumerFactory(first_name="Jane", last_name="Doe", date_of_birth=date(1980, 2, 3))
        ContactPointFactory(consumer=jane, value="+13125550123")
        case_for(acme, contract=contract, consumer=jane, client_reference="A1")
        merchant = UserFactory(role=Role.MERCHANT, client=acme, email="morgan@example.com")
        supervisor = UserFactory(
            role=Role.SUPERVISOR, email="sam@example.com", full_name="Sam Supervisor"
        )
        return {"merchant": str(merchant.email), "supervisor": str(supervisor.email)}


def sign_in(page: Page, live_server: str, email: str) -> None:
    page.goto(f"{live_server}/login")
    page.fill("#f-email", email)
    page.fill("#f-password", PASSWORD)
    page.click("form.stacked button[type=submit]")
    expect(page).not_to_have_url(re.compile(r"/login"))


def test_a_shared_phone_is_asked_about_and_kept_apart(
    page: Page, browser: Browser, live_server: str, people: dict[str, str], tmp_path: Path
) -> None:
    rows = [
        good("A2", first_name="John", last_name="Smith", date_of_birth="1991-07-08"),
        good("A3", first_name="J.", last_name="DOE"),  # Jane again: linked, not asked
    ]
    path = tmp_path / "december.csv"
    path.write_text(csv_text(rows))

    sign_in(page, live_server, people["merchant"])
    page.goto(f"{live_server}/placements")
    page.set_input_files("input[type=file]", str(path))
    page.click("text=Upload and preview")
    expect(page.locator("h1")).to_have_text("december.csv")
    asked = page.locator("#preview table.pairs tbody tr")
    expect(asked).to_have_count(1)
    for shown in ("A2", "John Smith", "phone", "A1", "Jane Doe"):
        expect(asked).to_contain_text(shown)

    page.click("#confirm")
    expect(page.locator("#accepted")).to_have_text("2", timeout=30_000)
    listed = page.locator("table.pairs tbody tr")
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text("John Smith")
    expect(listed).to_contain_text("waiting for our staff")
    result_url = page.url

    staff = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    staff.set_default_timeout(10_000)
    sign_in(staff, live_server, people["supervisor"])
    staff.goto(result_url)
    staff.locator("table.pairs").get_by_role("button", name="Keep apart").click()
    expect(staff.locator("table.pairs tbody tr")).to_contain_text("kept apart · Sam Supervisor")
    expect(staff.locator("table.pairs button")).to_have_count(0)
    staff.context.close()

    with session_scope() as db:
        owners = dict(db.execute(select(Case.client_reference, Case.consumer_id)).all())
        decision = db.scalar(select(ConsumerPair.decision))
    assert owners["A1"] == owners["A3"] != owners["A2"]
    assert decision == "apart"
    page.reload()
    expect(page.locator("table.pairs tbody tr")).to_contain_text("kept apart · Sam Supervisor")
