"""The trust account's bank statement, read into lines: a CSV export or a BAI2 file.

CSV layout:

- UTF-8 text, a byte order mark allowed.
- A header row, required, naming the columns ``date,amount,reference,description``:
  case-insensitive, in any order; a missing column is refused, and so is any other
  column, by name.
- ``date``: ISO ``YYYY-MM-DD``, the day the bank booked the movement.
- ``amount``: a signed decimal in major units, money into the trust account positive and
  out of it negative (``-125.50``), with at most the currency's digits after the point,
  no thousands separators; never rounded (more digits are refused).
- ``reference``: the bank's or the customer's reference, may be empty.
- ``description``: the bank's text, may be empty; its first 200 characters are kept.
- Empty lines are skipped.
- Bounds are checked before anything is parsed: the size first (``MAX_BYTES``), then the
  number of lines (``MAX_LINES``, the header and empty lines counted).

Every refusal is a ``StatementError`` naming the line and, for a value, its column.

BAI2 (the cash-management format US banks send) is read with the ``bai2`` package,
which checks every trailer's control total and record count.  Its amounts are minor
units without a decimal point and without a sign: the type code says whether a
transaction is a credit (money in) or a debit (money out), as the package classes it
(credits 100–399, debits 400–699, and a few loan codes beyond).  A transaction's day is
its value date where it has one (funds type ``V``), else its group's as-of date.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import PurePath
from typing import Any

from bai2.constants import FundsType, RecordCode, TypeCodeTransaction
from bai2.exceptions import IntegrityException, NotSupportedYetException, ParsingException
from bai2.helpers import record_generator
from bai2.models import Record
from bai2.parsers import Bai2FileParser

from agency.kit.json_input import bad_character
from agency.kit.money import MAX_WHOLE_DIGITS, MoneyError, max_minor

MAX_BYTES = 10 * 1024 * 1024
MAX_LINES = 200_000
MAX_DESCRIPTION = 200
MAX_REFERENCE = 100  # longer is refused: a reference cut short would not match
COLUMNS = ("date", "amount", "reference", "description")
# How much of a refused value a message quotes.
_SHOWN = 32
# How many account numbers a message lists.
_LISTED = 10

_NEWLINE = re.compile(r"\r\n|\r|\n")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_AMOUNT = re.compile(r"([+-]?)(\d+)(?:\.(\d+))?")
_RECORD_CODES = frozenset(code.value for code in RecordCode)
_RECORD_NAME = re.compile(r"RecordCode\.(\w+)")
_SECTION_NAME = re.compile(r"for (Account|Group|Bai2File)\. ")
_SECTION_WORDS = {"Account": "the account", "Group": "the group", "Bai2File": "the file"}


class StatementError(ValueError):
    """A bank statement we cannot read: ``where`` names the place ("line 14", "line 14,
    column amount", "the file"), ``message`` says in words what is wrong there."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


@dataclass(frozen=True)
class BankLine:
    """One movement on the trust account as the bank reports it."""

    on: date
    # Signed minor units: credits (money into the trust account) positive, debits negative.
    amount_minor: int
    # The customer's reference where the bank gives one, else the bank's ("" when none).
    reference: str
    # The bank's text, at most MAX_DESCRIPTION characters kept.
    description: str
    # The BAI2 type code ("165", "475"), or "" for CSV.
    type_code: str


def read_statement(
    data: bytes, filename: str, *, account: str | None = None, currency_digits: int = 2
) -> list[BankLine]:
    """The statement's lines, read by its name and content: ``.csv`` as CSV (amounts with
    ``currency_digits`` decimals at most), ``.bai``/``.bai2``, or ``.txt`` starting with
    ``01,``, as BAI2 (``account``: see ``read_bai2``)."""
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".csv":
        return read_csv(data, currency_digits=currency_digits)
    opening = data[:64].removeprefix(codecs.BOM_UTF8).lstrip()
    if suffix in (".bai", ".bai2") or (suffix == ".txt" and opening.startswith(b"01,")):
        return read_bai2(data, account=account)
    raise StatementError(
        filename,
        "not a statement we read: send a CSV export (.csv) or a BAI2 file "
        "(.bai, .bai2, or .txt starting with its 01 file header)",
    )


def read_csv(data: bytes, *, currency_digits: int = 2) -> list[BankLine]:
    """The lines of a CSV statement in the layout of this module's docstring, in file order."""
    if currency_digits < 0:
        raise ValueError(f"currency_digits must be 0 or more, not {currency_digits}")
    reader = csv.reader(io.StringIO(_text(data), newline=""))
    header: dict[str, int] | None = None
    lines: list[BankLine] = []
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = _header(row, reader.line_num)
            else:
                lines.append(_csv_line(row, header, reader.line_num, currency_digits))
    except csv.Error as exc:
        raise StatementError(f"line {reader.line_num}", f"not readable as CSV: {exc}") from None
    if header is None:
        raise StatementError("line 1", "the file is empty: it needs at least its header row")
    return lines


def read_bai2(data: bytes, *, account: str | None = None) -> list[BankLine]:
    """The transactions of a BAI2 file, in file order.  ``account``: keep only that
    account's (the trust account's number); None: the file must hold exactly one account."""
    records = [
        (number, line.strip())
        for number, line in enumerate(_NEWLINE.split(_text(data)), start=1)
        if line.strip()
    ]
    _check_record_codes(records)
    # The line each record starts on (a record goes on over its 88 continuation lines).
    starts = [number for number, line in records if not line.startswith("88")]
    stream = _Records(line for _, line in records)
    try:
        parsed = Bai2FileParser(stream).parse()
    except (ParsingException, IntegrityException, NotSupportedYetException) as exc:
        raise StatementError(_where_refused(exc, stream, starts), _in_words(str(exc))) from None
    except (ValueError, IndexError) as exc:
        reason = "a field is missing" if isinstance(exc, IndexError) else str(exc)
        raise StatementError(
            _where_refused(exc, stream, starts), f"a field cannot be read: {reason}"
        ) from None
    if not stream.ended:
        raise StatementError(
            f"line {starts[stream.index]}", "the file goes on after its file trailer (99)"
        )
    accounts = _chosen(_accounts(parsed, starts), account)
    return [
        line
        for held in accounts
        for transaction, start in held.transactions
        if (line := _bai2_line(transaction, held, f"line {start}")) is not None
    ]


def _text(data: bytes) -> str:
    """``data`` as text, once within bounds: size first, then the number of lines."""
    if len(data) > MAX_BYTES:
        raise StatementError(
            "the file",
            f"it has {len(data):,} bytes; a statement may have at most {MAX_BYTES:,} (10 MiB)",
        )
    lines = _line_breaks(data) + (0 if data.endswith((b"\n", b"\r")) or not data else 1)
    if lines > MAX_LINES:
        raise StatementError(
            f"line {MAX_LINES + 1}",
            f"the file has {lines:,} lines; a statement may have at most {MAX_LINES:,}",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = _line_breaks(data[: exc.start]) + 1
        raise StatementError(f"line {line}", "the text is not UTF-8") from None


def _line_breaks(data: bytes) -> int:
    """How many line breaks ``data`` has: CR LF, LF or CR alone."""
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")


def _shown(text: str) -> str:
    """``text`` quoted for a message, cut short if long."""
    return repr(text) if len(text) <= _SHOWN else repr(text[:_SHOWN]) + "…"


def _header(row: Sequence[str], line: int) -> dict[str, int]:
    """Each column's position, from the header row on ``line``."""
    positions: dict[str, int] = {}
    extra: list[str] = []
    for position, cell in enumerate(row):
        name = cell.strip().lower()
        if name in positions:
            raise StatementError(f"line {line}, column {name}", "the header names it twice")
        positions[name] = position
        if name not in COLUMNS:
            extra.append(name or f"{position + 1} (no name)")
    missing = [name for name in COLUMNS if name not in positions]
    problems = []
    if extra:
        problems.append(f"columns this layout does not take: {', '.join(extra)}")
    if missing:
        problems.append(f"no column {', '.join(missing)}")
    if problems:
        where = f"line {line}"
        if extra:
            where += f", column {extra[0]}" if len(extra) == 1 else f", columns {', '.join(extra)}"
        raise StatementError(
            where,
            f"the header has {'; and '.join(problems)} "
            "(the columns are date, amount, reference and description)",
        )
    return positions


def _csv_line(row: Sequence[str], header: dict[str, int], line: int, digits: int) -> BankLine:
    """The statement line in ``row``, read on ``line`` under ``header``."""
    if len(row) != len(header):
        raise StatementError(
            f"line {line}", f"it has {len(row)} values; the header names {len(header)} columns"
        )
    cell = {name: row[position].strip() for name, position in header.items()}
    for name in ("reference", "description"):
        reason = bad_character(cell[name])
        if reason:
            raise StatementError(f"line {line}, column {name}", f"the text {reason}")
    if len(cell["reference"]) > MAX_REFERENCE:
        raise StatementError(
            f"line {line}, column reference", f"is longer than {MAX_REFERENCE} characters"
        )
    return BankLine(
        on=_iso_date(cell["date"], f"line {line}, column date"),
        amount_minor=_amount(cell["amount"], digits, f"line {line}, column amount"),
        reference=cell["reference"],
        description=cell["description"][:MAX_DESCRIPTION],
        type_code="",
    )


def _iso_date(text: str, where: str) -> date:
    """``text`` as a date written YYYY-MM-DD."""
    if _DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise StatementError(
        where, f"{_shown(text)} is not a date: write it YYYY-MM-DD, e.g. 2026-11-30"
    )


def _amount(text: str, digits: int, where: str) -> int:
    """``text``, a signed decimal with at most ``digits`` decimals, in minor units."""
    match = _AMOUNT.fullmatch(text)
    if not match:
        raise StatementError(
            where,
            f"{_shown(text)} is not an amount: write a signed decimal such as -125.50, "
            "without thousands separators",
        )
    sign, whole, fraction = match[1], match[2].lstrip("0"), match[3] or ""
    if len(fraction) > digits:
        raise StatementError(
            where,
            f"{_shown(text)} has {len(fraction)} decimal places; the currency has {digits} "
            "and amounts are never rounded",
        )
    if len(whole) > MAX_WHOLE_DIGITS:
        raise StatementError(
            where,
            f"{_shown(text)} is too large: at most {MAX_WHOLE_DIGITS} digits before the point",
        )
    minor = int(whole + fraction.ljust(digits, "0") or "0")
    return -minor if sign == "-" else minor


def _check_record_codes(records: Sequence[tuple[int, str]]) -> None:
    """Refuse a line that starts no BAI2 record, and a file that starts with no 01 header."""
    if not records:
        raise StatementError("line 1", "the file is empty")
    for number, line in records:
        if line[2:3] != "," or line[:2] not in _RECORD_CODES:
            raise StatementError(
                f"line {number}",
                f"{_shown(line[:8])} starts no BAI2 record: a line starts with its record code "
                "(01, 02, 03, 16, 49, 88, 98 or 99) and a comma",
            )
    first, line = records[0]
    if not line.startswith("01,"):
        raise StatementError(f"line {first}", "a BAI2 file starts with its file header (01)")


class _Records:
    """The ``bai2`` package's stream of records, counted so that a refusal names its line.

    It stands in for the package's ``IteratorHelper`` (the parsers read
    ``current_record`` and call ``advance()``).  At the end of the file it shows a record
    that no parser takes: the package's own helper keeps showing the last record, and a
    file cut short after a 16 record would be read as that transaction forever.
    """

    def __init__(self, lines: Iterator[str]) -> None:
        self._stream = record_generator(lines)
        self.index = -1  # the record the parser is looking at
        self.taken = -1  # the record it took last
        self.ended = False
        self.current_record: Any = None
        self.advance()

    def advance(self) -> None:
        self.taken = self.index
        try:
            self.current_record = next(self._stream)
        except StopIteration:
            self.ended = True
            self.current_record = Record(code="the end of the file", fields=[])
            return
        self.index += 1


def _where_refused(exc: Exception, stream: _Records, starts: Sequence[int]) -> str:
    """The line of the record the package refused.  A section's checks (control totals,
    record counts, a group without accounts) run once its trailer is taken; every other
    refusal is of the record the parser is looking at, or of the file's end."""
    section_check = isinstance(exc, IntegrityException) or (
        isinstance(exc, ParsingException) and not str(exc).startswith("Expected ")
    )
    if section_check:
        return f"line {starts[stream.taken]}"
    if stream.ended:
        return f"after line {starts[stream.index]}"
    return f"line {starts[stream.index]}"


def _in_words(message: str) -> str:
    """The package's message in words: ``RecordCode.group_trailer`` becomes ``98 (group
    trailer)``, ``for Account. expected`` becomes ``of the account: expected``."""
    named = _RECORD_NAME.sub(
        lambda match: f"{RecordCode[match[1]].value} ({match[1].replace('_', ' ')})", message
    )
    named = _SECTION_NAME.sub(lambda match: f"of {_SECTION_WORDS[match[1]]}: ", named)
    return named[:1].lower() + named[1:]


@dataclass(frozen=True)
class _Account:
    """One account's part of a group: its number, where it and its group start, its
    group's as-of date, the largest amount its currency takes, and its transactions with
    the line each starts on."""

    number: str
    line: int
    group_line: int
    as_of: date | None
    largest: int
    transactions: list[tuple[Any, int]]


def _accounts(parsed: Any, starts: Sequence[int]) -> list[_Account]:
    """Every account of every group, in file order.  Records are counted as the file
    holds them: 01, then per group 02, per account 03, its 16s and 49, then 98."""
    accounts = []
    index = 0
    for group in parsed.children:
        index += 1
        group_line = starts[index]
        for held in group.children:
            index += 1
            line = starts[index]
            currency = held.header.currency or group.header.currency
            try:
                largest = max_minor(currency)
            except MoneyError as exc:
                raise StatementError(f"line {line}", str(exc)) from None
            transactions = []
            for transaction in held.children:
                index += 1
                transactions.append((transaction, starts[index]))
            index += 1
            number = (held.header.customer_account_number or "").strip()
            accounts.append(
                _Account(number, line, group_line, group.header.as_of_date, largest, transactions)
            )
        index += 1
    return accounts


def _chosen(accounts: Sequence[_Account], account: str | None) -> list[_Account]:
    """The parts of ``accounts`` that are ``account``'s, or all of the one account held."""
    held = list(dict.fromkeys(part.number for part in accounts))
    listed = ", ".join(held[:_LISTED])
    if len(held) > _LISTED:
        listed += f" and {len(held) - _LISTED} more"
    if account is None:
        if len(held) > 1:
            second = next(part for part in accounts if part.number == held[1])
            raise StatementError(
                f"line {second.line}",
                f"the file holds {len(held)} accounts ({listed}); say which is the trust account",
            )
        return list(accounts)
    wanted = account.strip()
    chosen = [part for part in accounts if part.number == wanted]
    if not chosen:
        raise StatementError("the file", f"it holds no account {wanted}, only {listed}")
    return chosen


def _bai2_line(transaction: Any, account: _Account, where: str) -> BankLine | None:
    """The statement line of one 16 record, or None for non-monetary information (a
    zero amount under a type code that is neither credit nor debit, such as 890)."""
    type_code = transaction.type_code
    amount = transaction.amount
    if amount is None:
        raise StatementError(where, "the transaction has no amount")
    if amount < 0:
        raise StatementError(
            where, "the amount has a sign: BAI2 amounts have none, the type code says which way"
        )
    if amount > account.largest:
        raise StatementError(where, f"the amount {amount} (minor units) is too large")
    if type_code.transaction is TypeCodeTransaction.credit:
        signed = amount
    elif type_code.transaction is TypeCodeTransaction.debit:
        signed = -amount
    elif amount == 0:
        return None
    else:
        raise StatementError(
            where,
            f"type code {type_code.code} ({type_code.description}) is neither a credit nor a "
            "debit, so the amount's direction is unknown",
        )
    on = account.as_of
    if transaction.funds_type is FundsType.value_dated and transaction.availability.get("date"):
        on = transaction.availability["date"]
    if on is None:
        raise StatementError(
            where,
            f"no date: the transaction has no value date and its group (line "
            f"{account.group_line}) no as-of date",
        )
    reference = (transaction.customer_reference or "").strip() or (
        transaction.bank_reference or ""
    ).strip()
    if len(reference) > MAX_REFERENCE:
        raise StatementError(where, f"the reference is longer than {MAX_REFERENCE} characters")
    return BankLine(
        on=on,
        amount_minor=signed,
        reference=reference,
        description=(transaction.text or "").strip()[:MAX_DESCRIPTION],
        type_code=type_code.code,
    )
