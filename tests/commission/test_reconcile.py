"""Three-way reconciliation of the trust account: matching, differences, sub-ledgers."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agency.commission.bank_statement import BankLine
from agency.commission.reconcile import (
    BANK_ONLY,
    BOOKS_ONLY,
    SUB_LEDGERS,
    BookLine,
    Difference,
    Reconciliation,
    reconcile,
)


def day(n: int) -> date:
    return date(2026, 11, n)


def bank(on: int, amount: int, reference: str = "", text: str = "ACH") -> BankLine:
    return BankLine(day(on), amount, reference, text, "")


def book(on: int, amount: int, reference: str = "", client: int = 1, what: str = "") -> BookLine:
    return BookLine(day(on), amount, reference, client, what or f"payment {client}")


def lines_only(
    bank_lines: list[BankLine], book_lines: list[BookLine], window_days: int = 3
) -> Reconciliation:
    return reconcile(bank_lines, book_lines, {}, {}, window_days=window_days)


def test_the_same_reference_matches_before_a_nearer_amount() -> None:
    result = lines_only(
        [bank(10, 5000, "P-7")],
        [book(5, 5000, " p-7 ", client=1), book(10, 5000, "P-8", client=2)],
    )
    assert result.matched == 1
    assert result.differences == (
        Difference(day(10), 5000, BOOKS_ONLY, "payment 2 for client 2, reference P-8"),
    )
    assert not result.balanced


def test_the_same_amount_matches_within_the_window() -> None:
    result = lines_only([bank(4, 2500)], [book(1, 2500, "P-1")])
    assert result == Reconciliation((), 2500, 2500, 1)
    assert result.balanced
    apart = lines_only([bank(5, 2500)], [book(1, 2500, "P-1")])
    assert apart.matched == 0
    assert apart.differences == (
        Difference(day(1), 2500, BOOKS_ONLY, "payment 1 for client 1, reference P-1"),
        Difference(day(5), 2500, BANK_ONLY, "ACH, no reference"),
    )
    assert lines_only([bank(5, 2500)], [book(1, 2500, "P-1")], window_days=4).balanced
    assert not lines_only([bank(1, 2500)], [book(1, -2500)]).balanced


def test_the_nearest_day_is_preferred() -> None:
    result = lines_only([bank(10, 100)], [book(8, 100, client=1), book(11, 100, client=2)])
    assert result.differences == (
        Difference(day(8), 100, BOOKS_ONLY, "payment 1 for client 1, no reference"),
    )


def test_a_reference_matches_its_nearest_day_then_any_day() -> None:
    result = lines_only(
        [bank(1, 100, "R"), bank(20, 100, "R"), bank(25, 300, "Q")],
        [book(20, 100, "r"), book(2, 300, "q")],
    )
    assert result.matched == 2
    assert result.differences == (Difference(day(1), 100, BANK_ONLY, "ACH, reference R"),)


def test_ties_go_to_the_earlier_day_then_the_content_whatever_the_input_order() -> None:
    for books in (
        [book(9, 100, client=2), book(11, 100, client=1)],
        [book(11, 100, client=1), book(9, 100, client=2)],
    ):
        assert lines_only([bank(10, 100)], books).differences == (
            Difference(day(11), 100, BOOKS_ONLY, "payment 1 for client 1, no reference"),
        )
    for books in (
        [book(9, 100, client=2), book(9, 100, client=1)],
        [book(9, 100, client=1), book(9, 100, client=2)],
    ):
        assert lines_only([bank(10, 100)], books).differences == (
            Difference(day(9), 100, BOOKS_ONLY, "payment 2 for client 2, no reference"),
        )
    for banks in ([bank(10, 100), bank(12, 100)], [bank(12, 100), bank(10, 100)]):
        assert lines_only(banks, [book(11, 100)]).differences == (
            Difference(day(12), 100, BANK_ONLY, "ACH, no reference"),
        )


def test_a_bank_only_line_and_a_books_only_line_say_what_they_are() -> None:
    fee = BankLine(day(3), -1500, "", "SERVICE CHARGE", "699")
    remittance = BookLine(day(2), -80000, "R-2026-11-7", 4, "remittance R-2026-11-7")
    result = lines_only([fee, bank(2, 12000, "P-1")], [remittance, book(2, 12000, "P-1")])
    assert result == Reconciliation(
        differences=(
            Difference(
                day(2),
                -80000,
                BOOKS_ONLY,
                "remittance R-2026-11-7 for client 4, reference R-2026-11-7",
            ),
            Difference(day(3), -1500, BANK_ONLY, "SERVICE CHARGE, no reference, BAI2 type 699"),
        ),
        bank_total_minor=10500,
        book_total_minor=-68000,
        matched=1,
    )


def test_a_sub_ledger_gap_names_the_clients_it_sums() -> None:
    result = reconcile(
        [],
        [],
        {day(28): {1: 700}, day(30): {7: 10000, 3: 5000}, day(1): {1: 5}},
        {day(28): 700, day(29): 500, day(30): 14000},
    )
    assert result.differences == (
        Difference(
            day(29),
            -500,
            SUB_LEDGERS,
            "no client sub-ledger holds a balance that day (0); "
            "the trust ledger's balance is 500 (minor units)",
        ),
        Difference(
            day(30),
            1000,
            SUB_LEDGERS,
            "the sub-ledgers of clients 3, 7 sum to 15000; "
            "the trust ledger's balance is 14000 (minor units)",
        ),
    )
    many = reconcile([], [], {day(1): dict.fromkeys(range(12, 0, -1), 1)}, {day(1): 0})
    assert many.differences[0].detail == (
        "the sub-ledgers of clients 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 2 more sum to 12; "
        "the trust ledger's balance is 0 (minor units)"
    )
    one = reconcile([], [], {day(1): {9: -3}}, {day(1): 0})
    assert one.differences[0].detail == (
        "the sub-ledgers of client 9 sum to -3; the trust ledger's balance is 0 (minor units)"
    )


def test_differences_are_sorted_by_day_kind_and_amount() -> None:
    result = reconcile(
        [bank(2, 300), bank(1, 200), bank(2, -100)],
        [book(2, 50), book(1, 9)],
        {day(2): {1: 1}},
        {day(2): 0},
        window_days=0,
    )
    assert [(d.on.day, d.kind, d.amount_minor) for d in result.differences] == [
        (1, BANK_ONLY, 200),
        (1, BOOKS_ONLY, 9),
        (2, BANK_ONLY, -100),
        (2, BANK_ONLY, 300),
        (2, BOOKS_ONLY, 50),
        (2, SUB_LEDGERS, 1),
    ]


def test_a_negative_window_is_refused() -> None:
    with pytest.raises(ValueError, match="window_days must be 0 or more, not -1"):
        lines_only([], [], window_days=-1)


def test_fifty_thousand_lines_a_side() -> None:
    start = day(1)
    banks = [
        BankLine(start + timedelta(days=n % 60 + n % 3), 100 + n % 5000, "", "ACH", "")
        for n in range(50_000)
    ]
    books = [
        BookLine(start + timedelta(days=n % 60), 100 + n % 5000, f"P-{n}", n % 50, f"payment {n}")
        for n in range(50_000)
    ]
    result = lines_only(banks, books)
    assert result.matched == 50_000
    assert result.balanced


bank_lines = st.builds(
    BankLine,
    on=st.dates(day(1), day(8)),
    amount_minor=st.sampled_from([-500, 100, 250]),
    reference=st.sampled_from(["", "P-1", " p-1", "P-2", "R-9"]),
    description=st.sampled_from(["", "ACH", "WIRE"]),
    type_code=st.sampled_from(["", "165"]),
)
book_lines = st.builds(
    BookLine,
    on=st.dates(day(1), day(8)),
    amount_minor=st.sampled_from([-500, 100, 250]),
    reference=st.sampled_from(["", "P-1", "P-2", "r-9 "]),
    client_id=st.integers(1, 3),
    what=st.sampled_from(["payment 1", "payment 2", "remittance R-9"]),
)
balances = st.dictionaries(
    st.dates(day(1), day(4)), st.dictionaries(st.integers(1, 3), st.integers(-5, 5))
)


@settings(max_examples=300, deadline=None)
@given(
    bank_side=st.lists(bank_lines, max_size=25),
    book_side=st.lists(book_lines, max_size=25),
    sub_ledgers=balances,
    book_balances=st.dictionaries(st.dates(day(1), day(5)), st.integers(-5, 5)),
    window_days=st.integers(0, 4),
    data=st.data(),
)
def test_the_order_of_the_input_changes_nothing_and_every_line_is_accounted_for(
    bank_side: list[BankLine],
    book_side: list[BookLine],
    sub_ledgers: dict[date, dict[int, int]],
    book_balances: dict[date, int],
    window_days: int,
    data: st.DataObject,
) -> None:
    result = reconcile(bank_side, book_side, sub_ledgers, book_balances, window_days=window_days)
    shuffled = reconcile(
        data.draw(st.permutations(bank_side)),
        data.draw(st.permutations(book_side)),
        {on: dict(data.draw(st.permutations(list(by.items())))) for on, by in sub_ledgers.items()},
        dict(data.draw(st.permutations(list(book_balances.items())))),
        window_days=window_days,
    )
    assert shuffled == result
    kinds = Counter(difference.kind for difference in result.differences)
    assert result.matched + kinds[BANK_ONLY] == len(bank_side)
    assert result.matched + kinds[BOOKS_ONLY] == len(book_side)
    bank_only = Counter((d.on, d.amount_minor) for d in result.differences if d.kind == BANK_ONLY)
    assert not bank_only - Counter((line.on, line.amount_minor) for line in bank_side)
    books_only = Counter((d.on, d.amount_minor) for d in result.differences if d.kind == BOOKS_ONLY)
    assert not books_only - Counter((line.on, line.amount_minor) for line in book_side)
    # Matched lines have equal amounts, so both sides' matched money is the same.
    unmatched_bank = sum(on_amount[1] * n for on_amount, n in bank_only.items())
    unmatched_book = sum(on_amount[1] * n for on_amount, n in books_only.items())
    assert result.bank_total_minor - unmatched_bank == result.book_total_minor - unmatched_book
    gaps = {d.on: d.amount_minor for d in result.differences if d.kind == SUB_LEDGERS}
    assert gaps == {
        on: sum(sub_ledgers.get(on, {}).values()) - balance
        for on, balance in book_balances.items()
        if sum(sub_ledgers.get(on, {}).values()) != balance
    }
    assert result.balanced == (not result.differences)
