"""One referral row in, one ``Account`` (or the row's errors) out.

Pure and deterministic: no database, no clock of its own (``today`` is given), so a
file can be checked in a preview, a dry run or a real placement with the same result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from agency.cases.schemas import Account, Maintenance, PhoneEntry, RowError
from agency.kit.emails import BadEmail, normalize_email
from agency.kit.money import largest, max_minor
from agency.kit.phones import parse_phone
from agency.kit.timezones import candidate_zones
from agency.kit.values import BadValue, parse_amount, shown
from agency.referrals import values
from agency.referrals.fields import HeaderMapping

ITEMIZATION_TYPES = frozenset(
    {"last_statement", "charge_off", "last_payment", "transaction", "judgment"}
)
PHONE_KINDS = frozenset({"mobile", "home", "work", "other"})
MAX_ADDRESS = 320  # the contact point's value column
MAX_TEXT = {
    "client_reference": 64,
    "first_name": 80,
    "last_name": 80,
    "address_line1": 200,
    "address_line2": 200,
    "city": 100,
    "original_creditor": 200,
    "current_creditor": 200,
    "product": 40,
    "notes": 2000,
    "national_id": 64,
    "reason": 500,  # a maintenance row's reason (the adjustment's reason column)
}


@dataclass(frozen=True)
class Rules:
    """What a client's layout and contract decide about reading its rows."""

    country: str  # default country, from the client
    currency: str  # the contract's currency
    creditor: str  # the client's legal name (default original/current creditor)
    date_order: str = "mdy"  # slash dates: "mdy" (US) or "dmy"
    decimal_comma: bool = False
    drop_bad_contacts: bool = False  # else an invalid e-mail or phone rejects the row
    allow_short_rows: bool = False  # trailing empty cells may be left out


class _Row:
    """The cells of one row, by field, with the errors found so far."""

    __slots__ = ("cells", "errors", "failed", "labels", "number", "warnings")

    def __init__(self, number: int, cells: dict[str, str], labels: dict[str, str]) -> None:
        self.number = number
        self.cells = cells
        self.labels = labels
        self.errors: list[RowError] = []
        self.warnings: list[RowError] = []
        self.failed: set[str] = set()

    def fail(self, name: str, message: str) -> None:
        self.failed.add(name)
        self.errors.append(RowError(self.number, self.labels.get(name, name), message))

    def require(self, name: str, message: str = "is required") -> None:
        """A required value is missing: say whether the cell or the whole column is."""
        if name in self.labels:
            self.fail(name, message)
        else:
            self.fail(name, f"{message}, and the file has no column for it")

    def has_error(self, name: str) -> bool:
        return name in self.failed

    def text(self, name: str) -> str | None:
        value = self.cells.get(name)
        if value is None or value == "":
            return None
        limit = MAX_TEXT.get(name)
        if limit is not None and len(value) > limit:
            self.fail(name, f"is longer than {limit} characters")
            return None
        return value

    def parsed(self, name: str, parse: Callable[[str], Any]) -> Any:
        value = self.cells.get(name)
        if value is None or value == "":
            return None
        try:
            return parse(value)
        except BadValue as exc:
            self.fail(name, str(exc))
            return None


