from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
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

from agency.kit.forms import BlankIsNone
from agency.kit.money import MoneyError, check_currency

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


class ContractForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    reference: str = Field(min_length=1, max_length=40)
    currency: CurrencyCode
    contingency_rate: Percent
    settlement_floor: Percent
    effective_from: date
    effective_to: Annotated[date | None, BlankIsNone] = None

    @field_validator("effective_to")
    @classmethod
    def _ends_after_start(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("effective_from")
        if value is not None and start is not None and value < start:
            raise ValueError("must be on or after the start date")
        return value
