"""The reports API (``/api/v1/reports/...``) for clients' machines, by API key: the same
figures as the portal's pages — the summary, the vintages, the recoveries — and the
accounts, a keyset page at a time or one by its reference.  Everything is the key's
client's; nothing names a client in the URL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from starlette.responses import StreamingResponse

from agency.clients.api_callers import CurrentApiCaller
from agency.db import DbSession
from agency.kit.errors import COMMON_API_ERRORS, NotFound, api_responses
from agency.kit.params import MAX_ID
from agency.reporting import accounts, figures, refresh, returns
from agency.reporting.schemas import (
    AccountPage,
    AccountStatus,
    AgeBand,
    MonthFigures,
    RecoveryFigures,
    RecoveryReport,
    Summary,
    VintageReport,
    VintageRow,
)
from agency.reporting.scope import (
    EARLIEST,
    LATEST,
    CurrencyParam,
    Period,
    period_params,
    recovery_days,
    scope_for,
)

router = APIRouter(
    prefix="/api/v1/reports", tags=["reports"], responses=api_responses(*COMMON_API_ERRORS)
)
MAX_PAGE = 1_000


def _percent(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


def _month(m: figures.Month) -> MonthFigures:
    return MonthFigures(
        month=m.month.strftime("%Y-%m") if m.month else None,
        placed_cases=m.placed_cases,
        placed_minor=m.placed.minor,
        collected_minor=m.collected.minor,
        to_us_minor=m.to_us.minor,
        direct_minor=m.direct.minor,
        commission_minor=m.commission.minor,
        remitted_minor=m.remitted.minor,
    )


@router.get("/summary", response_model=Summary)
def summary(db: DbSession, caller: CurrentApiCaller, currency: CurrencyParam = None) -> Summary:
    """Placed, collected (to us and to the client directly), commission and remitted, by
    month and in all; the open inventory by age; contact and liquidation rates."""
    scope = scope_for(db, client_id=caller.client_id, currency=currency)
    found = figures.overview(db, client_id=scope.client.id, currency=scope.currency,
                             today=scope.today)  # fmt: skip
    return Summary(
        currency=scope.currency,
        as_of=refresh.last_refreshed_at(db),
        totals=_month(found.totals),
        liquidation_percent=_percent(found.totals.liquidation),
        contact_rate_percent=_percent(found.contact_rate),
        right_party_contact_rate_percent=_percent(found.reached_rate),
        promises=found.promises,
        plans=found.plans,
        months=[_month(m) for m in found.months],
        ageing=[
            AgeBand(label=b.label, cases=b.cases, balance_minor=b.balance.minor)
            for b in found.bands
        ],
    )


@router.get("/vintages", response_model=VintageReport)
def vintages(
    db: DbSession, caller: CurrentApiCaller, currency: CurrencyParam = None
) -> VintageReport:
    """Each placement month's cumulative share collected at the end of month 1 (the
    placement month), 2, 3 …, and the industry's average where five or more clients
    make it up."""
    scope = scope_for(db, client_id=caller.client_id, currency=currency)
    found = figures.vintages(db, client_id=scope.client.id, industry=scope.client.industry,
                             currency=scope.currency, today=scope.today)  # fmt: skip
    return VintageReport(
        currency=scope.currency,
        as_of=refresh.last_refreshed_at(db),
        vintages=[
            VintageRow(
                month=row.month.strftime("%Y-%m"),
                placed_cases=row.placed_cases,
                placed_minor=row.placed.minor,
                collected_minor=row.collected.minor,
                cumulative_percent=[_percent(s) for s in row.shares],
            )
            for row in found.rows
        ],
        industry=found.industry,
        industry_average_percent=[_percent(s) for s in found.reference],
    )


def _vintage(row: figures.Vintage) -> VintageRow:
    return VintageRow(
        month=row.month.strftime("%Y-%m"),
        placed_cases=row.placed_cases,
        placed_minor=row.placed.minor,
        collected_minor=row.collected.minor,
        cumulative_percent=[_percent(s) for s in row.shares],
    )


def _recovery(d: figures.RecoveryDay) -> RecoveryFigures:
    return RecoveryFigures(day=d.day, payments=d.payments, paid_minor=d.paid.minor,
                           reversals=d.reversals, reversed_minor=d.reversed.minor,
                           net_minor=d.net.minor, direct_minor=d.direct.minor,
                           commission_minor=d.commission.minor)  # fmt: skip


@router.get("/recoveries", response_model=RecoveryReport)
def recoveries(
    db: DbSession,
    caller: CurrentApiCaller,
    period: Annotated[Period, Depends(period_params)],
    currency: CurrencyParam = None,
) -> RecoveryReport:
    """Payments and reversals by effective day with our commission, newest first: the
    30 days to ``end`` (today) by default, at most 731 days at once."""
    scope = scope_for(db, client_id=caller.client_id, currency=currency)
    start, end, _ = recovery_days(scope, period.start, period.end)
    days, totals = figures.recoveries(db, client_id=scope.client.id, currency=scope.currency,
                                      start=start, end=end)  # fmt: skip
    return RecoveryReport(currency=scope.currency, as_of=refresh.last_refreshed_at(db),
                          start=start, end=end, days=[_recovery(d) for d in days],
                          totals=_recovery(totals))  # fmt: skip


@router.get(
    "/returns/{day}",
    response_class=StreamingResponse,
    responses={200: {"description": "the day's return file (docs/reporting.md)",
                     "content": {"text/csv": {"schema": {"type": "string"}}}}},
)  # fmt: skip
def return_file(
    db: DbSession,
    caller: CurrentApiCaller,
    day: Annotated[date, Path(ge=EARLIEST, le=LATEST, description="the agency's day (ISO)")],
) -> StreamingResponse:
    """One day's return file: the accounts closed or recalled that day, as CSV (a
    header row alone on a day without returns)."""
    body = returns.csv_body(db.get_bind(), client_id=caller.client_id, day=day)
    return StreamingResponse(body, media_type="text/csv; charset=utf-8",
                             headers={"Cache-Control": "no-store"})  # fmt: skip


@router.get("/accounts", response_model=AccountPage)
def account_page(
    db: DbSession,
    caller: CurrentApiCaller,
    after: Annotated[
        int, Query(ge=0, le=MAX_ID, description="the last case_id of the previous page")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 500,
) -> AccountPage:
    """Every account, by case id, a page at a time: status, balance, collected, the
    last contact (when and by which channel) and the arrangement in force."""
    found = accounts.page(db, client_id=caller.client_id, after=after, limit=limit + 1)
    shown = found[:limit]
    return AccountPage(
        accounts=[AccountStatus.model_validate(a) for a in shown],
        next_after=shown[-1].case_id if len(found) > limit else None,
    )


@router.get("/accounts/{client_reference}", response_model=AccountStatus,
            responses=api_responses(404))  # fmt: skip
def account(
    db: DbSession,
    caller: CurrentApiCaller,
    client_reference: Annotated[str, Path(min_length=1, max_length=64)],
) -> AccountStatus:
    """One account by the client's reference: the open one, else the latest closed."""
    found = accounts.by_reference(db, client_id=caller.client_id,
                                  client_reference=client_reference)  # fmt: skip
    if found is None:
        raise NotFound("account")
    return AccountStatus.model_validate(found)
