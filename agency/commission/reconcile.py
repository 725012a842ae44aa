"""Three-way reconciliation of the trust account, pure (no database): the bank's
statement against the movements our trust ledger recorded, and each day the client
sub-ledgers' total against the trust ledger's balance.

Matching pairs a bank line with a book line of the same amount, each line at most once:

1. the same reference (exact once stripped, case-insensitive), nearest day first;
2. then, among lines still open, the same amount on days at most ``window_days`` apart,
   nearest first: no pair two days apart is made while one a day apart is open, and so on.

Ties go to the earlier day, then to the line that sorts first by its content (reference,
client, text), then to input order, which can only choose between identical lines: the
result does not depend on the order lines come in.  Lines are indexed by amount and day,
so the work grows as n log n + n times the window, not n².
"""

from __future__ import annotations

from collections import Counter, defaultdict, deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from agency.commission.bank_statement import BankLine

BANK_ONLY = "bank only"
BOOKS_ONLY = "books only"
SUB_LEDGERS = "sub-ledgers"
# How many clients a sub-ledger difference names before "and N more".
_NAMED = 10

# A line's matching key (amount, normalised reference or "") and its day as an ordinal.
_Key = tuple[int, str]
_Open = tuple[int, _Key, int]


@dataclass(frozen=True)
class BookLine:
    """A movement our trust ledger recorded, as the bank should show it."""

    on: date
    # Signed minor units, as the bank would show it: money in positive, out negative.
    amount_minor: int
    # The payment's or remittance's reference as sent to the bank.
    reference: str
    client_id: int
    # What it is, in words: "payment 123", "remittance R-2026-11-7".
    what: str


@dataclass(frozen=True)
class Difference:
    """Something that does not reconcile.  ``kind``: "bank only" (on the statement, not in
    our books), "books only" (in our books, not at the bank), "sub-ledgers" (the client
    sub-ledgers' total differs from the trust ledger's balance that day, by
    ``amount_minor``: sub-ledgers minus trust ledger)."""

    on: date
    amount_minor: int
    kind: str
    detail: str


@dataclass(frozen=True)
class Reconciliation:
    """The outcome: what did not reconcile (by day, kind, amount), both sides' totals, how
    many bank lines matched a book line, and the pairs (bank line's index, book line's
    index, in the order given) — the day each book movement reached the bank."""

    differences: tuple[Difference, ...]
    bank_total_minor: int
    book_total_minor: int
    matched: int
    # By index into the inputs, so not part of equality (shuffled inputs reconcile equal).
    pairs: tuple[tuple[int, int], ...] = field(default=(), compare=False)

    @property
    def balanced(self) -> bool:
        """Whether everything reconciled: every line matched, every day's sub-ledgers add up."""
        return not self.differences


def reconcile(
    bank: Sequence[BankLine],
    book: Sequence[BookLine],
    sub_ledger_balances: Mapping[date, Mapping[int, int]],
    book_balances: Mapping[date, int],
    *,
    window_days: int = 3,
) -> Reconciliation:
    """Reconcile ``bank`` with ``book`` (matching as the module's docstring says, days at
    most ``window_days`` apart), and, for each day of ``book_balances``, that day's
    ``sub_ledger_balances`` (client id → balance, minor units) with the trust ledger's."""
    if window_days < 0:
        raise ValueError(f"window_days must be 0 or more, not {window_days}")
    pairs = _pairs(bank, book, window_days)
    matched_book = set(pairs.values())
    differences = [
        Difference(line.on, line.amount_minor, BANK_ONLY, _bank_detail(line))
        for index, line in enumerate(bank)
        if index not in pairs
    ]
    differences += [
        Difference(line.on, line.amount_minor, BOOKS_ONLY, _book_detail(line))
        for index, line in enumerate(book)
        if index not in matched_book
    ]
    for day, balance in book_balances.items():
        gap = _sub_ledger_gap(day, sub_ledger_balances.get(day, {}), balance)
        if gap is not None:
            differences.append(gap)
    differences.sort(key=lambda d: (d.on, d.kind, d.amount_minor, d.detail))
    return Reconciliation(
        differences=tuple(differences),
        bank_total_minor=sum(line.amount_minor for line in bank),
        book_total_minor=sum(line.amount_minor for line in book),
        matched=len(pairs),
        pairs=tuple(sorted(pairs.items())),
    )


def _reference(text: str) -> str:
    """A reference as matched: stripped, case folded."""
    return text.strip().casefold()


