"""The stylesheet's page-wide rules, in a real browser: a very long word wraps inside the
window; a label meant for screen readers only takes no room on the screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from agency.auth.models import Role
from tests.browser.test_list_filters import LONG_NAME, LONG_WORD, book, sign_in

pytestmark = pytest.mark.browser
__all__ = ["book"]  # the fixture, shared with the filter journeys


@pytest.mark.parametrize("link", [None, "FL-PAID"])
def test_a_long_word_wraps_inside_the_window(
    page: Page, live_server: str, book: dict[Role, str], link: str | None
) -> None:
    """The case list with an 80-letter name, and the case page with a 5,000-letter word."""
    sign_in(page, live_server, book[Role.SUPERVISOR])
    page.goto(f"{live_server}/cases")
    if link:
        page.click(f"#case-table a:text-is('{link}')")
        expect(page.locator("h1")).to_contain_text(link)
    expect(page.locator("main")).to_contain_text(LONG_WORD[:100] if link else LONG_NAME)
    viewport = page.viewport_size
    assert viewport is not None
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


def test_the_note_label_is_for_screen_readers_only(
    page: Page, live_server: str, book: dict[Role, str]
) -> None:
    sign_in(page, live_server, book[Role.SUPERVISOR])
    page.goto(f"{live_server}/cases")
    page.click("#case-table a:text-is('FL-NEW')")
    expect(page.get_by_label("Note", exact=True)).to_be_visible()  # still names the box
    box = page.locator("label[for=f-note-body]").bounding_box()
    assert box is not None
    assert box["width"] <= 1 and box["height"] <= 1
