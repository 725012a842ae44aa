"""The ACH credit file that pays client remittances: its records read back, field by
field, with a reader that shares nothing with the writer; its controls recomputed from
the entries read; and every value it cannot carry refused by name."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

import pytest

from agency.commission.nacha import (
    Credit,
    NachaError,
    Originator,
    ach_credit_file,
    routing_number_valid,
)
from tests.commission.nacha_reader import NachaFile, NachaReadError, read_nacha

ORIGINATOR = Originator(
    destination_routing="021000021",  # JPMorgan Chase, New York
    destination_name="JPMorgan Chase Bank",
    origin_id="1123456789",
    origin_name="Northwind Recovery LLC",
    company_name="Northwind Recov",
    company_id="1123456789",
)
CREDITS = [
    Credit(
        name="Acme Dental Group",
        routing="011000015",  # Federal Reserve Bank of Boston
        account="123456789",
        account_type="checking",
        amount_minor=125_075,
        reference="RMT-2026-04-001",
    ),
    Credit(
        name="Blue Ridge Clinic",
        routing="026009593",  # Bank of America, New York
        account="0012-3456-78",
        account_type="savings",
        amount_minor=9_999_999_999,
        reference="RMT-2026-04-002",
    ),
    Credit(
        name="city utilities, inc.",
        routing="121000358",  # Bank of America, California
        account="A1B2C3D4E5F6G7H8J",
        account_type="checking",
        amount_minor=1,
        reference="R3",
    ),
]
CREATED_AT = datetime(2026, 4, 30, 16, 5)
EFFECTIVE = date(2026, 5, 1)


def _file(**changes: Any) -> bytes:
    arguments: dict[str, Any] = {
        "originator": ORIGINATOR,
        "credits": CREDITS,
        "sec_code": "CCD",
        "effective_date": EFFECTIVE,
        "created_at": CREATED_AT,
    }
    arguments.update(changes)
    return ach_credit_file(**arguments)


def _refused(**changes: Any) -> NachaError:
    with pytest.raises(NachaError) as caught:
        _file(**changes)
    return caught.value


def _many(count: int, routings: list[str], amount: int = 100) -> list[Credit]:
    return [
        replace(CREDITS[0], routing=routings[n % len(routings)], amount_minor=amount)
        for n in range(count)
    ]


def _fields(record: str) -> str:
    """A record written with a bar between its fields, for reading; the bars removed."""
    return record.replace("|", "")


def test_the_file_is_exactly_these_records() -> None:
    assert _file().decode("ascii").split("\n") == [
        _fields(
            "1|01| 021000021|1123456789|260430|1605|A|094|10|1"
            "|JPMORGAN CHASE BANK    |NORTHWIND RECOVERY LLC |        "
        ),
        _fields(
            "5|220|NORTHWIND RECOV |                    |1123456789|CCD|REMITTANCE"
            "|      |260501|   |1|02100002|0000001"
        ),
        _fields(
            "6|22|01100001|5|123456789        |0000125075|RMT-2026-04-001"
            "|ACME DENTAL GROUP     |  |0|021000020000001"
        ),
        _fields(
            "6|32|02600959|3|0012-3456-78     |9999999999|RMT-2026-04-002"
            "|BLUE RIDGE CLINIC     |  |0|021000020000002"
        ),
        _fields(
            "6|22|12100035|8|A1B2C3D4E5F6G7H8J|0000000001|R3             "
            "|CITY UTILITIES, INC.  |  |0|021000020000003"
        ),
        _fields(
            "8|220|000003|0015800995|000000000000|010000125075|1123456789"
            "|                   |      |02100002|0000001"
        ),
        _fields(
            "9|000001|000001|00000003|0015800995|000000000000|010000125075"
            "|                                       "
        ),
        "9" * 94,
        "9" * 94,
        "9" * 94,
        "",
    ]


def test_every_record_is_94_ascii_characters_on_its_own_line() -> None:
    data = _file()
    assert data.endswith(b"\n")
    lines = data.split(b"\n")[:-1]
    assert len(lines) == 10
    assert all(len(line) == 94 for line in lines)
    assert b"\r" not in data
    assert data.isascii()


@pytest.mark.parametrize(
    ("count", "lines", "padding", "blocks"),
    [(1, 10, 5, 1), (6, 10, 0, 1), (7, 20, 9, 2), (16, 20, 0, 2), (17, 30, 9, 3)],
)
def test_records_are_padded_with_nines_to_whole_blocks_of_ten(
    count: int, lines: int, padding: int, blocks: int
) -> None:
    data = _file(credits=_many(count, ["011000015"]))
    raw = data.decode("ascii").split("\n")[:-1]
    assert len(raw) == lines
    assert raw[count + 4 :] == ["9" * 94] * padding
    assert raw[count + 3].startswith("9000001")  # the file control comes before the padding
    read = read_nacha(data)
    assert read.padding_lines == padding
    assert read.line_count % 10 == 0
    assert read.control.block_count == blocks == read.line_count // 10


def test_file_header() -> None:
    header = read_nacha(_file()).header
    assert header.priority_code == "01"
    assert header.immediate_destination == " 021000021"
    assert header.immediate_origin == "1123456789"
    assert header.creation_date == "260430"
    assert header.creation_time == "1605"
    assert header.file_id_modifier == "A"
    assert header.record_size == "094"
    assert header.blocking_factor == "10"
    assert header.format_code == "1"
    assert header.destination_name == "JPMORGAN CHASE BANK    "
    assert header.origin_name == "NORTHWIND RECOVERY LLC "
    assert header.reference_code == " " * 8
    assert read_nacha(_file(file_id_modifier="7")).header.file_id_modifier == "7"


@pytest.mark.parametrize("sec_code", ["CCD", "PPD"])
def test_batch_header(sec_code: str) -> None:
    read = read_nacha(_file(sec_code=sec_code, entry_description="Fees net"))
    assert len(read.batches) == 1
    header = read.batches[0].header
    assert header.service_class == "220"
    assert header.company_name == "NORTHWIND RECOV "
    assert header.discretionary_data == " " * 20
    assert header.company_id == "1123456789"
    assert header.sec_code == sec_code
    assert header.entry_description == "FEES NET  "
    assert header.descriptive_date == " " * 6
    assert header.effective_date == "260501"
    assert header.settlement_date == "   "
    assert header.originator_status == "1"
    assert header.odfi == "02100002"
    assert header.batch_number == 1


def test_entries() -> None:
    entries = read_nacha(_file()).batches[0].entries
    assert [e.transaction_code for e in entries] == ["22", "32", "22"]
    assert [e.rdfi + e.check_digit for e in entries] == ["011000015", "026009593", "121000358"]
    assert [e.check_digit for e in entries] == ["5", "3", "8"]
    assert [e.account for e in entries] == [
        "123456789        ",
        "0012-3456-78     ",
        "A1B2C3D4E5F6G7H8J",
    ]
    assert [e.amount for e in entries] == [125_075, 9_999_999_999, 1]
    assert [e.identification for e in entries] == [
        "RMT-2026-04-001",
        "RMT-2026-04-002",
        "R3             ",
    ]
    assert [e.name for e in entries] == [
        "ACME DENTAL GROUP     ",
        "BLUE RIDGE CLINIC     ",
        "CITY UTILITIES, INC.  ",
    ]
    assert {e.discretionary_data for e in entries} == {"  "}
    assert {e.addenda_indicator for e in entries} == {"0"}
    assert [e.trace_number for e in entries] == [
        "021000020000001",
        "021000020000002",
        "021000020000003",
    ]


def _check_controls(read: NachaFile) -> None:
    """The batch and file controls agree with the entries as read."""
    (batch,) = read.batches
    entries = batch.entries
    entry_hash = sum(int(e.rdfi) for e in entries) % 10**10
    total = sum(e.amount for e in entries)
    assert batch.control.service_class == "220"
    assert batch.control.entry_count == len(entries)
    assert batch.control.entry_hash == entry_hash
    assert batch.control.total_debit == 0
    assert batch.control.total_credit == total
    assert batch.control.company_id == batch.header.company_id
    assert batch.control.authentication_code == " " * 19
    assert batch.control.reserved == " " * 6
    assert batch.control.odfi == batch.header.odfi
    assert batch.control.batch_number == batch.header.batch_number
    assert read.control.batch_count == 1
    assert read.control.block_count == -(-(len(entries) + 4) // 10)
    assert read.control.entry_count == len(entries)
    assert read.control.entry_hash == entry_hash
    assert read.control.total_debit == 0
    assert read.control.total_credit == total
    assert read.control.reserved == " " * 39


def test_controls_total_the_entries() -> None:
    read = read_nacha(_file())
    _check_controls(read)
    assert read.control.entry_hash == 1100001 + 2600959 + 12100035 == 15_800_995
    assert read.control.total_credit == 10_000_125_075
    assert read.control.block_count == 1


def test_the_entry_hash_keeps_its_last_ten_digits() -> None:
    # JPMorgan Chase in California and in Washington: 1,250 RDFI numbers of 32 million
    # and more sum to 40,458,898,750, eleven digits.
    credits = _many(1250, ["322271627", "325070760"])
    read = read_nacha(_file(credits=credits))
    _check_controls(read)
    entries = read.batches[0].entries
    assert sum(int(e.rdfi) for e in entries) == 40_458_898_750
    assert read.batches[0].control.entry_hash == 458_898_750
    assert read.control.entry_hash == 458_898_750
    assert read.control.entry_count == 1250
    assert read.control.total_credit == 125_000
    assert read.control.block_count == 126
    assert read.padding_lines == 6
    assert entries[-1].trace_number == "021000020001250"
    traces = [int(e.trace_number[8:]) for e in entries]
    assert traces == list(range(1, 1251))


def test_ten_thousand_credits_fill_the_largest_file() -> None:
    credits = _many(10_000, ["011000015", "121000358"], amount=99_999_999)
    read = read_nacha(_file(credits=credits))
    _check_controls(read)
    assert read.control.entry_count == 10_000
    assert read.control.total_credit == 999_999_990_000  # 12 digits, every one used
    assert read.control.block_count == 1001
    assert read.batches[0].entries[-1].trace_number == "021000020010000"


@pytest.mark.parametrize(
    "routing", ["011000015", "021000021", "026009593", "121000358", "322271627", "325070760"]
)
def test_known_routing_numbers_are_valid(routing: str) -> None:
    assert routing_number_valid(routing)


@pytest.mark.parametrize(
    "routing",
    [
        "011000016",  # one off in the check digit
        "021000012",  # two digits swapped
        "123456789",
        "02100002",  # 8 digits
        "0210000210",  # 10 digits
        " 21000021",
        "02100002X",
        "021000021\n",
        "٠٢١٠٠٠٠٢١",  # Arabic-Indic digits: digits, but not ASCII
        "",
    ],
)
def test_other_routing_numbers_are_not(routing: str) -> None:
    assert not routing_number_valid(routing)


def _with_originator(**fields: Any) -> dict[str, Any]:
    return {"originator": replace(ORIGINATOR, **fields)}


def _with_credit(**fields: Any) -> dict[str, Any]:
    return {"credits": [CREDITS[0], replace(CREDITS[1], **fields), CREDITS[2]]}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        (_with_originator(destination_routing="021000022"), "originator.destination_routing"),
        (_with_originator(destination_routing="2100002"), "originator.destination_routing"),
        (_with_originator(destination_name="J" * 24), "originator.destination_name"),
        (_with_originator(destination_name=""), "originator.destination_name"),
        (_with_originator(origin_id="123456789"), "originator.origin_id"),
        (_with_originator(origin_id="1123-56789"), "originator.origin_id"),
        (_with_originator(origin_name="Zoë Recovery"), "originator.origin_name"),
        (_with_originator(company_name="Northwind Recovery"), "originator.company_name"),
        (_with_originator(company_id="abcdefghij"), "originator.company_id"),
        (_with_credit(name="B" * 23), "credits[1].name"),
        (_with_credit(name="   "), "credits[1].name"),
        (_with_credit(name="Café Luna"), "credits[1].name"),
        (_with_credit(name="ACME\nINC"), "credits[1].name"),
        (_with_credit(name="ACME~INC"), "credits[1].name"),
        (_with_credit(routing="026009594"), "credits[1].routing"),
        (_with_credit(routing="26009593"), "credits[1].routing"),
        (_with_credit(account=""), "credits[1].account"),
        (_with_credit(account="1" * 18), "credits[1].account"),
        (_with_credit(account="12 34"), "credits[1].account"),
        (_with_credit(account="12345abc"), "credits[1].account"),
        (_with_credit(account_type="money market"), "credits[1].account_type"),
        (_with_credit(amount_minor=0), "credits[1].amount_minor"),
        (_with_credit(amount_minor=-100), "credits[1].amount_minor"),
        (_with_credit(amount_minor=10_000_000_000), "credits[1].amount_minor"),
        (_with_credit(amount_minor=True), "credits[1].amount_minor"),
        (_with_credit(reference="R" * 16), "credits[1].reference"),
        (_with_credit(reference=""), "credits[1].reference"),
        (_with_credit(reference="RMT\t1"), "credits[1].reference"),
        ({"sec_code": "WEB"}, "sec_code"),
        ({"sec_code": "ccd"}, "sec_code"),
        ({"file_id_modifier": "a"}, "file_id_modifier"),
        ({"file_id_modifier": "AB"}, "file_id_modifier"),
        ({"file_id_modifier": ""}, "file_id_modifier"),
        ({"entry_description": "REMITTANCES"}, "entry_description"),
        ({"entry_description": ""}, "entry_description"),
        ({"effective_date": date(2026, 4, 29)}, "effective_date"),
        ({"credits": []}, "credits"),
        ({"credits": _many(10_001, ["011000015"])}, "credits"),
        ({"credits": _many(101, ["011000015"], amount=9_999_999_999)}, "credits"),
    ],
)
def test_each_refusal_names_its_field(changes: dict[str, Any], field: str) -> None:
    error = _refused(**changes)
    assert error.field == field
    assert error.message
    assert str(error) == f"{field}: {error.message}"


def test_too_long_a_name_is_refused_not_shortened() -> None:
    error = _refused(**_with_credit(name="Blue Ridge Family Clinic"))
    assert str(error) == "credits[1].name: is 24 characters; at most 22 fit (it is not shortened)"


def test_a_character_outside_nachas_set_is_refused_not_dropped() -> None:
    error = _refused(**_with_credit(name="Café Luna"))
    assert error.message.startswith("character 4 ('é') cannot go in an ACH file")


def test_bounds_are_checked_before_any_field() -> None:
    broken = replace(CREDITS[0], routing="011000016")
    too_many = _refused(credits=[broken] * 10_001)
    assert str(too_many) == "credits: there are 10,001; at most 10,000 go in one file"
    over = _refused(credits=[broken, *_many(100, ["011000015"], amount=9_999_999_999)])
    assert str(over) == (
        "credits: they total 1,000,000,124,975 cents; the file's totals hold at most "
        "999,999,999,999 (12 digits)"
    )


def test_the_total_may_use_all_twelve_digits_but_no_more() -> None:
    at_most = [
        *_many(100, ["011000015"], amount=9_999_999_999),
        replace(CREDITS[0], amount_minor=99),
    ]
    assert read_nacha(_file(credits=at_most)).control.total_credit == 999_999_999_999
    error = _refused(credits=[*at_most, replace(CREDITS[0], amount_minor=1)])
    assert error.field == "credits"
    assert error.message.startswith("they total 1,000,000,000,000 cents")


def test_credits_may_settle_the_day_the_file_is_created() -> None:
    read = read_nacha(_file(effective_date=CREATED_AT.date()))
    assert read.batches[0].header.effective_date == "260430"


def test_the_same_credits_make_the_same_file() -> None:
    assert _file() == _file()


def test_the_reader_refuses_a_record_of_the_wrong_length() -> None:
    lines = _file().split(b"\n")
    lines[2] = lines[2][:-1]
    with pytest.raises(NachaReadError, match="line 3: is 93 characters"):
        read_nacha(b"\n".join(lines))


def test_the_reader_refuses_a_file_without_its_last_newline() -> None:
    with pytest.raises(NachaReadError, match="does not end with a newline"):
        read_nacha(_file()[:-1])


def test_the_reader_refuses_records_out_of_order_and_bad_padding() -> None:
    lines = _file().split(b"\n")
    with pytest.raises(NachaReadError, match="line 2: is type 6, where type 9 belongs"):
        read_nacha(b"\n".join([lines[0], *lines[2:]]))
    lines[8] = b"9" * 93 + b"8"
    with pytest.raises(NachaReadError, match="line 9: follows the file control"):
        read_nacha(b"\n".join(lines))
