"""The strategy screens' forms: a new strategy, and a contract's strategy rule (its
balances in major units of the contract's currency; an empty condition holds for any
case)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from agency.cases.models import CaseStatus
from agency.kit.forms import BlankIsNone, blank_to_none
from agency.kit.money import MoneyError, check_currency
from agency.kit.params import IdField
from agency.outreach.strategies.versions import COUNTRIES, NAME_MAX

_COUNTRY_WORDS = f"must be one of {', '.join(COUNTRIES)}"
# A box: ticked ("on"), or not (not sent, or sent blank).
Ticked = Annotated[bool, BeforeValidator(lambda value: blank_to_none(value) or False)]


def _country(value: str) -> str:
    if value.upper() not in COUNTRIES:
        raise ValueError(_COUNTRY_WORDS)
    return value.upper()


class NewStrategyForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=NAME_MAX)
    country: str
    currency: str
    notice_by_client: Ticked = False

    @field_validator("country")
    @classmethod
    def _known_country(cls, value: str) -> str:
        return _country(value)

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        try:
            return check_currency(value)
        except MoneyError:
            raise ValueError("must be a currency code, such as USD") from None


Balance = Annotated[Decimal | None, BlankIsNone]
Days = Annotated[int | None, BlankIsNone]


class StrategyRuleForm(BaseModel):
    """``statuses`` arrives comma-separated (the view joins the ticked boxes)."""

    model_config = ConfigDict(str_strip_whitespace=True)

    strategy_id: IdField
    is_active: Ticked = False
    country: Annotated[str | None, BlankIsNone] = None
    min_balance: Balance = Field(default=None, ge=0, max_digits=15, decimal_places=3)
    max_balance: Balance = Field(default=None, ge=0, max_digits=15, decimal_places=3)
    min_age_days: Days = Field(default=None, ge=0, le=36500)
    max_age_days: Days = Field(default=None, ge=0, le=36500)
    language: Annotated[str | None, BlankIsNone] = Field(
        default=None, pattern=r"^[a-z]{2}$", description="a two-letter language code, such as en"
    )
    statuses: list[CaseStatus] = Field(default_factory=list)

    @field_validator("country")
    @classmethod
    def _known_country(cls, value: str | None) -> str | None:
        return None if value is None else _country(value)

    @field_validator("language", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("statuses", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value


class ExperimentForm(BaseModel):
    """A challenger for a rule: the strategy, its share of the new cases, and why."""

    model_config = ConfigDict(str_strip_whitespace=True)

    challenger_id: IdField
    percent: int = Field(ge=1, le=50)
    reason: str = Field(min_length=1, max_length=300)


class EndExperimentForm(BaseModel):
    """``promote``: "yes" (the rule gives the challenger from now on) or "no"."""

    model_config = ConfigDict(str_strip_whitespace=True)

    promote: Literal["yes", "no"]
    end_reason: str = Field(min_length=1, max_length=300)
