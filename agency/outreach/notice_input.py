"""The description of one Reg F validation notice (``shared/validation-notice.md``): read
it from JSON, or build it from plain values, into a frozen ``NoticeDescription``.

The format is a contract other tools write files to, so it is read *exactly*: unknown
keys are an error, every required key must be there, and every value must have its type,
its bounds and one of its allowed values.  Each error is a ``NoticeInputError`` whose
message is one line naming the path (``debt.fees_since: not an amount in USD``).  Amounts
are decimal strings in the debt's currency, turned into integer minor units; text must be
printable in the notice's font (ReportLab's standard Helvetica: Windows-1252), since a
character it cannot print would come out as a black box on a legal notice.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, NoReturn, cast

from agency.compliance.validation import validation_period_end
from agency.kit.json_input import JsonInputError, bad_character, load_json
from agency.kit.money import Money, MoneyError, check_currency, minor_digits
from agency.kit.pdf_text import FONT_ENCODING

# A description is a few hundred bytes; 64 KB leaves room for any real one.
MAX_NOTICE_BYTES = 64 * 1024
MAX_NAME = 200
MAX_LINE = 200
MAX_REFERENCE = 64
MAX_PHONE = 40
MAX_EMAIL = 254
MAX_WEBSITE = 200
MAX_HOURS = 200
MAX_ADDRESS_LINES = 4
# The validation period is computed from the US federal holiday tables; outside these
# years a date is a typing mistake, not a notice.
FIRST_YEAR = 2000
LAST_YEAR = 2100

LANGUAGES = ("en", "es")
ITEMIZATION_KINDS = ("last_statement", "charge_off", "last_payment", "transaction", "judgment")
# Where each language's amounts and dates are formatted (babel locales).
LOCALES: Mapping[str, str] = {"en": "en_US", "es": "es"}

# The one amount a description must give; the others default to 0.
_REQUIRED_AMOUNTS = ("amount_on_itemization_date",)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_AMOUNT = re.compile(r"(-?)\d{1,20}(?:\.(\d{1,20}))?")


class NoticeInputError(ValueError):
    """A description that does not follow the format; the message names the path."""


@dataclass(frozen=True, slots=True)
class Collector:
    """Who sends the notice and how the consumer reaches them."""

    name: str
    address_lines: tuple[str, ...]
    phone: str
    email: str | None = None
    website: str | None = None
    hours: str | None = None


@dataclass(frozen=True, slots=True)
class Consumer:
    """Who the notice is for, as their address is printed."""

    name: str
    address_lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Debt:
    """The debt and its itemization (1006.34(c)(2)), amounts in minor units of
    ``currency``."""

    creditor: str
    account_reference: str
    currency: str
    itemization_date: date
    amount_on_itemization_date_minor: int
    original_creditor: str | None = None
    itemization_kind: str | None = None
    interest_since_minor: int = 0
    fees_since_minor: int = 0
    payments_since_minor: int = 0
    credits_since_minor: int = 0

    @property
    def paid_or_credited_minor(self) -> int:
        """Payments and credits since the itemization date: one line of Model Form B-1."""
        return self.payments_since_minor + self.credits_since_minor

    @property
    def total_due_minor(self) -> int:
        """The amount on the itemization date, plus interest and fees, less payments and
        credits since then."""
        return (
            self.amount_on_itemization_date_minor
            + self.interest_since_minor
            + self.fees_since_minor
            - self.paid_or_credited_minor
        )


@dataclass(frozen=True, slots=True)
class NoticeDescription:
    """Everything one validation notice shows; valid by construction through
    ``parse_notice``, ``read_notice`` or ``notice_from_values``."""

    language: str
    sent_on: date
    collector: Collector
    consumer: Consumer
    debt: Debt
    reference: str | None = None
    # The consumer's self-service page, printed on a notice sent by post as a QR code
    # and a URL under the itemization (set by the sender, not part of the file
    # format: ``dataclasses.replace`` a parsed description).
    self_service_link: str | None = None

    @property
    def locale(self) -> str:
        """The babel locale the notice's amounts and dates are written in."""
        return LOCALES[self.language]

    @property
    def validation_end(self) -> date:
        """The last day of the validation period: the gate's own rule
        (US-REGF-VALIDATION), so the notice and the gate never disagree."""
        return validation_period_end(self.sent_on)

    @property
    def total_due_minor(self) -> int:
        return self.debt.total_due_minor


def _fail(path: str, message: str) -> NoReturn:
    raise NoticeInputError(f"{path}: {message}" if path else message)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _object(
    value: object, path: str, required: tuple[str, ...], optional: tuple[str, ...]
) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        _fail(path or "the description", "must be an object")
    allowed = (*required, *optional)
    for key in value:
        if key not in allowed:
            _fail(_join(path, str(key)), f"unknown key (allowed: {', '.join(sorted(allowed))})")
    for key in required:
        if key not in value:
            _fail(_join(path, key), "is required")
    return cast(Mapping[str, Any], value)