class RowValidator:
    """Validates rows of one file (or one API batch) against the client's rules."""

    def __init__(
        self,
        mapping: HeaderMapping,
        rules: Rules,
        *,
        today: date,
        hash_national_id: Callable[[str], str],
    ) -> None:
        self.mapping = mapping
        self.rules = rules
        self.today = today
        self.hash_national_id = hash_national_id
        self.labels = mapping.labels
        self._columns = sorted(mapping.columns.items(), key=lambda item: item[1])
        self._order = {mapping.labels[name]: index for name, index in self._columns}

    def position(self, error: RowError) -> int:
        """Errors are listed in the file's column order; missing columns last."""
        return self._order.get(error.column, len(self._order))

    def cells_of(self, values_: Sequence[str]) -> dict[str, str]:
        return {
            name: values_[index].strip() for name, index in self._columns if index < len(values_)
        }

    def validate(self, number: int, cells: dict[str, str]) -> Account | list[RowError]:
        """The row as an Account, or every error it has (one per column at most)."""
        row = _Row(number, cells, self.labels)
        rules = self.rules
        reference = row.text("client_reference")
        if reference is None and not row.has_error("client_reference"):
            row.require("client_reference")

        first, last = row.text("first_name"), row.text("last_name")
        if first is None and last is None and cells.get("full_name"):
            split = row.parsed("full_name", values.split_full_name)
            if split and max(len(part) for part in split) > MAX_TEXT["first_name"]:
                row.fail(
                    "full_name",
                    f"gives a first or last name longer than {MAX_TEXT['first_name']} characters",
                )
            elif split:
                first, last = split
        for name, value in (("first_name", first), ("last_name", last)):
            if value is None and not row.has_error(name) and not row.has_error("full_name"):
                row.require(name, "is required (or give full_name)")

        country = row.parsed("country", values.parse_country) or (
            None if row.has_error("country") else rules.country
        )
        region = postal = None
        if country:
            region = row.parsed("region", lambda text: values.parse_region(text, country))
            postal = row.parsed("postal_code", lambda text: values.parse_postal_code(text, country))
            if country == "US":
                for name, value in (("region", region), ("postal_code", postal)):
                    if value is None and not row.has_error(name):
                        row.require(name, "is required for a US address")

        currency = row.parsed("currency", values.parse_currency) or rules.currency
        if currency != rules.currency:
            row.fail("currency", f"{currency} differs from the contract's {rules.currency}")

        def amount(name: str) -> int | None:
            minor: int | None = row.parsed(
                name,
                lambda text: parse_amount(text, currency, decimal_comma=rules.decimal_comma),
            )
            return minor

        principal = amount("principal")
        if principal is None and not row.has_error("principal"):
            row.require("principal")
        interest, fees = amount("interest") or 0, amount("fees") or 0
        balance = amount("balance")
        if balance is not None and principal is not None and balance != principal + interest + fees:
            row.fail("balance", "is not principal + interest + fees")
        elif principal is not None and principal + interest + fees > max_minor(currency):
            row.fail(
                "balance" if "balance" in self.labels else "principal",
                f"principal + interest + fees is more than {largest(currency)}, "
                "the largest balance accepted",
            )

        order = rules.date_order

        def day(name: str, *, past: bool = False, not_future: bool = False) -> date | None:
            value: date | None = row.parsed(name, lambda text: values.parse_date(text, order))
            if value is not None:
                if past and value >= self.today:
                    row.fail(name, f"{value.isoformat()} is not in the past")
                elif not_future and value > self.today:
                    row.fail(name, f"{value.isoformat()} is in the future")
            return value

        date_of_birth = day("date_of_birth", past=True)
        itemization_date = day("itemization_date", not_future=True)
        if itemization_date is None and country == "US" and not row.has_error("itemization_date"):
            row.require("itemization_date", "is required for a US account (Reg F)")
        delinquency_date = day("delinquency_date", not_future=True)
        charge_off_date = day("charge_off_date", not_future=True)
        last_payment_date = day("last_payment_date", not_future=True)
        open_date = day("open_date", not_future=True)
        sol_date = day("statute_of_limitations_date")

        itemization_type = row.text("itemization_type")
        if itemization_type is not None:
            itemization_type = itemization_type.lower().replace(" ", "_").replace("-", "_")
            if itemization_type not in ITEMIZATION_TYPES:
                row.fail(
                    "itemization_type", f"must be one of {', '.join(sorted(ITEMIZATION_TYPES))}"
                )

        national_id_hash = None
        national_id = row.text("national_id")
        last4 = row.text("ssn_last4")
        if national_id is not None:
            digits = "".join(ch for ch in national_id if ch.isalnum()).upper()
            if len(digits) < 4:
                row.fail("national_id", "is too short to be a national id")
            else:
                national_id_hash = self.hash_national_id(f"{country}:id:{digits}")
        elif last4 is not None:
            if len(last4) != 4 or not last4.isdigit():
                row.fail("ssn_last4", "must be exactly 4 digits")
            else:
                national_id_hash = self.hash_national_id(f"{country}:last4:{last4}")

        email = self.email_of(row)
        phones = self.phones_of(row, country or rules.country)
        language = row.parsed("language", values.parse_language)
        texts = {
            name: row.text(name)
            for name in (
                "address_line1",
                "address_line2",
                "city",
                "original_creditor",
                "current_creditor",
                "product",
                "notes",
            )
        }
        since = {
            name: amount(name) or 0
            for name in ("interest_since", "fees_since", "payments_since", "credits_since")
        }
        at_itemization = amount("amount_at_itemization")

        if (
            row.errors
            or reference is None
            or first is None
            or last is None
            or principal is None
            or country is None
        ):
            return sorted(row.errors, key=self.position) or [
                RowError(number, "", "row is incomplete")
            ]

        address = ", ".join(
            part
            for part in (
                texts["address_line1"],
                texts["address_line2"],
                texts["city"],
                " ".join(p for p in (region, postal) if p) or None,
                country,
            )
            if part
        )
        if texts["address_line1"] and len(address) > MAX_ADDRESS:
            row.fail("address_line1", f"the address is longer than {MAX_ADDRESS} characters")
            return sorted(row.errors, key=self.position)
        zones = candidate_zones(
            country=country,
            region=region,
            postal_code=postal,
            phone_zones=tuple(zone for phone in phones for zone in phone.timezones),
        )
        return Account(
            row=number,
            client_reference=reference,
            first_name=first,
            last_name=last,
            country=country,
            region=region,
            postal_code=postal,
            currency=currency,
            principal=principal,
            interest=interest,
            fees=fees,
            amount_at_itemization=(
                at_itemization if at_itemization is not None else principal + interest + fees
            ),
            timezones=zones,
            date_of_birth=date_of_birth,
            national_id_hash=national_id_hash,
            email=email,
            phones=phones,
            address=address if texts["address_line1"] else None,
            itemization_date=itemization_date,
            itemization_type=itemization_type,
            interest_since=since["interest_since"],
            fees_since=since["fees_since"],
            payments_since=since["payments_since"],
            credits_since=since["credits_since"],
            original_creditor=texts["original_creditor"] or rules.creditor,
            current_creditor=texts["current_creditor"] or rules.creditor,
            delinquency_date=delinquency_date,
            charge_off_date=charge_off_date,
            last_payment_date=last_payment_date,
            open_date=open_date,
            statute_of_limitations_date=sol_date,
            product=texts["product"],
            language=language,
            notes=texts["notes"],
            warnings=row.warnings,
        )

    def email_of(self, row: _Row) -> str | None:
        text = row.text("email")
        if text is None:
            return None
        try:
            return normalize_email(text)
        except BadEmail as exc:
            self._bad_contact(row, "email", f"{shown(text)} is not a valid e-mail address ({exc})")
            return None

    def phones_of(self, row: _Row, region: str) -> list[PhoneEntry]:
        phones: list[PhoneEntry] = []
        consent = row.parsed("phone_consent", values.parse_bool) or False
        for name, kind_name in (
            ("phone", "phone_type"),
            ("phone_2", "phone_2_type"),
            ("phone_3", "phone_3_type"),
        ):
            text = row.text(name)
            if text is None:
                continue
            kind = (row.text(kind_name) or "").lower() or None
            if kind is not None and kind not in PHONE_KINDS:
                row.fail(kind_name, f"{shown(kind)} is not one of mobile, home, work, other")
            phone = parse_phone(text, region)
            if phone is None:
                self._bad_contact(
                    row, name, f"{shown(text)} is not a valid phone number for {region}"
                )
                continue
            if kind is None:
                kind = "mobile" if phone.line_type == "mobile" else "other"
            if any(existing.e164 == phone.e164 for existing in phones):
                continue
            phones.append(
                PhoneEntry(
                    phone.e164,
                    kind,
                    phone.line_type,
                    consent if name == "phone" else False,
                    phone.timezones,
                )
            )
        return phones

    def _bad_contact(self, row: _Row, name: str, message: str) -> None:
        if self.rules.drop_bad_contacts:
            row.warnings.append(
                RowError(row.number, row.labels.get(name, name), f"{message}; left out")
            )
        else:
            row.fail(name, message)


