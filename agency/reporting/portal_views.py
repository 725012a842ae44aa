"""The merchant's reports in its portal — the overview (``/portal``), liquidation by
vintage and recoveries — each with its tables as CSV and XLSX and the page as PDF.
Only the signed-in merchant user's own client: the client comes from the user, never
from the URL.  Figures come from the aggregates (``reporting.figures``), as of their
last refresh, which each page states in the viewer's time zone."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from starlette.responses import Response, StreamingResponse

from agency.auth.models import Role, User
from agency.auth.permissions import CurrentViewer, require
from agency.cases import service as cases_service
from agency.cases.models import CaseStatus
from agency.cases.schemas import CaseFilters, case_filters
from agency.db import DbSession
from agency.kit import clock, flash, templates
from agency.kit.forms import FormError, PostedForm, form_values
from agency.kit.pagination import PageRequest, page_request
from agency.kit.templates import render
from agency.reporting import accounts, curves, exports, figures, refresh, returns, scheduled, tables
from agency.reporting.scope import (
    EARLIEST,
    LATEST,
    CurrencyParam,
    Period,
    Scope,
    client_of,
    period_params,
    recovery_days,
    scope_for,
)
from agency.reporting.tables import Table

router = APIRouter()
Merchant = Annotated[User, Depends(require(Role.MERCHANT))]
TableName = Literal["months", "ageing", "vintages", "recoveries"]
PageName = Literal["overview", "vintages", "recoveries"]


def _scope(db: DbSession, user: User, currency: str | None) -> Scope:
    return scope_for(db, client_id=user.client_id or 0, currency=currency)


def _context(request: Request, db: DbSession, scope: Scope, **more: object) -> dict[str, object]:
    return {"client": scope.client, "currency": scope.currency, "currencies": scope.currencies,
            "refreshed_at": refresh.last_refreshed_at(db), **more}  # fmt: skip


def _tables(db: DbSession, scope: Scope, page: PageName, period: Period) -> list[Table]:
    if page == "overview":
        found = figures.overview(db, client_id=scope.client.id, currency=scope.currency,
                                 today=scope.today)  # fmt: skip
        return [tables.months_table(found), tables.ageing_table(found)]
    if page == "vintages":
        return [tables.vintages_table(_vintages(db, scope))]
    start, end, _ = recovery_days(scope, period.start, period.end)
    days, totals = figures.recoveries(db, client_id=scope.client.id, currency=scope.currency,
                                      start=start, end=end)  # fmt: skip
    return [tables.recoveries_table(days, totals)]


def _vintages(db: DbSession, scope: Scope) -> figures.Vintages:
    return figures.vintages(db, client_id=scope.client.id, industry=scope.client.industry,
                            currency=scope.currency, today=scope.today)  # fmt: skip


@router.get("/portal")
def overview(
    request: Request, db: DbSession, user: Merchant, currency: CurrencyParam = None
) -> Response:
    """The merchant's home: what it placed, what came back, what is still open."""
    scope = _scope(db, user, currency)
    found = figures.overview(db, client_id=scope.client.id, currency=scope.currency,
                             today=scope.today)  # fmt: skip
    context = _context(request, db, scope, overview=found,
                       tables=[tables.months_table(found), tables.ageing_table(found)],
                       subscription=scheduled.of_user(db, user_id=user.id),
                       frequencies=scheduled.FREQUENCIES, files=scheduled.FILES)  # fmt: skip
    return render(request, "reporting/overview.html", context)


@router.post("/portal/subscription")
def save_subscription(posted: PostedForm, db: DbSession, user: Merchant) -> Response:
    """The user's scheduled report e-mail: how often (or never) and with which files."""
    values = form_values(posted)
    chosen = [v for v in posted.getlist("attachments") if isinstance(v, str)]
    frequency = values.get("frequency", "")
    try:
        saved = scheduled.save(db, user_id=user.id, client_id=user.client_id or 0,
                               frequency=frequency, attachments=chosen)  # fmt: skip
    except FormError as exc:  # only a request the page did not send: the radios choose
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("body", k), "msg": v} for k, v in exc.errors.items()]
        ) from exc
    if saved is None:
        words = "Scheduled e-mail stopped."
    else:
        how = scheduled.FREQUENCIES[saved.frequency]
        words = f"Scheduled e-mail saved: {how}, from the next period."
    return flash.redirect("/portal#subscription", words)


@router.get("/portal/accounts")
def portal_accounts(
    request: Request,
    db: DbSession,
    user: Merchant,
    viewer: CurrentViewer,
    page: Annotated[PageRequest, Depends(page_request)],
    filters: Annotated[CaseFilters, Depends(case_filters)],
) -> Response:
    """The merchant's accounts: filters and search as the case list's, each with its
    last contact (when and how, never what was said), arrangement and collections."""
    client = client_of(db, client_id=user.client_id or 0)
    found = cases_service.list_cases(db, viewer=viewer, filters=filters, page=page)
    context = {"client": client, "totals": cases_service.totals(db, viewer=viewer),
               "page": found, "filters": filters, "statuses": list(CaseStatus),
               "details": accounts.of_cases(db, found.items)}  # fmt: skip
    return render(request, "reporting/accounts.html", context)


