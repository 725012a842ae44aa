"""Reading the trust account's bank statement: CSV and BAI2, and every refusal's place."""

from __future__ import annotations

import codecs
from datetime import date

import pytest

from agency.commission.bank_statement import (
    MAX_BYTES,
    MAX_LINES,
    BankLine,
    StatementError,
    read_bai2,
    read_csv,
    read_statement,
)

HEADER = b"date,amount,reference,description\n"


def refusal(data: bytes, **options: int) -> StatementError:
    with pytest.raises(StatementError) as caught:
        read_csv(data, **options)
    return caught.value


def test_csv_reads_signed_amounts_with_a_bom_and_columns_in_another_order() -> None:
    data = codecs.BOM_UTF8 + (
        b"Description,AMOUNT,Date,Reference\r\n"
        b'"ACH CREDIT, ACME",1250.00,2026-11-02,P-2026-11-001\r\n'
        b"\r\n"
        b"Remittance to client,-125.50,2026-11-03,R-2026-11-7\r\n"
        b"Bank fee,-0.07,2026-11-03,\r\n"
        b"Interest,+3,2026-11-30,  \r\n"
    )
    assert read_csv(data) == [
        BankLine(date(2026, 11, 2), 125000, "P-2026-11-001", "ACH CREDIT, ACME", ""),
        BankLine(date(2026, 11, 3), -12550, "R-2026-11-7", "Remittance to client", ""),
        BankLine(date(2026, 11, 3), -7, "", "Bank fee", ""),
        BankLine(date(2026, 11, 30), 300, "", "Interest", ""),
    ]


def test_csv_keeps_200_characters_of_a_description_and_takes_the_currencys_digits() -> None:
    data = HEADER + b"2026-11-02,1250,P-1," + b"x" * 250 + b"\n"
    [line] = read_csv(data, currency_digits=0)
    assert line.amount_minor == 1250
    assert line.description == "x" * 200
    assert (
        read_csv(HEADER + b"2026-11-02,-1.234,P-1,\n", currency_digits=3)[0].amount_minor == -1234
    )


@pytest.mark.parametrize(
    ("data", "where", "message"),
    [
        (
            b"date,reference,description\n",
            "line 1",
            "the header has no column amount "
            "(the columns are date, amount, reference and description)",
        ),
        (
            b"date,amount,reference,description,Balance\n",
            "line 1, column balance",
            "the header has columns this layout does not take: balance "
            "(the columns are date, amount, reference and description)",
        ),
        (
            b"date,amt,reference,description,notes\n",
            "line 1, columns amt, notes",
            "the header has columns this layout does not take: amt, notes; and no column "
            "amount (the columns are date, amount, reference and description)",
        ),
        (
            b"date,amount,reference,description,Date\n",
            "line 1, column date",
            "the header names it twice",
        ),
        (
            HEADER + b"2026-11-02,10.00,P-1,ok\n\n2026-11-31,10.00,P-2,x\n",
            "line 4, column date",
            "'2026-11-31' is not a date: write it YYYY-MM-DD, e.g. 2026-11-30",
        ),
        (
            HEADER + b"20261102,10.00,P-1,x\n",
            "line 2, column date",
            "'20261102' is not a date: write it YYYY-MM-DD, e.g. 2026-11-30",
        ),
        (
            HEADER + b"2026-11-02,-125.505,P-1,x\n",
            "line 2, column amount",
            "'-125.505' has 3 decimal places; the currency has 2 and amounts are never rounded",
        ),
        (
            HEADER + b"2026-11-02,twelve,P-1,x\n",
            "line 2, column amount",
            "'twelve' is not an amount: write a signed decimal such as -125.50, "
            "without thousands separators",
        ),
        (
            HEADER + b'2026-11-02,"1,250.00",P-1,x\n',
            "line 2, column amount",
            "'1,250.00' is not an amount: write a signed decimal such as -125.50, "
            "without thousands separators",
        ),
        (
            HEADER + b"2026-11-02,1000000000.00,P-1,x\n",
            "line 2, column amount",
            "'1000000000.00' is too large: at most 9 digits before the point",
        ),
        (
            HEADER + b"2026-11-02,10.00,P-1\n",
            "line 2",
            "it has 3 values; the header names 4 columns",
        ),
        (
            HEADER + b"2026-11-02,10.00,P-1,a\x00b\n",
            "line 2, column description",
            "the text contains a NUL character",
        ),
        (HEADER + b"2026-11-02,10.00,P-1,caf\xe9\n", "line 2", "the text is not UTF-8"),
        (b"\n\n", "line 1", "the file is empty: it needs at least its header row"),
    ],
)
def test_csv_refusals_name_the_line_and_column(data: bytes, where: str, message: str) -> None:
    error = refusal(data)
    assert (error.where, error.message) == (where, message)
    assert str(error) == f"{where}: {message}"


