"""axe-core finds no WCAG 2.1 A/AA violation (nor a best-practice one) on any page of the
consumer's self-service site, in English and Spanish, on a phone's screen: the refused
link, the identity check (blank, with errors, locked), the account, paying, choosing a
plan and its schedule, the dispute form (and its errors), stopping a channel, and the
pages that answer them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page

from agency.db import session_scope
from agency.kit import clock
from agency.payments.self_service import links
from tests.fixtures.factories import bind
from tests.payments.self_service.helpers import BORN, IN_PERIOD, LAST_NAME, make_consumer

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
WCAG = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
axe = Axe()


@dataclass(frozen=True)
class Link:
    url: str
    locked_url: str


@pytest.fixture
def consumer_link(live_server: str) -> Iterator[Link]:
    with clock.frozen(IN_PERIOD):
        with session_scope() as db:
            bind(db)
            consumer = make_consumer()
            locked = make_consumer()
            access = links.access_for_update(db, locked.case_id)
            access.locked_until = IN_PERIOD.replace(hour=23)
            link = Link(live_server + consumer.path, live_server + locked.path)
        yield link


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def assert_accessible(page: Page, what: str) -> None:
    results = axe.run(page, options=WCAG)
    assert results.violations_count == 0, f"{what}: {results.generate_report()}"


def test_every_consumer_page_passes_axe(phone: Page, consumer_link: Link, live_server: str) -> None:
    page = phone
    for lang in ("en", "es"):
        page.goto(f"{live_server}/pay/not-a-link?lang={lang}")
        assert_accessible(page, f"refused link ({lang})")
    page.goto(consumer_link.locked_url)
    assert_accessible(page, "locked")
    page.goto(consumer_link.url + "?lang=en")
    assert_accessible(page, "identity check")
    page.click("button[type=submit]")
    page.wait_for_selector("#error-summary")
    assert_accessible(page, "identity check with errors")
    page.fill("#f-last_name", LAST_NAME)
    page.fill("#f-date_of_birth", BORN.isoformat())
    page.click("button[type=submit]")
    page.wait_for_selector("#balance")
    for lang in ("en", "es"):
        page.goto(f"{consumer_link.url}?lang={lang}")
        assert_accessible(page, f"account ({lang})")
        page.goto(f"{consumer_link.url}/dispute")
        assert_accessible(page, f"dispute form ({lang})")
        page.click("button[type=submit]")
        page.wait_for_selector("#error-summary")
        assert_accessible(page, f"dispute form with errors ({lang})")
        page.goto(f"{consumer_link.url}/stop")
        assert_accessible(page, f"stop a channel ({lang})")
        page.click("button[type=submit]")
        page.wait_for_selector("#error-summary")
        assert_accessible(page, f"stop a channel with errors ({lang})")
    page.goto(f"{consumer_link.url}/stop?lang=en")
    page.check("#f-channel-email")
    page.click("button[type=submit]")
    page.wait_for_selector("[role=status]")
    assert_accessible(page, "channel stopped")
    page.goto(f"{consumer_link.url}/dispute")
    page.fill("#f-reason", "I never had this account.")
    page.click("button[type=submit]")
    page.wait_for_selector("[role=status]")
    assert_accessible(page, "dispute received")
