"""NACHA ACH credit files: how we pay clients their remittances through our bank.

``ach_credit_file`` writes one file of one batch of credits (service class 220): a file
header, the batch header, one entry detail record per credit, the batch control and the
file control, each record 94 characters on its own line, the file padded with lines of
94 nines to a whole number of blocks of ten records.  It touches no database.

Every value is checked before a record is written, and a value the file cannot carry is
refused with a ``NachaError`` naming it (``credits[2].routing``), never adjusted: text
is upper-cased, but a character outside NACHA's set is not dropped and a name that is
too long is not truncated, because a payment to a name or account the client did not
give us is worse than no file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from agency.kit.refusals import FieldRefused

MAX_CREDITS = 10_000
MAX_AMOUNT_MINOR = 9_999_999_999  # the entry's amount field holds 10 digits
MAX_TOTAL_MINOR = 999_999_999_999  # the controls' total fields hold 12 digits
SEC_CODES = ("CCD", "PPD")  # to a business's account, to a consumer's account

_SERVICE_CLASS_CREDITS = "220"
_BATCH_NUMBER = "0000001"
_TRANSACTION_CODES = {"checking": "22", "savings": "32"}
_RECORD_LENGTH = 94
_BLOCKING_FACTOR = 10
_HASH_MODULUS = 10**10  # the entry hash keeps its last 10 digits
_PUNCTUATION = ".,-/&'()#*+:;?!@$%"
_TEXT_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 " + _PUNCTUATION)
_ROUTING_WEIGHTS = (3, 7, 1, 3, 7, 1, 3, 7, 1)
_ROUTING = re.compile("[0-9]{9}")
_IDENTIFIER = re.compile("[0-9A-Z]{10}| [0-9]{9}")
_ACCOUNT = re.compile("[0-9A-Z-]{1,17}")
_FILE_ID_MODIFIER = re.compile("[0-9A-Z]")


class NachaError(FieldRefused):
    """A value an ACH file cannot carry: ``field`` names it (``credits[2].routing``),
    ``message`` says in words what is wrong with it."""


@dataclass(frozen=True)
class Originator:
    """Who sends the file (us) and to which bank (the ODFI), as the bank set us up."""

    destination_routing: str  # the ODFI's 9-digit routing number (immediate destination)
    destination_name: str  # the ODFI's name, up to 23 characters
    origin_id: str  # immediate origin, 10 characters (e.g. "1" + 9-digit EIN)
    origin_name: str  # our name, up to 23
    company_name: str  # up to 16
    company_id: str  # 10 characters (e.g. "1" + EIN)


@dataclass(frozen=True)
class Credit:
    """One payment to a client's bank account: one entry detail record."""

    name: str  # the receiver (the client), up to 22 characters
    routing: str  # 9 digits with a valid ABA check digit
    account: str  # 1 to 17 characters: digits, capital letters, hyphens
    account_type: str  # "checking" | "savings"
    amount_minor: int  # cents, 1 .. 9_999_999_999
    reference: str  # the remittance reference, up to 15 (individual identification number)


def routing_number_valid(routing: str) -> bool:
    """Whether ``routing`` is 9 ASCII digits whose ABA check digit is right: the digits
    weighted 3, 7, 1, 3, 7, 1, 3, 7, 1 sum to a multiple of 10."""
    if not _ROUTING.fullmatch(routing):
        return False
    weighted = zip(_ROUTING_WEIGHTS, routing, strict=True)
    return sum(weight * int(digit) for weight, digit in weighted) % 10 == 0