def test_csv_refuses_too_big_a_file_before_reading_it() -> None:
    error = refusal(b"\xff" * (MAX_BYTES + 1))  # not UTF-8 either: the size comes first
    assert error.where == "the file"
    assert error.message == (
        "it has 10,485,761 bytes; a statement may have at most 10,485,760 (10 MiB)"
    )


def test_csv_refuses_too_many_lines_before_reading_them() -> None:
    error = refusal(HEADER + b"not a line\n" * MAX_LINES)  # not CSV either: the count comes first
    assert error.where == "line 200001"
    assert error.message == "the file has 200,001 lines; a statement may have at most 200,000"
    assert len(read_csv(HEADER + b"2026-11-02,1.00,,\n" * (MAX_LINES - 1))) == MAX_LINES - 1


# A trust account's day: opening and closing ledger (010, 015) in the account's summary,
# an ACH credit (165) whose text goes on in an 88 record, a value-dated incoming wire
# (195), a cheque paid (475) with the bank's reference only, an outgoing wire (495).
# Account control total: the four amounts and the two summary amounts, 2,405,000; the
# account has 7 records (03, 16, 88, 16, 16, 16, 49), the group 9, the file 11.
BAI2 = b"""\
01,BANKID,AGENCYID,261130,0600,001,80,10,2/
02,AGENCYID,BANKID,1,261129,2400,USD,2/
03,0123456789,USD,010,1000000,,,015,1129500,,/
16,165,150000,0,BR0001,P-2026-11-001,ACH CREDIT ACME
88,COLLECTIONS PAYMENT
16,195,52500,V,261127,,BR0002,P-2026-11-002,INCOMING WIRE/
16,475,20000,0,BR0003,,CHECK PAID 1042/
16,495,53000,1,BR0004,R-2026-11-7,OUTGOING WIRE REMITTANCE/
49,2405000,7/
98,2405000,1,9/
99,2405000,1,11/
"""

TRUST_DAY = [
    BankLine(
        date(2026, 11, 29), 150000, "P-2026-11-001", "ACH CREDIT ACME COLLECTIONS PAYMENT", "165"
    ),
    BankLine(date(2026, 11, 27), 52500, "P-2026-11-002", "INCOMING WIRE", "195"),
    BankLine(date(2026, 11, 29), -20000, "BR0003", "CHECK PAID 1042", "475"),
    BankLine(date(2026, 11, 29), -53000, "R-2026-11-7", "OUTGOING WIRE REMITTANCE", "495"),
]

# The trust account beside the operating account (a 399 credit, a 699 debit), one group.
TWO_ACCOUNTS = b"""\
01,BANKID,AGENCYID,261130,0600,002,80,10,2/
02,AGENCYID,BANKID,1,261129,2400,USD,2/
03,0123456789,USD/
16,165,150000,0,BR0001,P-2026-11-001,ACH CREDIT ACME/
49,150000,3/
03,9876543210,USD/
16,399,700,0,BR0005,,INTEREST/
16,699,1500,0,BR0006,,SERVICE CHARGE/
49,2200,4/
98,152200,2,9/
99,152200,1,11/
"""


def bai2_refusal(data: bytes, account: str | None = None) -> tuple[str, str]:
    with pytest.raises(StatementError) as caught:
        read_bai2(data, account=account)
    return caught.value.where, caught.value.message


def test_bai2_reads_credits_debits_continuations_and_value_dates() -> None:
    assert read_bai2(BAI2) == TRUST_DAY
    assert read_bai2(BAI2.replace(b"\n", b"\r\n"), account=" 0123456789 ") == TRUST_DAY


def test_bai2_keeps_the_trust_accounts_transactions_only() -> None:
    assert read_bai2(TWO_ACCOUNTS, account="0123456789") == [
        BankLine(date(2026, 11, 29), 150000, "P-2026-11-001", "ACH CREDIT ACME", "165"),
    ]
    assert read_bai2(TWO_ACCOUNTS, account="9876543210") == [
        BankLine(date(2026, 11, 29), 700, "BR0005", "INTEREST", "399"),
        BankLine(date(2026, 11, 29), -1500, "BR0006", "SERVICE CHARGE", "699"),
    ]
    assert bai2_refusal(TWO_ACCOUNTS) == (
        "line 6",
        "the file holds 2 accounts (0123456789, 9876543210); say which is the trust account",
    )
    assert bai2_refusal(TWO_ACCOUNTS, account="555") == (
        "the file",
        "it holds no account 555, only 0123456789, 9876543210",
    )


