from __future__ import annotations

from agency.kit.pagination import Page


def page(total: int, number: int, size: int = 10) -> Page[int]:
    return Page(items=[], total=total, page=number, size=size, sort=None, dir="asc")


def test_row_range_and_page_count() -> None:
    assert (page(0, 1).pages, page(0, 1).first_row, page(0, 1).last_row) == (1, 0, 0)
    assert (page(25, 3).pages, page(25, 3).first_row, page(25, 3).last_row) == (3, 21, 25)
    assert page(30, 3).pages == 3
