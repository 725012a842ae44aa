"""The JSON API's shapes (documented in the OpenAPI schema)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from agency.kit.errors import FieldError

MAX_PUSH = 10_000


class PlacementPush(BaseModel):
    """Up to 10,000 accounts, each an object of the standard referral fields
    (``shared/referral-format.md``): ``client_reference``, ``first_name``, ``last_name``,
    ``principal`` (a number or a string such as ``"1234.56"``), … Results are numbered
    by ``row``: row 1 is the first account."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "accounts": [
                    {
                        "client_reference": "A-1001",
                        "first_name": "Jane",
                        "last_name": "Doe",
                        "email": "jane@example.com",
                        "phone": "+13125550123",
                        "address_line1": "1 Main St",
                        "city": "Chicago",
                        "region": "IL",
                        "postal_code": "60601",
                        "country": "US",
                        "principal": "120.00",
                        "interest": "4.50",
                        "fees": "0",
                        "itemization_date": "2026-10-01",
                    }
                ]
            }
        }
    )

    accounts: list[dict[str, Any]] = Field(max_length=MAX_PUSH)


class AccountResult(BaseModel):
    row: int
    client_reference: str
    status: Literal["accepted", "replaced", "rejected"]
    case_id: int | None = None
    errors: list[FieldError] = []


class PlacementSummary(BaseModel):
    """A placement's status and counts, the one JSON shape of a placement: made from the
    ORM row (``PlacementSummary.model_validate(placement)``) by every answer that has one."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    source: str
    status: str
    file_name: str | None
    created_at: datetime
    finished_at: datetime | None
    total_rows: int | None
    rows_done: int
    accepted: int
    rejected: int
    replaced: int
    failure: str | None


class PossibleSamePerson(BaseModel):
    """An account placed as a person of its own although it shares a phone or e-mail
    with another of the client's accounts: our staff confirm or keep the two apart."""

    client_reference: str
    other_client_reference: str
    shares: Literal["phone", "email"]


class PushResult(BaseModel):
    placement: PlacementSummary
    results: list[AccountResult]
    possible_same_person: list[PossibleSamePerson] = []


class RejectedRow(BaseModel):
    row: int
    client_reference: str | None
    errors: list[FieldError]


class PlacementErrors(BaseModel):
    placement: int
    errors: list[RejectedRow]
    next_after: int | None = Field(
        description="pass as ?after= for the next page; null when this was the last"
    )


class AccountAction(BaseModel):
    """Maintenance of one open account.  ``adjust``: ``amount`` (signed, e.g. "-25.00")
    and ``reason``; ``direct-payment``: ``amount`` and ``payment_date``; ``update``:
    ``email``, ``phone``…, ``address_line1``…; ``recall``: optional ``reason``."""

    model_config = ConfigDict(extra="allow")


class ActionResult(BaseModel):
    client_reference: str
    status: Literal["accepted"]
    case_id: int
