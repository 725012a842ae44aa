"""Every role's case list reacts to its filter bar in a real browser: a select changed,
the table swapped by htmx, no Content-Security-Policy error on the way; a request the
server refuses shows its message in the page's alert region."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from agency.auth.models import Role
from agency.cases.models import CaseNote, CaseStatus
from agency.db import session_scope
from tests.browser.conftest import console_errors
from tests.fixtures.factories import (
    PASSWORD,
    ClientFactory,
    ConsumerFactory,
    ContractFactory,
    UserFactory,
    bind,
    case_for,
)

pytestmark = pytest.mark.browser

LONG_WORD = "x" * 5000  # in a note: free text
LONG_NAME = "y" * 80  # the longest last name a consumer may have


@pytest.fixture
def book(live_server: str) -> Iterator[dict[Role, str]]:
    """Cases of one client (one new, one paid: the paid one's consumer with an 80-letter
    name and a note with a 5,000-letter word) and a user of each role; yields each role's
    e-mail."""
    with session_scope() as db:
        bind(db)
        acme = ClientFactory(name="Acme Media")
        contract = ContractFactory(client=acme)
        emails = {
            role: str(
                UserFactory(
                    role=role,
                    email=f"{role.value}@example.com",
                    client_id=acme.id if role is Role.MERCHANT else None,
                ).email
            )
            for role in (Role.AGENT, Role.SUPERVISOR, Role.COMPLIANCE, Role.ADMIN, Role.MERCHANT)
        }
        case_for(acme, contract=contract, client_reference="FL-NEW", status=CaseStatus.NEW)
        paid = case_for(
            acme,
            contract=contract,
            client_reference="FL-PAID",
            status=CaseStatus.PAID,
            consumer=ConsumerFactory(first_name="Pat", last_name=LONG_NAME),
        )
        author = UserFactory(role=Role.SUPERVISOR, email="notes@example.com")
        db.add(CaseNote(case_id=paid.id, author_id=author.id, body=f"See {LONG_WORD} here"))
    yield emails


def sign_in(page: Page, live_server: str, email: str) -> None:
    page.goto(f"{live_server}/login")
    page.fill("#f-email", email)
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def rows(page: Page, table: str) -> list[str]:
    return sorted(page.locator(f"#{table} tbody tr td:first-child a").all_inner_texts())


@pytest.mark.parametrize(
    ("role", "url", "table"),
    [
        (Role.AGENT, "/cases?agent=none", "case-table"),
        (Role.SUPERVISOR, "/cases", "case-table"),
        (Role.COMPLIANCE, "/cases", "case-table"),
        (Role.ADMIN, "/cases", "case-table"),
        (Role.MERCHANT, "/portal/accounts", "portal-cases"),
    ],
)
def test_a_filter_change_swaps_the_table(
    page: Page, live_server: str, book: dict[Role, str], role: Role, url: str, table: str
) -> None:
    errors = console_errors(page)
    sign_in(page, live_server, book[role])
    page.goto(f"{live_server}{url}")
    assert rows(page, table) == ["FL-NEW", "FL-PAID"]
    page.select_option("form.filters select[name=status]", "paid")
    expect(page.locator(f"#{table} tbody")).not_to_contain_text("FL-NEW")
    assert rows(page, table) == ["FL-PAID"]
    page.select_option("form.filters select[name=status]", "")
    expect(page.locator(f"#{table} tbody")).to_contain_text("FL-NEW")
    assert rows(page, table) == ["FL-NEW", "FL-PAID"]
    expect(page.locator("[data-request-error]")).to_be_empty()
    assert errors == []


def test_a_refused_htmx_request_is_shown(
    page: Page, live_server: str, book: dict[Role, str]
) -> None:
    sign_in(page, live_server, book[Role.SUPERVISOR])
    page.goto(f"{live_server}/cases")
    alert = page.get_by_role("alert")
    expect(alert).to_be_hidden()
    page.eval_on_selector(
        "form.filters select[name=status] option[value=paid]", "option => option.value = 'bogus'"
    )
    page.select_option("form.filters select[name=status]", "bogus")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("Some values could not be used: Status must be one of")
    assert rows(page, "case-table") == ["FL-NEW", "FL-PAID"]  # the table is left as it was
    page.select_option("form.filters select[name=status]", "new")
    expect(alert).to_be_hidden()
    assert rows(page, "case-table") == ["FL-NEW"]
