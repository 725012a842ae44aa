"""An agent signs in through the real page, works with their case list, and works the
queue: takes the next case, is stopped by the gate at a quiet hour, records a promise."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from agency.auth.models import Role
from agency.cases.models import CaseStatus
from agency.db import session_scope
from agency.kit import clock
from tests.fixtures.compliance import make_debtor
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


@pytest.fixture
def agent_email(live_server: str) -> str:
    with session_scope() as db:
        bind(db)
        acme = ClientFactory(name="Acme Media")
        contract = ContractFactory(client=acme)
        agent = UserFactory(role=Role.AGENT, full_name="Alex Agent", email="alex@example.com")
        for ref, last, amount in [
            ("AC-300", "Birch", 30_000),
            ("AC-100", "Aspen", 10_000),
            ("AC-200", "Cedar", 20_000),
        ]:
            case_for(
                acme,
                contract=contract,
                client_reference=ref,
                principal_minor=amount,
                interest_minor=0,
                assigned_agent_id=agent.id,
                status=CaseStatus.ACTIVE,
                consumer=ConsumerFactory(first_name="Pat", last_name=last),
            )
        case_for(acme, contract=contract, client_reference="NOT-MINE")
        return str(agent.email)


def rows(page: Page) -> list[str]:
    return page.locator("#case-table tbody tr td:first-child a").all_inner_texts()


def test_agent_signs_in_and_sees_their_case_list(
    page: Page, live_server: str, agent_email: str
) -> None:
    page.goto(f"{live_server}/")
    expect(page.locator("h1")).to_have_text("Sign in to agency")

    page.fill("#f-email", agent_email)
    page.fill("#f-password", "wrong-password")
    page.click("button[type=submit]")
    expect(page.locator(".alert.error")).to_have_text("E-mail or password is incorrect.")

    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/cases\?agent=me$"))
    expect(page.locator("h1")).to_have_text("My cases")
    expect(page.locator(".whoami")).to_contain_text("Alex Agent")
    assert sorted(rows(page)) == ["AC-100", "AC-200", "AC-300"]
    expect(page.locator("#case-table")).to_contain_text("Pat Aspen")
    expect(page.locator("#case-table")).to_contain_text("$300.00")

    # Sorting by balance swaps the table through htmx and keeps the URL in step.
    page.click("#case-table th a:text('Balance')")
    expect(page).to_have_url(re.compile(r"sort=balance&dir=asc"))
    expect(page.locator("#case-table tbody tr").first).to_contain_text("AC-100")
    assert rows(page) == ["AC-100", "AC-200", "AC-300"]
    page.click("#case-table th a:text('Balance')")
    expect(page.locator("#case-table tbody tr").first).to_contain_text("AC-300")
    expect(page.locator("h1")).to_have_text("My cases")  # still the same page, not a reload

    # Opening a case shows its page; signing out ends the session.
    page.click("text=AC-200")
    expect(page.locator("h1")).to_contain_text("Pat Cedar")
    page.click("text=Sign out")
    expect(page.locator("h1")).to_have_text("Sign in to agency")
    page.goto(f"{live_server}/cases?agent=me")
    expect(page.locator("h1")).to_have_text("Sign in to agency")


# Monday 9 June 2025, 20:59 in Chicago: one minute of calling time is left.
LAST_MINUTE = datetime(2025, 6, 10, 1, 59, tzinfo=UTC)


@pytest.fixture
def evening(live_server: str) -> Iterator[str]:
    """The server's clock frozen a minute before quiet hours begin for the consumer; an
    agent with one case of a Chicago consumer in their book."""
    with clock.frozen(LAST_MINUTE):
        with session_scope() as db:
            bind(db)
            agent = UserFactory(role=Role.AGENT, full_name="Alex Agent", email="alex@example.com")
            debtor = make_debtor(
                client=ClientFactory(name="Acme Media"),
                first_name="Dana",
                last_name="Lind",
                reference="AC-500",
                phone="+13125550142",
            )
            debtor.case.assigned_agent_id = agent.id
            debtor.case.status = CaseStatus.ACTIVE
            email = str(agent.email)
        yield email


def test_agent_takes_the_next_case_is_stopped_at_quiet_hours_and_records_a_promise(
    page: Page, live_server: str, evening: str
) -> None:
    page.goto(f"{live_server}/login")
    page.fill("#f-email", evening)
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("My cases")

    # Next case: the gate would allow a call now (20:59 in Chicago), so the case is offered.
    page.click("#next-case")
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    expect(page.locator("h1")).to_contain_text("Dana Lind")
    expect(page.locator("#panel-consumer")).to_contain_text("20:59 America/Chicago")
    expect(page.locator("#panel-consumer")).not_to_contain_text("+13125550142")

    # A minute later it is 21:00 there: the gate blocks the call, in words, with the time.
    clock.advance(timedelta(minutes=1))
    page.click("#call-button")
    blocked = page.locator("#call-blocked")
    expect(blocked).to_contain_text("Convenient hours")
    expect(blocked).to_contain_text("only allowed between 08:00 and 21:00")
    expect(page.locator("#call-allowed-at")).to_contain_text("2025-06-10 13:00 UTC")
    expect(page.locator("#call-allowed-at")).to_contain_text("Tue 10 Jun 08:00 America/Chicago")
    expect(page.locator("body")).not_to_contain_text("+13125550142")
    expect(page.locator("#timeline li.entry").first).to_contain_text("blocked")
    expect(page.locator("h1")).to_contain_text("Dana Lind")  # swapped in place, no reload

    # The consumer (who called in, say) promises to pay: made in the arrangements panel,
    # previewed first, without a reload.
    page.select_option("#f-arr-kind", "promise")
    page.fill("#f-arr-total", "50.00")
    page.fill("#f-arr-first_due", "2025-06-20")
    page.click("#arrangement-builder button[value=preview]")
    expect(page.locator("#arrangement-preview")).to_contain_text("within the client's authority")
    page.click("#arrangement-builder button[value=make]")
    expect(page.locator("#arrangement-notice")).to_have_text("The promise of $50.00 is active.")
    expect(page.locator("#arrangement-current")).to_contain_text("Promise of $50.00")
    expect(page.locator("#arrangement-current")).to_contain_text("2025-06-20")
    expect(page.locator("h1")).to_contain_text("Dana Lind")  # swapped in place, no reload