def _pairs(bank: Sequence[BankLine], book: Sequence[BookLine], window: int) -> dict[int, int]:
    """The matched lines: bank line index → book line index."""
    bank_order = sorted(
        range(len(bank)),
        key=lambda i: (
            bank[i].on,
            _reference(bank[i].reference),
            bank[i].reference,
            bank[i].description,
            bank[i].type_code,
            bank[i].amount_minor,
            i,
        ),
    )
    book_order = sorted(
        range(len(book)),
        key=lambda j: (
            book[j].on,
            _reference(book[j].reference),
            book[j].reference,
            book[j].client_id,
            book[j].what,
            book[j].amount_minor,
            j,
        ),
    )
    bank_ref = [(i, (bank[i].amount_minor, _reference(bank[i].reference))) for i in bank_order]
    book_ref = [(j, (book[j].amount_minor, _reference(book[j].reference))) for j in book_order]
    open_bank = [(i, key, bank[i].on.toordinal()) for i, key in bank_ref if key[1]]
    open_book = [(j, key, book[j].on.toordinal()) for j, key in book_ref if key[1]]
    pairs = dict(_nearest(open_bank, open_book, window))
    taken = set(pairs.values())
    pairs.update(
        _in_order(
            [line for line in open_bank if line[0] not in pairs],
            [line for line in open_book if line[0] not in taken],
        )
    )
    taken = set(pairs.values())
    open_bank = [(i, (bank[i].amount_minor, ""), bank[i].on.toordinal()) for i in bank_order]
    open_book = [(j, (book[j].amount_minor, ""), book[j].on.toordinal()) for j in book_order]
    pairs.update(
        _nearest(
            [line for line in open_bank if line[0] not in pairs],
            [line for line in open_book if line[0] not in taken],
            window,
        )
    )
    return pairs


def _nearest(bank: Sequence[_Open], book: Sequence[_Open], window: int) -> list[tuple[int, int]]:
    """Pairs (bank index, book index) of lines with the same key on days at most
    ``window`` apart, nearest first.  Both sides come in tie-break order; a bank line
    takes the earlier of two days equally near, and that day's first book line."""
    days: dict[tuple[_Key, int], deque[int]] = defaultdict(deque)
    open_books: Counter[_Key] = Counter()
    for index, key, day in book:
        days[key, day].append(index)
        open_books[key] += 1
    waiting = [line for line in bank if open_books[line[1]]]
    if not waiting:
        return []
    seen = [day for _, _, day in bank] + [day for _, _, day in book]
    span = max(seen) - min(seen)
    pairs = []
    for distance in range(min(window, span) + 1):
        still = []
        for line in waiting:
            index, key, day = line
            if not open_books[key]:
                continue
            for other in dict.fromkeys((day - distance, day + distance)):
                queue = days.get((key, other))
                if queue:
                    pairs.append((index, queue.popleft()))
                    open_books[key] -= 1
                    break
            else:
                still.append(line)
        waiting = still
    return pairs


def _in_order(bank: Sequence[_Open], book: Sequence[_Open]) -> list[tuple[int, int]]:
    """Pairs of lines with the same key whatever their days, the first open bank line
    with the first open book line, in tie-break (day) order."""
    queues: dict[_Key, deque[int]] = defaultdict(deque)
    for index, key, _ in book:
        queues[key].append(index)
    pairs = []
    for index, key, _ in bank:
        queue = queues.get(key)
        if queue:
            pairs.append((index, queue.popleft()))
    return pairs


def _bank_detail(line: BankLine) -> str:
    """A bank line in words: its text, reference and BAI2 type code."""
    parts = [line.description or "no description"]
    parts.append(f"reference {line.reference}" if line.reference.strip() else "no reference")
    if line.type_code:
        parts.append(f"BAI2 type {line.type_code}")
    return ", ".join(parts)


def _book_detail(line: BookLine) -> str:
    """A book line in words: what it is, its client and reference."""
    reference = f"reference {line.reference}" if line.reference.strip() else "no reference"
    return f"{line.what} for client {line.client_id}, {reference}"


def _sub_ledger_gap(day: date, balances: Mapping[int, int], book_balance: int) -> Difference | None:
    """The difference between the sub-ledgers' total and the trust ledger's balance on
    ``day``, or None when they agree."""
    total = sum(balances.values())
    if total == book_balance:
        return None
    clients = [str(client) for client in sorted(balances)]
    if not clients:
        summed = "no client sub-ledger holds a balance that day (0)"
    else:
        named = ", ".join(clients[:_NAMED])
        if len(clients) > _NAMED:
            named += f" and {len(clients) - _NAMED} more"
        noun = "client" if len(clients) == 1 else "clients"
        summed = f"the sub-ledgers of {noun} {named} sum to {total}"
    detail = f"{summed}; the trust ledger's balance is {book_balance} (minor units)"
    return Difference(day, total - book_balance, SUB_LEDGERS, detail)
