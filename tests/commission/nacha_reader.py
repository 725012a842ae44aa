"""A strict reader of NACHA ACH files, for the tests to read back what the writer wrote.

It knows the record layouts by NACHA's own positions (1-based, inclusive: the entry's
amount is positions 30–39) and shares nothing with the writer, so a field the writer
puts one place off is read wrong here, not agreed with.  It refuses what a bank would:
a record that is not 94 characters, a line not ended by a newline, records out of order,
digits where digits belong that are not digits, padding that is not all nines.  Numbers
come back as ``int``; every other field as its exact characters, padding included.
"""

from __future__ import annotations

from dataclasses import dataclass

RECORD_LENGTH = 94
PADDING = "9" * RECORD_LENGTH


class NachaReadError(ValueError):
    """The file is not a well-formed NACHA file; ``line`` is the 1-based line at fault."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


@dataclass(frozen=True)
class FileHeader:
    """Record 1, the file header."""

    priority_code: str  # 2-3
    immediate_destination: str  # 4-13
    immediate_origin: str  # 14-23
    creation_date: str  # 24-29
    creation_time: str  # 30-33
    file_id_modifier: str  # 34
    record_size: str  # 35-37
    blocking_factor: str  # 38-39
    format_code: str  # 40
    destination_name: str  # 41-63
    origin_name: str  # 64-86
    reference_code: str  # 87-94


@dataclass(frozen=True)
class BatchHeader:
    """Record 5, a batch header."""

    service_class: str  # 2-4
    company_name: str  # 5-20
    discretionary_data: str  # 21-40
    company_id: str  # 41-50
    sec_code: str  # 51-53
    entry_description: str  # 54-63
    descriptive_date: str  # 64-69
    effective_date: str  # 70-75
    settlement_date: str  # 76-78
    originator_status: str  # 79
    odfi: str  # 80-87
    batch_number: int  # 88-94


@dataclass(frozen=True)
class Entry:
    """Record 6, an entry detail record."""

    transaction_code: str  # 2-3
    rdfi: str  # 4-11
    check_digit: str  # 12
    account: str  # 13-29
    amount: int  # 30-39
    identification: str  # 40-54
    name: str  # 55-76
    discretionary_data: str  # 77-78
    addenda_indicator: str  # 79
    trace_number: str  # 80-94


@dataclass(frozen=True)
class BatchControl:
    """Record 8, a batch control."""

    service_class: str  # 2-4
    entry_count: int  # 5-10
    entry_hash: int  # 11-20
    total_debit: int  # 21-32
    total_credit: int  # 33-44
    company_id: str  # 45-54
    authentication_code: str  # 55-73
    reserved: str  # 74-79
    odfi: str  # 80-87
    batch_number: int  # 88-94


@dataclass(frozen=True)
class FileControl:
    """Record 9, the file control."""

    batch_count: int  # 2-7
    block_count: int  # 8-13
    entry_count: int  # 14-21
    entry_hash: int  # 22-31
    total_debit: int  # 32-43
    total_credit: int  # 44-55
    reserved: str  # 56-94


@dataclass(frozen=True)
class Batch:
    """A batch header, its entries and its control."""

    header: BatchHeader
    entries: list[Entry]
    control: BatchControl


@dataclass(frozen=True)
class NachaFile:
    """A whole file as read."""

    header: FileHeader
    batches: list[Batch]
    control: FileControl
    padding_lines: int  # the lines of nines after the file control
    line_count: int  # every record, padding included


class _Record:
    """One line of the file, read by NACHA positions."""

    def __init__(self, number: int, text: str) -> None:
        if len(text) != RECORD_LENGTH:
            raise NachaReadError(number, f"is {len(text)} characters, not {RECORD_LENGTH}")
        self.number = number
        self.text = text
        self.type = text[0]

    def text_at(self, first: int, last: int) -> str:
        return self.text[first - 1 : last]

    def number_at(self, first: int, last: int) -> int:
        field = self.text_at(first, last)
        if not (field.isascii() and field.isdigit()):
            raise NachaReadError(self.number, f"positions {first}-{last} are not digits")
        return int(field)


def read_nacha(data: bytes) -> NachaFile:
    """Every record of ``data``, or ``NachaReadError`` at the first thing wrong."""
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError as exc:
        raise NachaReadError(data.count(b"\n", 0, exc.start) + 1, "is not ASCII") from exc
    if not text.endswith("\n"):
        raise NachaReadError(text.count("\n") + 1, "does not end with a newline")
    records = [_Record(n, line) for n, line in enumerate(text[:-1].split("\n"), 1)]
    position = 0

    def take(record_type: str) -> _Record:
        nonlocal position
        if position == len(records):
            raise NachaReadError(position + 1, f"missing: a type {record_type} record")
        record = records[position]
        if record.type != record_type:
            raise NachaReadError(
                record.number, f"is type {record.type}, where type {record_type} belongs"
            )
        position += 1
        return record

    header = _file_header(take("1"))
    batches = []
    while position < len(records) and records[position].type == "5":
        batch_header = _batch_header(take("5"))
        entries = []
        while position < len(records) and records[position].type == "6":
            entries.append(_entry(take("6")))
        batches.append(Batch(batch_header, entries, _batch_control(take("8"))))
    control = _file_control(take("9"))
    for record in records[position:]:
        if record.text != PADDING:
            raise NachaReadError(record.number, "follows the file control but is not all 9s")
    return NachaFile(header, batches, control, len(records) - position, len(records))


def _file_header(r: _Record) -> FileHeader:
    return FileHeader(
        priority_code=r.text_at(2, 3),
        immediate_destination=r.text_at(4, 13),
        immediate_origin=r.text_at(14, 23),
        creation_date=r.text_at(24, 29),
        creation_time=r.text_at(30, 33),
        file_id_modifier=r.text_at(34, 34),
        record_size=r.text_at(35, 37),
        blocking_factor=r.text_at(38, 39),
        format_code=r.text_at(40, 40),
        destination_name=r.text_at(41, 63),
        origin_name=r.text_at(64, 86),
        reference_code=r.text_at(87, 94),
    )


def _batch_header(r: _Record) -> BatchHeader:
    return BatchHeader(
        service_class=r.text_at(2, 4),
        company_name=r.text_at(5, 20),
        discretionary_data=r.text_at(21, 40),
        company_id=r.text_at(41, 50),
        sec_code=r.text_at(51, 53),
        entry_description=r.text_at(54, 63),
        descriptive_date=r.text_at(64, 69),
        effective_date=r.text_at(70, 75),
        settlement_date=r.text_at(76, 78),
        originator_status=r.text_at(79, 79),
        odfi=r.text_at(80, 87),
        batch_number=r.number_at(88, 94),
    )


def _entry(r: _Record) -> Entry:
    return Entry(
        transaction_code=r.text_at(2, 3),
        rdfi=r.text_at(4, 11),
        check_digit=r.text_at(12, 12),
        account=r.text_at(13, 29),
        amount=r.number_at(30, 39),
        identification=r.text_at(40, 54),
        name=r.text_at(55, 76),
        discretionary_data=r.text_at(77, 78),
        addenda_indicator=r.text_at(79, 79),
        trace_number=r.text_at(80, 94),
    )


def _batch_control(r: _Record) -> BatchControl:
    return BatchControl(
        service_class=r.text_at(2, 4),
        entry_count=r.number_at(5, 10),
        entry_hash=r.number_at(11, 20),
        total_debit=r.number_at(21, 32),
        total_credit=r.number_at(33, 44),
        company_id=r.text_at(45, 54),
        authentication_code=r.text_at(55, 73),
        reserved=r.text_at(74, 79),
        odfi=r.text_at(80, 87),
        batch_number=r.number_at(88, 94),
    )


def _file_control(r: _Record) -> FileControl:
    return FileControl(
        batch_count=r.number_at(2, 7),
        block_count=r.number_at(8, 13),
        entry_count=r.number_at(14, 21),
        entry_hash=r.number_at(22, 31),
        total_debit=r.number_at(32, 43),
        total_credit=r.number_at(44, 55),
        reserved=r.text_at(56, 94),
    )