@pytest.mark.parametrize(
    ("old", "new", "where", "message"),
    [
        (
            b"49,2405000,7/",
            b"49,2405001,7/",
            "line 9",
            "invalid account control total of the account: expected 2405001, found 2405000",
        ),
        (
            b"98,2405000,1,9/",
            b"98,2405000,1,8/",
            "line 10",
            "invalid number of records of the group: expected 8, found 9",
        ),
        (
            b"99,2405000,1,11/",
            b"99,2405100,1,11/",
            "line 11",
            "invalid file control total of the file: expected 2405100, found 2405000",
        ),
        (
            b"16,475,20000,",
            b"16,475,2000O,",
            "line 7",
            "a field cannot be read: invalid literal for int() with base 10: '2000O'",
        ),
        (b"16,475,", b"16,999,", "line 7", "type code '999' is not supported yet"),
        (
            b"16,475,20000,",
            b"17,475,20000,",
            "line 7",
            "'17,475,2' starts no BAI2 record: a line starts with its record code "
            "(01, 02, 03, 16, 49, 88, 98 or 99) and a comma",
        ),
        (
            b"03,0123456789,USD,",
            b"16,0123456789,USD,",
            "line 3",
            "expected 03 (account identifier), got 16 (transaction detail) instead",
        ),
        (
            b"02,AGENCYID,BANKID,1,261129,",
            b"02,AGENCYID,BANKID,1,,",
            "line 4",
            "no date: the transaction has no value date and its group (line 2) no as-of date",
        ),
        (b"80,10,2/", b"80,10,3/", "line 1", "only BAI version 2 supported"),
    ],
)
def test_bai2_refusals_name_the_line(old: bytes, new: bytes, where: str, message: str) -> None:
    assert BAI2.count(old) == 1
    assert bai2_refusal(BAI2.replace(old, new)) == (where, message)


def test_bai2_skips_non_monetary_information_and_refuses_it_with_an_amount() -> None:
    def with_note(amount: bytes) -> bytes:
        total = str(2405000 + int(amount)).encode()
        return (
            BAI2.replace(
                b"49,2405000,7/", b"16,890," + amount + b",0,,,STATEMENT NOTE/\n49,2405000,8/"
            )
            .replace(b",9/", b",10/")
            .replace(b",11/", b",12/")
            .replace(b"2405000", total)
        )

    assert read_bai2(with_note(b"0")) == TRUST_DAY
    assert bai2_refusal(with_note(b"100")) == (
        "line 9",
        "type code 890 (Contains Non-monetary Information) is neither a credit nor a debit, "
        "so the amount's direction is unknown",
    )


def test_bai2_refuses_a_signed_amount_even_with_totals_that_match_it() -> None:
    signed = BAI2.replace(b"16,475,20000,", b"16,475,-20000,").replace(b"2405000", b"2365000")
    assert bai2_refusal(signed) == (
        "line 7",
        "the amount has a sign: BAI2 amounts have none, the type code says which way",
    )


def test_bai2_refuses_a_file_cut_short_or_running_on() -> None:
    cut = b"".join(BAI2.splitlines(keepends=True)[:8])
    assert bai2_refusal(cut) == (
        "after line 8",
        "expected 49 (account trailer), got the end of the file instead",
    )
    assert bai2_refusal(BAI2 + b"01,BANKID,AGENCYID,261201,0600,002,80,10,2/\n") == (
        "line 12",
        "the file goes on after its file trailer (99)",
    )
    assert bai2_refusal(b"88,MORE TEXT/\n" + BAI2) == (
        "line 1",
        "a BAI2 file starts with its file header (01)",
    )


def test_bai2_refuses_too_big_a_file_before_reading_it() -> None:
    assert bai2_refusal(BAI2 + b" " * MAX_BYTES)[0] == "the file"
    assert bai2_refusal(BAI2 + b"\n" * MAX_LINES)[0] == "line 200001"


def test_a_statement_is_read_by_its_name_and_content() -> None:
    csv_data = HEADER + b"2026-11-02,1.00,P-1,x\n"
    assert read_statement(csv_data, "November.CSV") == [
        BankLine(date(2026, 11, 2), 100, "P-1", "x", ""),
    ]
    assert read_statement(BAI2, "trust.bai") == TRUST_DAY
    assert read_statement(BAI2, "trust.bai2") == TRUST_DAY
    assert read_statement(codecs.BOM_UTF8 + BAI2, "trust.txt") == TRUST_DAY
    assert read_statement(TWO_ACCOUNTS, "both.bai", account="9876543210")[0].amount_minor == 700
    for data, name in ((csv_data, "trust.txt"), (BAI2, "trust.pdf"), (BAI2, "trust")):
        with pytest.raises(StatementError) as caught:
            read_statement(data, name)
        assert caught.value.where == name
        assert caught.value.message == (
            "not a statement we read: send a CSV export (.csv) or a BAI2 file "
            "(.bai, .bai2, or .txt starting with its 01 file header)"
        )
