"""On a phone: the consumer opens their link, passes the identity check, picks a
three-month plan, pays its first installment with the sandbox's test card; the agent,
signed in in another browser, sees the payment on the case page."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, expect

from agency.auth.models import Role
from agency.db import session_scope
from agency.kit import clock
from tests.browser.conftest import console_errors, sign_in
from tests.browser.test_self_service_a11y import PHONE, assert_accessible
from tests.fixtures.factories import UserFactory, bind
from tests.payments.self_service.helpers import BORN, IN_PERIOD, LAST_NAME, make_consumer

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Journey:
    url: str
    case_id: int
    agent: str


@pytest.fixture
def journey(live_server: str) -> Iterator[Journey]:
    with clock.frozen(IN_PERIOD):
        with session_scope() as db:
            bind(db)
            consumer = make_consumer()
            agent = UserFactory(role=Role.AGENT, email="agent.pay@example.com")
            consumer.debtor.case.assigned_agent_id = agent.id
            db.flush()
            setting = Journey(live_server + consumer.path, consumer.case_id, str(agent.email))
        yield setting


def test_plan_and_first_installment_on_a_phone(
    browser: Browser, journey: Journey, live_server: str
) -> None:
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.set_default_timeout(10_000)
    errors = console_errors(page)
    page.goto(journey.url)
    page.fill("#f-last_name", LAST_NAME)
    page.fill("#f-date_of_birth", BORN.isoformat())
    page.click("button[type=submit]")
    expect(page.locator("#balance")).to_have_text("$105.00")
    page.click("#go-plan")
    assert_accessible(page, "plan options")
    page.get_by_label("3 monthly payments", exact=False).check()
    page.click("button[type=submit]")
    expect(page.locator("#schedule tbody tr")).to_have_count(3)
    assert_accessible(page, "plan schedule")
    page.click("#confirm-form button")
    expect(page.locator("#plan-result")).to_contain_text("$35.00")
    assert_accessible(page, "plan confirmed")
    page.click("#pay-first")
    expect(page.locator("#f-amount")).to_have_value("35.00")
    assert_accessible(page, "pay form")
    page.select_option("#f-test_card", "4242424242424242")
    page.click("#pay-form button[type=submit]")
    expect(page.locator("#paid-result")).to_contain_text("We received $35.00")
    assert_accessible(page, "paid")
    page.goto(journey.url)
    expect(page.locator("#next-payment")).to_contain_text("$35.00")
    # No horizontal scrolling at a phone's width.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert not errors, errors
    phone.close()

    office = browser.new_context(viewport={"width": 1280, "height": 900})
    agent = office.new_page()
    agent.set_default_timeout(10_000)
    sign_in(agent, live_server, journey.agent)
    agent.goto(f"{live_server}/cases/{journey.case_id}")
    expect(agent.locator("#case-payments")).to_contain_text("$35.00")
    expect(agent.locator("#panel-timeline")).to_contain_text("On their page: paid $35.00 by card")
    office.close()
