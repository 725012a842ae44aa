"""The compliance officers' forms and filters, as pydantic models (parsed by ``kit.forms``).

Every field takes the text a browser sends; an empty field means "not given".  Business
checks (does the case exist, is the fact complete) stay in the service and the views.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from agency.compliance.facts import CHANNELS
from agency.compliance.models import EntryKind, FactKind
from agency.kit.params import IdField

LEDGER_CHANNELS: tuple[str, ...] = (*CHANNELS, "credit_report")


class _Form(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _blank_is_missing(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if value not in ("", None)}
        return data


def _start_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


class LedgerQuery(_Form):
    """The ledger search's query string.  Dates are UTC calendar days, both included."""

    consumer_id: int | None = Field(default=None, ge=1, le=2**62)
    case: str | None = Field(default=None, max_length=64)
    client_id: int | None = Field(default=None, ge=1, le=2**62)
    agent_id: int | None = Field(default=None, ge=1, le=2**62)
    channel: Literal["call", "sms", "email", "letter", "credit_report"] | None = None
    rule: str | None = Field(default=None, max_length=32)
    decision: Literal["allowed", "blocked"] | None = None
    kind: EntryKind | None = None
    since: date | None = None
    until: date | None = None
    before: int | None = Field(default=None, ge=1, le=2**62)

    @model_validator(mode="after")
    def _dates_in_order(self) -> LedgerQuery:
        if self.since and self.until and self.until < self.since:
            raise ValueError("must not be before the start date")
        return self

    @property
    def since_at(self) -> datetime | None:
        return None if self.since is None else _start_of(self.since)

    @property
    def until_at(self) -> datetime | None:
        """Exclusive: the start of the day after ``until``."""
        return None if self.until is None else _start_of(self.until) + timedelta(days=1)


class BlockedQuery(_Form):
    by: Literal["rule", "client", "agent"] = "rule"
    since: date | None = None
    until: date | None = None

    @model_validator(mode="after")
    def _range(self) -> BlockedQuery:
        if self.since and self.until:
            if self.until < self.since:
                raise ValueError("must not be before the start date")
            if (self.until - self.since).days > 366:
                raise ValueError("must be at most a year after the start date")
        return self


FACT_DAYS = ("0", "1", "2", "3", "4", "5", "6")


class FactForm(_Form):
    """An officer records a compliance fact about a consumer (``recording.record_fact``)."""

    kind: FactKind
    case_id: int | None = Field(default=None, ge=1, le=2**62)
    contact_point_id: int | None = Field(default=None, ge=1, le=2**62)
    effective_at: datetime | None = None  # UTC, from <input type=datetime-local>
    until: datetime | None = None  # call consent window end (UTC)
    written: bool = False
    attorney_name: str | None = Field(default=None, max_length=200)
    attorney_phone: str | None = Field(default=None, max_length=200)
    attorney_email: str | None = Field(default=None, max_length=200)
    attorney_address: str | None = Field(default=None, max_length=200)
    inconvenient_from: str | None = Field(default=None, max_length=5)
    inconvenient_to: str | None = Field(default=None, max_length=5)
    inconvenient_days: list[Annotated[int, Field(ge=0, le=6)]] | None = Field(
        default=None, max_length=7
    )
    withdraw_fact_id: int | None = Field(default=None, ge=1, le=2**62)
    note: str | None = Field(default=None, max_length=500)

    @field_validator("effective_at", "until")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    @field_validator("written", mode="before")
    @classmethod
    def _checkbox(cls, value: Any) -> bool:
        return str(value).lower() in ("on", "true", "1", "yes")

    def detail(self) -> dict[str, Any]:
        """The fact's details in the shape ``recording.record_fact`` takes."""
        if self.kind is FactKind.DISPUTE:
            return {"written": self.written}
        if self.kind is FactKind.ATTORNEY:
            return {
                "name": self.attorney_name,
                "phone": self.attorney_phone,
                "email": self.attorney_email,
                "address": self.attorney_address,
            }
        if self.kind is FactKind.INCONVENIENT_TIME:
            return {
                "from": self.inconvenient_from,
                "to": self.inconvenient_to,
                "days": self.inconvenient_days or None,
            }
        if self.kind is FactKind.WITHDRAWN:
            return {"fact_id": "" if self.withdraw_fact_id is None else self.withdraw_fact_id}
        return {"note": self.note} if self.note else {}


class WhatIfForm(_Form):
    """A proposed contact to ask the gate about, without writing anything."""

    consumer_id: int = Field(ge=1, le=2**62)
    contact_point_id: int = Field(ge=1, le=2**62)
    case_ids: list[IdField] = Field(min_length=1, max_length=100)
    channel: Literal["call", "sms", "email", "letter", "credit_report"]
    at: datetime  # wall-clock time in ``tz``, from <input type=datetime-local>
    tz: str = Field(default="UTC", max_length=64)
    automated: bool = False
    template: str | None = Field(default=None, max_length=60)

    @field_validator("automated", mode="before")
    @classmethod
    def _checkbox(cls, value: Any) -> bool:
        return str(value).lower() in ("on", "true", "1", "yes")