def ach_credit_file(
    originator: Originator,
    credits: Sequence[Credit],
    *,
    sec_code: str,
    effective_date: date,
    created_at: datetime,
    file_id_modifier: str = "A",
    entry_description: str = "REMITTANCE",
) -> bytes:
    """The ACH file paying ``credits`` on ``effective_date``, as ASCII bytes.

    ``created_at`` is written as it is given (its date and its time to the minute), so
    pass it in the time zone the bank expects.  ``file_id_modifier`` tells apart files
    created the same day.  The batch's descriptive date and the header's reference code
    are left blank.  Raises ``NachaError`` for the first value the file cannot carry.
    """
    _check_bounds(credits, sec_code, effective_date, created_at, file_id_modifier)
    origin = _checked_originator(originator)
    description = _text("entry_description", entry_description, 10)
    entries = [_checked_credit(f"credits[{index}]", c) for index, c in enumerate(credits)]

    odfi = origin.destination_routing[:8]
    total = sum(credit.amount_minor for credit in entries)
    entry_hash = sum(int(credit.routing[:8]) for credit in entries) % _HASH_MODULUS
    record_count = len(entries) + 4
    block_count = -(-record_count // _BLOCKING_FACTOR)
    records = [
        _file_header(origin, created_at, file_id_modifier),
        _batch_header(origin, sec_code, description, effective_date),
        *(_entry(credit, f"{odfi}{sequence:07d}") for sequence, credit in enumerate(entries, 1)),
        "8"
        + _SERVICE_CLASS_CREDITS
        + f"{len(entries):06d}{entry_hash:010d}{0:012d}{total:012d}"
        + origin.company_id
        + " " * 19  # message authentication code
        + " " * 6  # reserved
        + odfi
        + _BATCH_NUMBER,
        f"9{1:06d}{block_count:06d}{len(entries):08d}{entry_hash:010d}{0:012d}{total:012d}"
        + " " * 39,  # reserved
    ]
    records += ["9" * _RECORD_LENGTH] * (block_count * _BLOCKING_FACTOR - record_count)
    return "".join(record + "\n" for record in records).encode("ascii")


def _check_bounds(
    credits: Sequence[Credit],
    sec_code: str,
    effective_date: date,
    created_at: datetime,
    file_id_modifier: str,
) -> None:
    """Refuse a file out of bounds (how many credits, how much, which kind, when)
    before any of its text is looked at."""
    if not credits:
        raise NachaError("credits", "there are none; a file pays at least one credit")
    if len(credits) > MAX_CREDITS:
        raise NachaError(
            "credits", f"there are {len(credits):,}; at most {MAX_CREDITS:,} go in one file"
        )
    if sec_code not in SEC_CODES:
        raise NachaError(
            "sec_code", "must be CCD (a business's account) or PPD (a consumer's account)"
        )
    if not _FILE_ID_MODIFIER.fullmatch(file_id_modifier):
        raise NachaError("file_id_modifier", "must be one capital letter or digit (A–Z, 0–9)")
    if effective_date < created_at.date():
        raise NachaError(
            "effective_date",
            f"{effective_date.isoformat()} is before the file is created "
            f"({created_at.date().isoformat()})",
        )
    for index, credit in enumerate(credits):
        amount = credit.amount_minor
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise NachaError(f"credits[{index}].amount_minor", "must be a whole number of cents")
        if not 1 <= amount <= MAX_AMOUNT_MINOR:
            raise NachaError(
                f"credits[{index}].amount_minor",
                f"must be from 1 to {MAX_AMOUNT_MINOR:,} cents (10 digits)",
            )
    total = sum(credit.amount_minor for credit in credits)
    if total > MAX_TOTAL_MINOR:
        raise NachaError(
            "credits",
            f"they total {total:,} cents; the file's totals hold at most "
            f"{MAX_TOTAL_MINOR:,} (12 digits)",
        )


def _checked_originator(originator: Originator) -> Originator:
    """``originator`` with its text upper-cased, once every field is one the file can carry."""
    _routing("originator.destination_routing", originator.destination_routing)
    _identifier("originator.origin_id", originator.origin_id)
    _identifier("originator.company_id", originator.company_id)
    return replace(
        originator,
        destination_name=_text("originator.destination_name", originator.destination_name, 23),
        origin_name=_text("originator.origin_name", originator.origin_name, 23),
        company_name=_text("originator.company_name", originator.company_name, 16),
    )


def _checked_credit(field: str, credit: Credit) -> Credit:
    """``credit`` with its text upper-cased, once every field is one the file can carry."""
    _routing(f"{field}.routing", credit.routing)
    if not _ACCOUNT.fullmatch(credit.account):
        raise NachaError(
            f"{field}.account",
            "must be 1 to 17 characters: digits, capital letters or hyphens",
        )
    if credit.account_type not in _TRANSACTION_CODES:
        raise NachaError(f"{field}.account_type", 'must be "checking" or "savings"')
    return replace(
        credit,
        name=_text(f"{field}.name", credit.name, 22),
        reference=_text(f"{field}.reference", credit.reference, 15),
    )


def _routing(field: str, routing: str) -> None:
    """Refuse a routing number that is not 9 digits or whose check digit is wrong."""
    if not _ROUTING.fullmatch(routing):
        raise NachaError(field, "must be 9 digits")
    if not routing_number_valid(routing):
        raise NachaError(field, "has a wrong check digit (not a routing number)")


def _identifier(field: str, value: str) -> None:
    """Refuse an immediate origin or company identification the bank cannot have given."""
    if not _IDENTIFIER.fullmatch(value):
        raise NachaError(
            field,
            'must be 10 characters: capital letters and digits (such as "1" and a '
            "9-digit EIN), or a space and 9 digits",
        )


def _text(field: str, value: str, width: int) -> str:
    """``value`` upper-cased, if it is not blank, every character is one NACHA allows
    and it fits ``width`` characters."""
    for position, character in enumerate(value, 1):
        if not character.isascii() or character.upper() not in _TEXT_CHARACTERS:
            raise NachaError(
                field,
                f"character {position} ({character!r}) cannot go in an ACH file: "
                f"use A–Z, 0–9, space or {' '.join(_PUNCTUATION)}",
            )
    upper = value.upper()
    if not upper.strip():
        raise NachaError(field, "is required")
    if len(upper) > width:
        raise NachaError(
            field, f"is {len(upper)} characters; at most {width} fit (it is not shortened)"
        )
    return upper


def _file_header(origin: Originator, created_at: datetime, file_id_modifier: str) -> str:
    """Record 1: who sends the file to which bank, and when."""
    return (
        "1"
        + "01"  # priority code
        + " "
        + origin.destination_routing
        + origin.origin_id
        + created_at.strftime("%y%m%d%H%M")
        + file_id_modifier
        + "094"  # record size
        + f"{_BLOCKING_FACTOR:02d}"
        + "1"  # format code
        + origin.destination_name.ljust(23)
        + origin.origin_name.ljust(23)
        + " " * 8  # reference code
    )


def _batch_header(origin: Originator, sec_code: str, description: str, effective: date) -> str:
    """Record 5: the company paying, the kind of entries and the day they settle."""
    return (
        "5"
        + _SERVICE_CLASS_CREDITS
        + origin.company_name.ljust(16)
        + " " * 20  # company discretionary data
        + origin.company_id
        + sec_code
        + description.ljust(10)
        + " " * 6  # company descriptive date
        + effective.strftime("%y%m%d")
        + " " * 3  # settlement date: the ACH operator fills it in
        + "1"  # originator status code: a depository financial institution
        + origin.destination_routing[:8]
        + _BATCH_NUMBER
    )


def _entry(credit: Credit, trace_number: str) -> str:
    """Record 6: one credit to one account."""
    return (
        "6"
        + _TRANSACTION_CODES[credit.account_type]
        + credit.routing[:8]
        + credit.routing[8]
        + credit.account.ljust(17)
        + f"{credit.amount_minor:010d}"
        + credit.reference.ljust(15)
        + credit.name.ljust(22)
        + "  "  # discretionary data
        + "0"  # addenda record indicator: none
        + trace_number
    )