def _printable(text: str, path: str) -> None:
    reason = bad_character(text)
    if reason:
        _fail(path, reason)
    for char in text:
        if unicodedata.category(char) == "Cc":
            _fail(path, "must be one line of text (no control characters)")
        try:
            char.encode(FONT_ENCODING)
        except UnicodeEncodeError:
            _fail(path, f"has a character the notice cannot print: {char!r} (U+{ord(char):04X})")


def _text(value: object, path: str, limit: int) -> str:
    if not isinstance(value, str):
        _fail(path, "must be a string")
    text = value.strip()
    if not text:
        _fail(path, "must not be empty")
    if len(text) > limit:
        _fail(path, f"is longer than {limit} characters")
    _printable(text, path)
    return text


def _optional_text(obj: Mapping[str, Any], key: str, path: str, limit: int) -> str | None:
    value = obj.get(key)
    return None if value is None else _text(value, _join(path, key), limit)


def _lines(value: object, path: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        _fail(path, f"must be a list of 1 to {MAX_ADDRESS_LINES} lines")
    if not 1 <= len(value) <= MAX_ADDRESS_LINES:
        _fail(path, f"must be 1 to {MAX_ADDRESS_LINES} lines, not {len(value)}")
    return tuple(_text(line, f"{path}[{index}]", MAX_LINE) for index, line in enumerate(value))


def _date(value: object, path: str) -> date:
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    _fail(path, "not a date (YYYY-MM-DD)")


def _amount(obj: Mapping[str, Any], key: str, path: str, currency: str) -> int:
    where = _join(path, key)
    value = obj.get(key)
    if value is None and key not in _REQUIRED_AMOUNTS:
        return 0
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        _fail(where, f'not an amount in {currency} (amounts are strings: "25.00")')
    match = _AMOUNT.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        _fail(where, f"not an amount in {currency}")
    if match.group(1):
        _fail(where, "must not be negative")
    digits = minor_digits(currency)
    if len(match.group(2) or "") > digits:
        _fail(where, f"has more than {digits} decimal places for {currency}")
    try:
        return Money.from_major(match.group(0), currency).minor
    except MoneyError as exc:
        _fail(where, str(exc))


def _language(document: Mapping[str, Any]) -> str:
    value = document.get("language", "en")
    if value not in LANGUAGES:
        _fail("language", f"must be {' or '.join(LANGUAGES)}")
    return cast(str, value)


def _sent_on(value: object) -> date:
    sent_on = _date(value, "sent_on")
    if not FIRST_YEAR <= sent_on.year <= LAST_YEAR:
        _fail("sent_on", f"must be in the years {FIRST_YEAR} to {LAST_YEAR}")
    return sent_on


def _collector(value: object) -> Collector:
    path = "collector"
    obj = _object(value, path, ("name", "address_lines", "phone"), ("email", "website", "hours"))
    name = _text(obj["name"], f"{path}.name", MAX_NAME)
    address_lines = _lines(obj["address_lines"], f"{path}.address_lines")
    phone = _text(obj["phone"], f"{path}.phone", MAX_PHONE)
    email = _optional_text(obj, "email", path, MAX_EMAIL)
    if email is not None and ("@" not in email or " " in email):
        _fail(f"{path}.email", "not an e-mail address")
    return Collector(
        name=name,
        address_lines=address_lines,
        phone=phone,
        email=email,
        website=_optional_text(obj, "website", path, MAX_WEBSITE),
        hours=_optional_text(obj, "hours", path, MAX_HOURS),
    )


def _consumer(value: object) -> Consumer:
    path = "consumer"
    obj = _object(value, path, ("name", "address_lines"), ())
    return Consumer(
        name=_text(obj["name"], f"{path}.name", MAX_NAME),
        address_lines=_lines(obj["address_lines"], f"{path}.address_lines"),
    )


def _currency(value: object, language: str) -> str:
    path = "debt.currency"
    if not isinstance(value, str):
        _fail(path, "must be a string")
    try:
        currency = check_currency(value)
    except MoneyError:
        _fail(path, "not an ISO 4217 currency code")
    sample = Money(0, currency).format(LOCALES[language])
    try:
        sample.encode(FONT_ENCODING)
    except UnicodeEncodeError:
        _fail(path, f"the notice cannot print {currency} amounts ({sample})")
    return currency


def _debt(value: object, language: str, sent_on: date) -> Debt:
    path = "debt"
    obj = _object(
        value,
        path,
        ("creditor", "account_reference", "currency", "itemization_date", *_REQUIRED_AMOUNTS),
        (
            "original_creditor",
            "itemization_kind",
            "interest_since",
            "fees_since",
            "payments_since",
            "credits_since",
        ),
    )
    creditor = _text(obj["creditor"], f"{path}.creditor", MAX_NAME)
    original_creditor = _optional_text(obj, "original_creditor", path, MAX_NAME)
    account_reference = _text(obj["account_reference"], f"{path}.account_reference", MAX_REFERENCE)
    currency = _currency(obj["currency"], language)
    itemization_date = _date(obj["itemization_date"], f"{path}.itemization_date")
    if itemization_date > sent_on:
        _fail(f"{path}.itemization_date", f"is after sent_on ({sent_on.isoformat()})")
    kind = obj.get("itemization_kind")
    if kind is not None and kind not in ITEMIZATION_KINDS:
        _fail(f"{path}.itemization_kind", f"must be one of {', '.join(ITEMIZATION_KINDS)}")
    debt = Debt(
        creditor=creditor,
        original_creditor=original_creditor,
        account_reference=account_reference,
        currency=currency,
        itemization_date=itemization_date,
        itemization_kind=kind,
        amount_on_itemization_date_minor=_amount(obj, "amount_on_itemization_date", path, currency),
        interest_since_minor=_amount(obj, "interest_since", path, currency),
        fees_since_minor=_amount(obj, "fees_since", path, currency),
        payments_since_minor=_amount(obj, "payments_since", path, currency),
        credits_since_minor=_amount(obj, "credits_since", path, currency),
    )
    if debt.total_due_minor < 0:
        over = Money(-debt.total_due_minor, currency).format(LOCALES[language])
        _fail(path, f"payments and credits exceed what is owed by {over}: the total is negative")
    return debt


def parse_notice(document: object) -> NoticeDescription:
    """The description in ``document`` (JSON as ``load_json`` returns it), checked
    exactly; raises ``NoticeInputError`` naming the path of the first problem."""
    obj = _object(
        document, "", ("sent_on", "collector", "consumer", "debt"), ("language", "reference")
    )
    language = _language(obj)
    sent_on = _sent_on(obj["sent_on"])
    return NoticeDescription(
        language=language,
        sent_on=sent_on,
        collector=_collector(obj["collector"]),
        consumer=_consumer(obj["consumer"]),
        debt=_debt(obj["debt"], language, sent_on),
        reference=_optional_text(obj, "reference", "", MAX_REFERENCE),
    )


def read_notice(raw: bytes) -> NoticeDescription:
    """The description in the JSON bytes ``raw``: refused when larger than
    MAX_NOTICE_BYTES (before parsing), not JSON within ``load_json``'s bounds, or not a
    valid description; every refusal is a ``NoticeInputError``."""
    if len(raw) > MAX_NOTICE_BYTES:
        raise NoticeInputError(f"larger than {MAX_NOTICE_BYTES // 1024} KB")
    try:
        document = load_json(raw, max_depth=8)
    except JsonInputError as exc:
        raise NoticeInputError(str(exc)) from None
    return parse_notice(document)


def _major(minor: int, currency: str, path: str) -> str:
    """Minor units as the decimal string the format takes (a ``-`` kept, to be refused
    with the path)."""
    try:
        return format(Money(minor, currency).major, "f")
    except MoneyError:
        _fail(path, f"not an amount in minor units of {currency}")


def notice_from_values(
    *,
    sent_on: date,
    collector_name: str,
    collector_address_lines: Sequence[str],
    collector_phone: str,
    consumer_name: str,
    consumer_address_lines: Sequence[str],
    creditor: str,
    account_reference: str,
    currency: str,
    itemization_date: date,
    amount_on_itemization_date_minor: int,
    language: str = "en",
    collector_email: str | None = None,
    collector_website: str | None = None,
    collector_hours: str | None = None,
    original_creditor: str | None = None,
    itemization_kind: str | None = None,
    interest_since_minor: int = 0,
    fees_since_minor: int = 0,
    payments_since_minor: int = 0,
    credits_since_minor: int = 0,
    reference: str | None = None,
) -> NoticeDescription:
    """A description from plain values (a case's fields, amounts in minor units), checked
    by the same rules as a file: an error names the key the file would have."""
    try:
        currency = check_currency(currency)
    except MoneyError:
        _fail("debt.currency", "not an ISO 4217 currency code")
    document: dict[str, Any] = {
        "language": language,
        "sent_on": sent_on.isoformat(),
        "collector": {
            "name": collector_name,
            "address_lines": list(collector_address_lines),
            "phone": collector_phone,
            "email": collector_email,
            "website": collector_website,
            "hours": collector_hours,
        },
        "consumer": {"name": consumer_name, "address_lines": list(consumer_address_lines)},
        "debt": {
            "creditor": creditor,
            "original_creditor": original_creditor,
            "account_reference": account_reference,
            "currency": currency,
            "itemization_date": itemization_date.isoformat(),
            "itemization_kind": itemization_kind,
            "amount_on_itemization_date": _major(
                amount_on_itemization_date_minor, currency, "debt.amount_on_itemization_date"
            ),
            "interest_since": _major(interest_since_minor, currency, "debt.interest_since"),
            "fees_since": _major(fees_since_minor, currency, "debt.fees_since"),
            "payments_since": _major(payments_since_minor, currency, "debt.payments_since"),
            "credits_since": _major(credits_since_minor, currency, "debt.credits_since"),
        },
        "reference": reference,
    }
    return parse_notice(document)
