"""The reports API's shapes (documented in the OpenAPI schema).  Amounts are integers in
minor units of ``currency``; percentages are strings with one decimal place ("12.5"),
exact, never floats; days are ISO dates and months ``YYYY-MM``."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict


class MonthFigures(BaseModel):
    month: str | None  # None: the totals
    placed_cases: int
    placed_minor: int
    collected_minor: int
    to_us_minor: int
    direct_minor: int
    commission_minor: int
    remitted_minor: int


class AgeBand(BaseModel):
    label: str
    cases: int
    balance_minor: int


class Summary(BaseModel):
    """What was placed, what came back, and what is still open."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "currency": "USD",
                "as_of": "2026-12-07T14:00:00Z",
                "totals": {"month": None, "placed_cases": 3, "placed_minor": 170000,
                           "collected_minor": 12000, "to_us_minor": 10000, "direct_minor": 2000,
                           "commission_minor": 3000, "remitted_minor": 0},
                "liquidation_percent": "7.1",
                "contact_rate_percent": "66.7",
                "right_party_contact_rate_percent": "66.7",
                "promises": 1,
                "plans": 0,
                "months": [],
                "ageing": [{"label": "Under 3 months", "cases": 3, "balance_minor": 158000}],
            }
        }
    )  # fmt: skip

    currency: str
    as_of: datetime | None
    totals: MonthFigures
    liquidation_percent: str | None
    contact_rate_percent: str | None
    right_party_contact_rate_percent: str | None
    promises: int
    plans: int
    months: list[MonthFigures]
    ageing: list[AgeBand]


class VintageRow(BaseModel):
    month: str
    placed_cases: int
    placed_minor: int
    collected_minor: int
    cumulative_percent: list[str | None]  # at the end of month 1 (the placement month), 2, …


class VintageReport(BaseModel):
    """Each placement month's share collected by months since placement."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "currency": "USD",
                "as_of": "2026-12-07T14:00:00Z",
                "vintages": [{"month": "2026-10", "placed_cases": 2, "placed_minor": 150000,
                              "collected_minor": 10000,
                              "cumulative_percent": ["0.0", "6.7", "6.7"]}],
                "industry": "Subscription",
                "industry_average_percent": [None, None, None],
            }
        }
    )  # fmt: skip

    currency: str
    as_of: datetime | None
    vintages: list[VintageRow]
    industry: str
    industry_average_percent: list[str | None]  # None where fewer than five clients


class RecoveryFigures(BaseModel):
    day: date | None  # None: the totals
    payments: int
    paid_minor: int
    reversals: int
    reversed_minor: int
    net_minor: int
    direct_minor: int
    commission_minor: int


class RecoveryReport(BaseModel):
    """Payments and reversals by their effective day, with our commission."""

    currency: str
    as_of: datetime | None
    start: date
    end: date
    days: list[RecoveryFigures]
    totals: RecoveryFigures


class AccountStatus(BaseModel):
    """One account as the merchant may see it (never a note, never contact details)."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "example": {
                "case_id": 4711, "client_reference": "A-1001", "status": "plan", "currency": "USD",
                "placed_at": "2026-10-31T22:30:00Z", "placed_minor": 100000,
                "balance_minor": 90000, "collected_minor": 10000,
                "last_contact_at": "2026-11-17T16:00:00Z", "last_contact_channel": "call",
                "arrangement": "plan", "arrangement_status": "active", "closed_at": None,
            }
        },
    )  # fmt: skip

    case_id: int
    client_reference: str
    status: str
    currency: str
    placed_at: datetime
    placed_minor: int
    balance_minor: int
    collected_minor: int
    last_contact_at: datetime | None
    last_contact_channel: str | None
    arrangement: str | None
    arrangement_status: str | None
    closed_at: datetime | None


class AccountPage(BaseModel):
    accounts: list[AccountStatus]
    next_after: int | None  # pass as ``after`` for the next page; None: the last page
