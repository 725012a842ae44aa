from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Literal

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

from agency.cases.models import CaseStatus


class CaseFilters(BaseModel):
    """The filters of a case list, from its query string."""

    model_config = ConfigDict(str_strip_whitespace=True, frozen=True)

    q: str | None = Field(default=None, max_length=100)
    status: CaseStatus | None = None
    client_id: int | None = Field(default=None, ge=1)
    agent: Literal["me", "none"] | int | None = None


def case_filters(
    q: Annotated[
        str | None, Query(max_length=100, description="reference or consumer name")
    ] = None,
    status: Annotated[CaseStatus | None, Query()] = None,
    client_id: Annotated[int | None, Query(ge=1)] = None,
    agent: Annotated[
        str | None, Query(pattern=r"^(me|none|[0-9]{1,18})$", description="me, none or a user id")
    ] = None,
) -> CaseFilters:
    """FastAPI dependency; bad values are a 422 naming the parameter."""
    agent_value: Literal["me", "none"] | int | None
    if agent in (None, ""):
        agent_value = None
    elif agent in ("me", "none"):
        agent_value = "me" if agent == "me" else "none"
    else:
        agent_value = int(agent)
    return CaseFilters(q=q or None, status=status, client_id=client_id, agent=agent_value)


# ---- accounts placed with us (built by referral intake, placed by cases.service) ------


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass(frozen=True, slots=True)
class PhoneEntry:
    e164: str
    kind: str
    line_type: str
    consent: bool
    timezones: tuple[str, ...] = ()


@dataclass(slots=True)
class Account:
    """A valid referral row, normalized.  Amounts are minor units of ``currency``."""

    row: int
    client_reference: str
    first_name: str
    last_name: str
    country: str
    currency: str
    principal: int
    interest: int
    fees: int
    amount_at_itemization: int
    timezones: tuple[str, ...]
    region: str | None = None
    postal_code: str | None = None
    date_of_birth: date | None = None
    national_id_hash: str | None = None
    email: str | None = None
    phones: list[PhoneEntry] = field(default_factory=list)
    address: str | None = None
    itemization_date: date | None = None
    itemization_type: str | None = None
    interest_since: int = 0
    fees_since: int = 0
    payments_since: int = 0
    credits_since: int = 0
    original_creditor: str | None = None
    current_creditor: str | None = None
    delinquency_date: date | None = None
    charge_off_date: date | None = None
    last_payment_date: date | None = None
    open_date: date | None = None
    statute_of_limitations_date: date | None = None
    product: str | None = None
    language: str | None = None
    notes: str | None = None
    warnings: list[RowError] = field(default_factory=list)

    @property
    def balance(self) -> int:
        return self.principal + self.interest + self.fees


@dataclass(frozen=True, slots=True)
class Placed:
    """What happened to one account of a placement."""

    row: int
    client_reference: str
    status: Literal["accepted", "replaced", "rejected"]
    case_id: int | None = None
    errors: tuple[RowError, ...] = ()


@dataclass(slots=True)
class Maintenance:
    """One maintenance instruction from a client: a file row or an API call."""

    row: int
    client_reference: str
    action: Literal["recall", "update", "adjust", "direct_payment"]
    amount: int | None = None  # minor units; signed for "adjust"
    effective_date: date | None = None
    reason: str | None = None
    contact: Account | None = None  # "update": the new contact data (names unused)