ACTIONS = ("recall", "update", "adjust", "direct_payment")


def validate_maintenance(
    validator: RowValidator, number: int, cells: dict[str, str]
) -> Maintenance | list[RowError]:
    """A maintenance row: ``action`` and ``client_reference``, and what the action needs
    (adjust: a signed amount and a reason; direct_payment: an amount and its date;
    update: at least one phone, e-mail or address)."""
    row = _Row(number, cells, validator.labels)
    rules = validator.rules
    reference = row.text("client_reference")
    if reference is None and not row.has_error("client_reference"):
        row.require("client_reference")
    action = (row.text("action") or "").lower().replace(" ", "_").replace("-", "_")
    if action not in ACTIONS:
        if action:
            row.fail("action", f"{shown(action)} is not one of {', '.join(ACTIONS)}")
        else:
            row.require("action", f"is required (one of {', '.join(ACTIONS)})")
    amount: int | None = None
    effective: date | None = None
    reason = row.text("reason")
    contact: Account | None = None
    if action in ("adjust", "direct_payment"):
        text = cells.get("amount", "")
        negative = action == "adjust" and text.startswith("-")
        amount = row.parsed(
            "amount",
            lambda value: parse_amount(
                value.removeprefix("-") if negative else value,
                rules.currency,
                decimal_comma=rules.decimal_comma,
            ),
        )
        if amount is None and not row.has_error("amount"):
            row.require("amount")
        elif amount is not None:
            amount = -amount if negative else amount
            if amount == 0:
                row.fail("amount", "must not be zero")
    if action == "adjust" and reason is None:
        row.require("reason", "is required for an adjustment")
    if action == "direct_payment":
        effective = row.parsed(
            "payment_date", lambda text: values.parse_date(text, rules.date_order)
        )
        if effective is None and not row.has_error("payment_date"):
            row.require("payment_date", "is required for a direct payment")
        elif effective is not None and effective > validator.today:
            row.fail("payment_date", f"{effective.isoformat()} is in the future")
    if action == "update":
        email = validator.email_of(row)
        phones = validator.phones_of(row, rules.country)
        line1 = row.text("address_line1")
        address = ", ".join(
            p
            for p in (
                line1,
                row.text("address_line2"),
                row.text("city"),
                row.text("region"),
                row.text("postal_code"),
            )
            if p
        )
        if line1 and len(address) > MAX_ADDRESS:
            row.fail("address_line1", f"the address is longer than {MAX_ADDRESS} characters")
        if not (email or phones or line1) and not row.errors:
            row.fail("action", "an update needs a phone, an e-mail or an address")
        contact = Account(
            row=number,
            client_reference=reference or "",
            first_name="",
            last_name="",
            country=rules.country,
            currency=rules.currency,
            principal=0,
            interest=0,
            fees=0,
            amount_at_itemization=0,
            timezones=(),
            email=email,
            phones=phones,
            address=address if line1 else None,
        )
    if row.errors or reference is None:
        return sorted(row.errors, key=validator.position)
    return Maintenance(
        row=number,
        client_reference=reference,
        action=action,  # type: ignore[arg-type]
        amount=amount,
        effective_date=effective,
        reason=reason,
        contact=contact,
    )
