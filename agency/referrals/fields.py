"""The standard referral fields, their aliases, and how a file's header maps onto them."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    label: str
    aliases: tuple[str, ...] = ()
    required: bool = False


FIELDS: tuple[Field, ...] = (
    Field(
        "client_reference",
        "Account number",
        (
            "acct_no",
            "account_number",
            "account_no",
            "account",
            "account_id",
            "customer_number",
            "reference",
            "ref",
        ),
    ),
    Field("first_name", "First name", ("firstname", "given_name", "forename")),
    Field("last_name", "Last name", ("lastname", "surname", "family_name")),
    Field("full_name", "Full name", ("customer_name", "name", "debtor_name", "consumer_name")),
    Field("date_of_birth", "Date of birth", ("dob", "birth_date", "birthdate")),
    Field("ssn_last4", "SSN last 4", ("last4", "ssn4")),
    Field("national_id", "National id", ("ssn", "social_security_number", "tax_id")),
    Field("email", "E-mail", ("email_address", "e_mail")),
    Field("phone", "Phone", ("phone_1", "phone1", "phone_number", "telephone", "mobile", "cell")),
    Field("phone_type", "Phone type", ("phone_1_type", "phone1_type")),
    Field("phone_2", "Phone 2", ("phone2", "alt_phone", "home_phone")),
    Field("phone_2_type", "Phone 2 type", ("phone2_type",)),
    Field("phone_3", "Phone 3", ("phone3", "work_phone")),
    Field("phone_3_type", "Phone 3 type", ("phone3_type",)),
    Field("phone_consent", "Phone consent", ("sms_consent", "consent", "tcpa_consent")),
    Field("address_line1", "Address line 1", ("address", "address1", "street", "address_1")),
    Field("address_line2", "Address line 2", ("address2", "address_2")),
    Field("city", "City", ("town", "suburb")),
    Field("region", "State / region", ("state", "province", "county_code", "st")),
    Field("postal_code", "Postal code", ("zip", "zip_code", "zipcode", "postcode")),
    Field("country", "Country", ("country_code",)),
    Field("currency", "Currency", ("currency_code", "ccy")),
    Field(
        "principal",
        "Principal",
        ("amount_due", "principal_amount", "amount_owed", "principal_balance"),
    ),
    Field("interest", "Interest", ("interest_amount", "interest_balance")),
    Field("fees", "Fees", ("fee", "fees_amount", "late_fees")),
    Field("balance", "Balance", ("total_balance", "total_due", "balance_due")),
    Field("itemization_date", "Itemization date", ("itemisation_date",)),
    Field("itemization_type", "Itemization type", ("itemisation_type",)),
    Field("amount_at_itemization", "Amount at itemization", ("itemization_amount",)),
    Field("interest_since", "Interest since itemization"),
    Field("fees_since", "Fees since itemization"),
    Field("payments_since", "Payments since itemization"),
    Field("credits_since", "Credits since itemization"),
    Field("original_creditor", "Original creditor"),
    Field("current_creditor", "Current creditor"),
    Field("delinquency_date", "Delinquency date", ("delinquent_date", "default_date")),
    Field("charge_off_date", "Charge-off date", ("chargeoff_date", "co_date")),
    Field("last_payment_date", "Last payment date", ("lpd",)),
    Field("open_date", "Open date", ("account_open_date", "opened")),
    Field("statute_of_limitations_date", "Statute of limitations date", ("sol_date",)),
    Field("product", "Product", ("product_type",)),
    Field("language", "Language", ("preferred_language",)),
    Field("notes", "Notes", ("note", "comments")),
    # maintenance files
    Field("action", "Action"),
    Field("amount", "Amount", ("adjustment_amount", "payment_amount")),
    Field("reason", "Reason"),
    Field("payment_date", "Payment date", ("paid_date",)),
)
BY_NAME: Mapping[str, Field] = {f.name: f for f in FIELDS}

_FOLD = re.compile(r"[\s_\-]+")


def header_key(text: str) -> str:
    """How headers are compared: case, spaces, ``-`` and ``_`` ignored."""
    return _FOLD.sub("", text.strip().lower())


_BY_KEY: Mapping[str, str] = {
    header_key(alias): f.name for f in FIELDS for alias in (f.name, *f.aliases)
}


@dataclass(frozen=True)
class HeaderMapping:
    """Which column feeds which field, and what the header had that we do not use."""

    columns: dict[str, int]  # field name -> column index
    labels: dict[str, str]  # field name -> the file's own column name (for messages)
    unused: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)  # fields named by two columns

    def missing(self, names: Sequence[str]) -> list[str]:
        return [name for name in names if name not in self.columns]


def map_header(header: Sequence[str], layout: Mapping[str, str] | None = None) -> HeaderMapping:
    """Map a header row onto the standard fields.

    A layout maps the client's own column names to fields (compared like headers);
    columns it does not name fall back to the standard names and aliases.
    """
    layout_keys = {header_key(column): name for column, name in (layout or {}).items()}
    columns: dict[str, int] = {}
    labels: dict[str, str] = {}
    unused: list[str] = []
    duplicates: list[str] = []
    for index, text in enumerate(header):
        key = header_key(text)
        name = layout_keys.get(key) or _BY_KEY.get(key)
        if name is None or name == "":
            if text.strip():
                unused.append(text.strip())
            continue
        if name in columns:
            duplicates.append(text.strip())
            continue
        columns[name] = index
        labels[name] = text.strip()
    return HeaderMapping(columns, labels, unused, duplicates)