@router.get("/portal/returns")
def return_files(request: Request, db: DbSession, user: Merchant) -> Response:
    """The last month's return files: the days accounts were closed or recalled."""
    client = client_of(db, client_id=user.client_id or 0)
    days = returns.recent_days(db, client_id=client.id, today=clock.office_date())
    context = {"client": client, "days": days, "columns": returns.COLUMNS,
               "listed": returns.DAYS_LISTED}  # fmt: skip
    return render(request, "reporting/returns.html", context)


@router.get("/portal/returns/{day}.csv")
def return_file(
    db: DbSession, user: Merchant, day: Annotated[date, Path(ge=EARLIEST, le=LATEST)]
) -> Response:
    """One day's return file (a header row alone on a day without returns)."""
    client = client_of(db, client_id=user.client_id or 0)
    # Streamed after the request's session has closed: read through a session of its own.
    body = returns.csv_body(db.get_bind(), client_id=client.id, day=day)
    name = f"{client.code}-returns-{day.isoformat()}.csv"
    return StreamingResponse(body, media_type=exports.CSV_TYPE, headers=_download(name))


@router.get("/portal/vintages")
def vintages(
    request: Request,
    db: DbSession,
    user: Merchant,
    currency: CurrencyParam = None,
    show: Annotated[list[str] | None, Query(max_length=curves.MAX_CURVES)] = None,
) -> Response:
    """Liquidation by vintage: the curves of the chosen placement months (the latest
    eight by default) with the industry's average, and the table of every month."""
    scope = _scope(db, user, currency)
    found = _vintages(db, scope)
    months = [row.month.strftime("%Y-%m") for row in found.rows]
    chosen = [m for m in months if m in set(show or ())] or months[-8:]
    series = [(row.month.strftime("%Y-%m"), row.month.strftime("%b %Y"), row.shares)
              for row in found.rows if row.month.strftime("%Y-%m") in chosen]  # fmt: skip
    reference = (f"{scope.client.industry} average", found.reference)
    chart = curves.build(series, max(found.months, 1), reference)
    context = _context(request, db, scope, vintages=found, chart=chart, months=months,
                       chosen=chosen, tables=[tables.vintages_table(found)])  # fmt: skip
    return render(request, "reporting/vintages.html", context)


@router.get("/portal/recoveries")
def recoveries(
    request: Request,
    db: DbSession,
    user: Merchant,
    period: Annotated[Period, Depends(period_params)],
    currency: CurrencyParam = None,
) -> Response:
    """Payments and reversals by day with our commission, the statements' numbers."""
    scope = _scope(db, user, currency)
    start, end, note = recovery_days(scope, period.start, period.end)
    days, totals = figures.recoveries(db, client_id=scope.client.id, currency=scope.currency,
                                      start=start, end=end)  # fmt: skip
    context = _context(request, db, scope, start=start, end=end, note=note,
                       tables=[tables.recoveries_table(days, totals)])  # fmt: skip
    return render(request, "reporting/recoveries.html", context)


_PAGE_OF: dict[str, PageName] = {"months": "overview", "ageing": "overview",
                                 "vintages": "vintages", "recoveries": "recoveries"}  # fmt: skip
_TITLES: dict[PageName, str] = {"overview": "Overview", "vintages": "Liquidation by vintage",
                                "recoveries": "Recoveries"}  # fmt: skip


def _download(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}


def _file(body: bytes, media_type: str, name: str) -> Response:
    return Response(body, media_type=media_type, headers=_download(name))


@router.get("/portal/tables/{table}.{extension}")
def table_file(
    db: DbSession,
    user: Merchant,
    table: TableName,
    extension: Literal["csv", "xlsx"],
    period: Annotated[Period, Depends(period_params)],
    currency: CurrencyParam = None,
) -> Response:
    """One of the reports' tables as CSV or XLSX."""
    scope = _scope(db, user, currency)
    found = next(t for t in _tables(db, scope, _PAGE_OF[table], period) if t.name == table)
    name = f"{scope.client.code}-{table}-{scope.currency}-{scope.today.isoformat()}.{extension}"
    if extension == "csv":
        return _file(exports.csv_bytes(found, scope.currency), exports.CSV_TYPE, name)
    return _file(exports.xlsx_bytes([found], scope.currency), exports.XLSX_TYPE, name)


@router.get("/portal/pages/{page}.pdf")
def page_pdf(
    db: DbSession,
    user: Merchant,
    viewer: CurrentViewer,
    page: PageName,
    period: Annotated[Period, Depends(period_params)],
    currency: CurrencyParam = None,
) -> Response:
    """A report page's tables as one PDF."""
    scope = _scope(db, user, currency)
    found = _tables(db, scope, page, period)
    as_of = refresh.last_refreshed_at(db)
    when = templates.when(as_of, zone=viewer.zone) if as_of else "never"
    subtitle = f"{scope.client.name} · amounts in {scope.currency} · figures as of {when}"
    body = exports.pdf_bytes(f"{_TITLES[page]}: {scope.client.name}", subtitle, found,
                             scope.currency)  # fmt: skip
    name = f"{scope.client.code}-{page}-{scope.currency}-{scope.today.isoformat()}.pdf"
    return _file(body, exports.PDF_TYPE, name)
