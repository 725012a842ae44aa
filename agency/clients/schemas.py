from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from itertools import permutations
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from agency.clients.models import Contract
from agency.kit.forms import BlankIsNone, blank_to_none
from agency.kit.money import Money, MoneyError, check_currency

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,19}$")


def _client_code(value: str) -> str:
    if not _CODE.match(value.upper()):
        raise ValueError("must be 2 to 20 letters, digits, hyphens or underscores, such as ACME")
    return value.upper()


def _country(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z]{2}", value):
        raise ValueError("must be a two-letter ISO country code, such as US")
    return value.upper()


def _currency(value: str) -> str:
    try:
        return check_currency(value)
    except MoneyError as exc:
        raise ValueError("must be a three-letter ISO 4217 currency code, such as USD") from exc


def _percent_text(value: object) -> object:
    return value.strip().removesuffix("%").strip() if isinstance(value, str) else value


ClientCode = Annotated[str, Field(min_length=1, max_length=20), AfterValidator(_client_code)]
CountryCode = Annotated[str, Field(min_length=1, max_length=2), AfterValidator(_country)]
CurrencyCode = Annotated[str, Field(min_length=1, max_length=3), AfterValidator(_currency)]
Percent = Annotated[
    Decimal, BeforeValidator(_percent_text), Field(ge=0, le=100, max_digits=6, decimal_places=3)
]


class ClientForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    code: ClientCode
    name: str = Field(min_length=1, max_length=120)
    legal_name: str = Field(min_length=1, max_length=200)
    industry: str = Field(min_length=1, max_length=60)
    country: CountryCode
    currency: CurrencyCode
    is_active: bool = False


def _checkbox(value: object) -> object:
    """A checkbox posted with its hidden "off" twin: the last value ("on" when ticked)."""
    return False if value in ("", None) else value


# The orders a payment may be allocated across the balance buckets (all six).
ALLOCATION_ORDERS = tuple(
    ",".join(order) for order in permutations(("fees", "interest", "principal"))
)
Checkbox = Annotated[bool, BeforeValidator(_checkbox)]
OptionalPercent = Annotated[
    Annotated[Decimal, Field(ge=0, le=100, max_digits=6, decimal_places=3)] | None,
    BlankIsNone,
    BeforeValidator(_percent_text),
]
# An amount in major units of the contract's currency, read as minor units.
MinorAmount = Annotated[int | None, BlankIsNone]
# Fields whose form name is not the column's: the amounts, in minor units.
MINOR_COLUMNS = {"min_installment": "min_installment_minor", "min_payment": "min_payment_minor"}


class ContractForm(BaseModel):
    """A client's contract as the admin's form posts it: the commercial terms, and the
    authority arrangements are made under (``agency.payments``).  ``min_installment``
    and ``min_payment`` are read in major units of ``currency`` into minor units."""

    model_config = ConfigDict(str_strip_whitespace=True)

    reference: str = Field(min_length=1, max_length=40)
    currency: CurrencyCode
    contingency_rate: Percent
    settlement_floor: Percent
    effective_from: date
    effective_to: Annotated[date | None, BlankIsNone] = None
    settlements_allowed: Checkbox = True
    max_months: Annotated[Annotated[int, Field(ge=1, le=120)] | None, BlankIsNone] = None
    min_installment: MinorAmount = None
    min_down_payment_percent: OptionalPercent = None
    min_payment: MinorAmount = None
    consumer_settlement_percent: OptionalPercent = None
    grace_days: int = Field(default=5, ge=0, le=60)
    missed_to_break: int = Field(default=1, ge=1, le=12)
    roll_missed_to_end: Checkbox = False
    allocation_order: str = "fees,interest,principal"

    @field_validator("allocation_order")
    @classmethod
    def _an_order(cls, value: str) -> str:
        if value not in ALLOCATION_ORDERS:
            raise ValueError("choose one of the six orders of fees, interest and principal")
        return value

    @field_validator("min_installment", "min_payment", mode="before")
    @classmethod
    def _minor_units(cls, value: object, info: ValidationInfo) -> object:
        value = blank_to_none(value)
        if value is None or isinstance(value, int):
            return value
        currency = info.data.get("currency")
        if currency is None:
            return None  # the currency's own error is shown
        try:
            minor = Money.from_major(str(value), str(currency)).minor
        except MoneyError as exc:
            raise ValueError(str(exc)) from exc
        if minor <= 0:
            raise ValueError("must be more than zero")
        return minor

    @field_validator("consumer_settlement_percent")
    @classmethod
    def _not_below_floor(cls, value: Decimal | None, info: ValidationInfo) -> Decimal | None:
        floor = info.data.get("settlement_floor")
        if value is not None and value == 0:
            raise ValueError("must be more than zero (leave it empty to offer no settlement)")
        if value is not None and floor is not None and value < floor:
            raise ValueError(f"must be at least the settlement floor ({floor}%)")
        return value

    def columns(self) -> dict[str, object]:
        """The contract's column values."""
        return {MINOR_COLUMNS.get(k, k): v for k, v in self.model_dump().items()}

    @staticmethod
    def values_of(contract: Contract) -> dict[str, str]:
        """A contract's columns as the form shows them (amounts in major units)."""
        currency = contract.currency
        values: dict[str, str] = {}
        for name in ContractForm.model_fields:
            value = getattr(contract, MINOR_COLUMNS.get(name, name))
            if value is None or value is False:
                values[name] = ""
            elif value is True:
                values[name] = "on"
            elif name in MINOR_COLUMNS:
                values[name] = str(Money(int(value), currency).major)
            else:
                values[name] = str(value)
        return values

    @field_validator("effective_to")
    @classmethod
    def _ends_after_start(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("effective_from")
        if value is not None and start is not None and value < start:
            raise ValueError("must be on or after the start date")
        return value
