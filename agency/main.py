"""The application factory: routers, middleware, error pages and static files."""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.routing import iter_route_contexts
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import PlainTextResponse, Response
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agency import worker
from agency.auth import csrf
from agency.auth import views as auth_views
from agency.auth.hashing import HashingBusy
from agency.auth.permissions import Forbidden, NotAuthenticated, clear_session_cookie
from agency.cases import (
    action_views,
    bulk_move_views,
    client_views,
    reassign_views,
    rule_views,
    supervisor_views,
    team_views,
)
from agency.cases import views as cases_views
from agency.clients import user_views
from agency.clients import views as clients_views
from agency.clients.api_callers import ApiKeyRejected
from agency.commission import bank_statement
from agency.commission import views as commission_views
from agency.commission.statements import portal_views as statement_portal_views
from agency.commission.statements import remittance_views
from agency.commission.statements import views as statement_views
from agency.commission.trust import views as trust_views
from agency.compliance import api as compliance_api
from agency.compliance import views as compliance_views
from agency.compliance.scenario import MAX_SCENARIO_BYTES
from agency.config import ROOT, get_settings
from agency.db import DbSession, cancel_in_flight, is_timeout
from agency.kit import sandbox, timezones
from agency.kit.bodies import BodyLimit, BodyTooLarge, Limit, Limits
from agency.kit.errors import ApiError, NotFound, ResponseError, api_error_response
from agency.kit.forms import phrase
from agency.kit.params import BlankQueryValues, refuse_nul
from agency.kit.templates import env, is_htmx, render
from agency.outreach import call_views as outreach_call_views
from agency.outreach import case_views as outreach_case_views
from agency.outreach import (
    letter_views,
    opt_out_views,
    outbox_views,
    provider_views,
    send_views,
    sender_views,
    template_views,
    validation_notice_views,
)
from agency.outreach import voice_webhooks as outreach_voice_webhooks
from agency.outreach import webhooks as outreach_webhooks
from agency.outreach.strategies import case_views as strategy_case_views
from agency.outreach.strategies import dry_run_views as strategy_dry_run_views
from agency.outreach.strategies import editor_views as strategy_editor_views
from agency.outreach.strategies import experiment_views as strategy_experiment_views
from agency.outreach.strategies import health_views as strategy_health_views
from agency.outreach.strategies import rule_views as strategy_rule_views
from agency.payments.arrangements import approval_views as arrangement_approval_views
from agency.payments.arrangements import views as arrangement_views
from agency.payments.posting import views as posting_views
from agency.payments.providers import provider_views as payment_provider_views
from agency.payments.providers import views as payment_charge_views
from agency.payments.providers import webhooks as stripe_webhooks
from agency.payments.receipts import views as receipt_views
from agency.payments.schedule import api as schedule_api
from agency.payments.self_service import action_views as self_service_actions
from agency.payments.self_service import pay_views as self_service_pay
from agency.payments.self_service import plan_views as self_service_plan
from agency.payments.self_service import staff_views as self_service_staff
from agency.payments.self_service import uploads
from agency.payments.self_service import views as self_service_views
from agency.referrals import api as referrals_api
from agency.referrals import views as referrals_views
from agency.reporting import api as reports_api
from agency.reporting import experiment_views
from agency.reporting import portal_views as report_portal_views
from agency.reporting.webhooks import views as webhook_views

log = logging.getLogger("agency")
Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]
access_log = logging.getLogger("agency.access")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
}


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or (
        "application/json" in request.headers.get("accept", "")
        and "text/html" not in request.headers.get("accept", "")
    )


def error_response(request: Request, status_code: int, title: str, detail: str) -> Response:
    """The one shape of an error: JSON for machines, a readable page for people."""
    if _wants_json(request):
        return JSONResponse({"detail": detail}, status_code=status_code)
    return render(
        request,
        "errors/error.html",
        {"status_code": status_code, "title": title, "detail": detail},
        status_code=status_code,
    )


async def _not_authenticated(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NotAuthenticated)
    notice = "Your session has expired. Please sign in again." if exc.expired else None
    if _wants_json(request):
        response: Response = JSONResponse({"detail": notice or "Not signed in."}, 401)
    elif is_htmx(request):
        response = Response(status_code=401, headers={"HX-Redirect": "/login"})
    else:
        next_url = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        response = auth_views.login_page(
            request,
            status_code=401,
            notice=notice,
            next_url=next_url if request.method == "GET" else "",
        )
    if exc.expired:
        clear_session_cookie(response)
    return response


async def _api_key_rejected(request: Request, exc: Exception) -> Response:
    return JSONResponse(
        {"detail": str(exc)}, status_code=401, headers={"WWW-Authenticate": 'Bearer realm="agency"'}
    )


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return api_error_response(exc)


async def _forbidden(request: Request, exc: Exception) -> Response:
    return error_response(
        request, 403, "Not allowed", "Your role does not give you access to this page."
    )


async def _bad_signature(request: Request, exc: Exception) -> Response:
    return PlainTextResponse(
        "The request's X-Twilio-Signature is missing or does not match.", status_code=403
    )


async def _csrf_failed(request: Request, exc: Exception) -> Response:
    return error_response(
        request,
        403,
        "Form expired",
        "This form was not sent from an agency page or has expired. Reload the page and try again.",
    )


async def _not_found(request: Request, exc: Exception) -> Response:
    what = exc.what if isinstance(exc, NotFound) else "page"
    return error_response(
        request, 404, "Not found", f"There is no such {what}, or you may not see it."
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        return await _not_found(request, exc)
    response = error_response(request, exc.status_code, "Request refused", str(exc.detail))
    response.headers.update(exc.headers or {})  # e.g. 401's WWW-Authenticate
    if exc.status_code == 405:  # Starlette names the first route's methods only
        response.headers["Allow"] = ", ".join(_allowed_methods(request))
    return response


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route answers at this path."""
    methods: set[str] = set()
    for context in iter_route_contexts(request.app.routes):
        if (
            context.methods
            and context.path
            and compile_path(context.path)[0].match(request.url.path)
        ):
            methods |= context.methods
    return sorted(methods)


def _too_large(scope: Scope, exc: BodyTooLarge) -> Response:
    """413: the body is over its route's limit.  The connection is closed after the
    answer: the rest of the body is not read."""
    response = error_response(Request(scope), 413, "Too large", exc.message)
    response.headers["Connection"] = "close"
    return response


async def _body_too_large(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BodyTooLarge)
    return _too_large(request.scope, exc)


def _body_limits() -> Limits:
    """Each route's body limit, from the settings (read per request: they are cached)."""
    settings = get_settings()
    return Limits(
        default=Limit(
            settings.max_form_kb * 1024,
            f"The request is larger than {settings.max_form_kb} KB, the limit for forms "
            "and JSON actions.",
        ),
        routes={
            ("POST", "/placements"): Limit(
                settings.max_upload_mb * 1024 * 1024 + 64 * 1024,  # the form around the file
                f"The file is larger than {settings.max_upload_mb} MB. "
                "Split it, or send it by the API or the command line.",
            ),
            ("POST", "/api/v1/placements"): Limit(
                settings.max_push_mb * 1024 * 1024,
                f"the body is larger than {settings.max_push_mb} MB; split the batch",
            ),
            ("POST", trust_views.IMPORT_ROUTE): Limit(
                bank_statement.MAX_BYTES + 64 * 1024,
                "The bank statement is larger than 10 MB: import it a day or a week at a time.",
            ),
            ("POST", "/api/v1/compliance/evaluate"): Limit(
                MAX_SCENARIO_BYTES, "the scenario is larger than 10 MB"
            ),
        },
        patterns=[("POST", uploads.DISPUTE_ROUTE, uploads.DISPUTE_LIMIT)],
    )


async def _database_busy(request: Request, exc: Exception) -> Response:
    """A lock or statement timeout (PostgreSQL) or a locked database (SQLite): nothing
    was saved, and trying again shortly is the answer."""
    assert isinstance(exc, OperationalError)
    if not is_timeout(exc):
        return await _server_error(request, exc)
    log.warning(
        "database busy (%s) on %s %s", type(exc.orig).__name__, request.method, request.url.path
    )
    response = error_response(
        request,
        503,
        "Busy",
        "Someone else is changing the same record. Nothing was saved; try again in a moment.",
    )
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


RETRY_AFTER_SECONDS = 2


async def _hashing_busy(request: Request, exc: Exception) -> Response:
    response = error_response(
        request, 503, "Busy", "Too many sign-ins at once. Nothing was saved; try again shortly."
    )
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


async def _invalid_request(request: Request, exc: Exception) -> Response:
    """A bad path or query value: say which parameter and what is wrong with it."""
    assert isinstance(exc, RequestValidationError)
    fields: dict[str, str] = {}
    for error in exc.errors():
        name = ".".join(str(part) for part in error["loc"][1:]) or str(error["loc"][0])
        fields.setdefault(name, phrase(error))
    if _wants_json(request):
        return JSONResponse({"detail": "invalid request", "errors": fields}, status_code=422)
    detail = "; ".join(f"{_label(field)} {message}" for field, message in fields.items())
    return error_response(request, 422, "Some values could not be used", detail + ".")


def _label(parameter: str) -> str:
    """A parameter as a person reads it: ``client_id`` -> "Client", ``q`` -> "Search"."""
    if parameter == "q":
        return "Search"
    return parameter.removesuffix("_id").replace("_", " ").capitalize()


async def _response_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ResponseError)
    return exc.response


async def _server_error(request: Request, exc: Exception) -> Response:
    # The exception type only: messages and tracebacks may quote personal data.
    log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path)
    return error_response(
        request,
        500,
        "Something went wrong",
        "The request failed and nothing was saved. Please try again.",
    )


class PerRequest:
    """Security headers (and ``Cache-Control: no-store`` on all but static files), the
    CSRF cookie, and an access log line, on every response the application gives (a
    plain ASGI middleware: Starlette's ``BaseHTTPMiddleware`` would run each request in
    an extra task with its body piped through memory streams).

    The log line has the path but never the query string: searches carry consumer
    names, and personal data does not go to logs.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # unless a response comes back: an unhandled fault is answered outside
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if not static:  # pages, downloads and API answers may carry personal data
                    headers.setdefault("Cache-Control", "no-store")
                message["headers"].extend(csrf.cookie_headers(scope))
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            access_log.info(
                "%s %s %s %.0fms",
                scope["method"],
                scope["path"],
                status,
                (time.perf_counter() - started) * 1000,
            )


@asynccontextmanager
async def _lifespan(_app: FastAPI) -> AsyncIterator[None]:
    """Before the first request: load what is otherwise loaded lazily (the ZIP table),
    then move every object alive now out of the garbage collector's sight — they live as
    long as the process, and a full collection walking them all stalls requests."""
    timezones.warm()
    gc.collect()
    gc.freeze()
    yield


@asynccontextmanager
async def _serving_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """The lifespan of the process's own server (``agency serve``): at shutdown, once the
    grace time is over, in-process jobs stop at their next unit of work and a request
    still waiting on the database is cancelled (it rolls back), so the process exits."""
    sandbox.warm()  # the first preview of a file need not wait for it
    async with _lifespan(app):
        yield
    worker.stopping.set()
    cancel_in_flight(sparing=worker.JOB_THREAD)


def serving_app() -> FastAPI:
    """The application ``agency serve`` runs: the one that owns its process."""
    return create_app(lifespan=_serving_lifespan)


def create_app(*, lifespan: Lifespan = _lifespan) -> FastAPI:
    env.globals["csrf_token"] = csrf.csrf_token
    app = FastAPI(
        lifespan=lifespan,
        title="agency",
        summary="Back office of a third-party collection agency",
        dependencies=[Depends(refuse_nul), Depends(csrf.verify)],
        docs_url=None,  # served below from vendored Swagger UI: no CDN, CSP-clean
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        openapi_url="/api/openapi.json",
    )
    app.mount("/static", StaticFiles(directory=ROOT / "static"), name="static")
    app.include_router(auth_views.router, include_in_schema=False)
    app.include_router(clients_views.router, include_in_schema=False)
    app.include_router(user_views.router, include_in_schema=False)
    app.include_router(cases_views.router, include_in_schema=False)
    app.include_router(client_views.router, include_in_schema=False)
    app.include_router(action_views.router, include_in_schema=False)
    app.include_router(supervisor_views.router, include_in_schema=False)
    app.include_router(rule_views.router, include_in_schema=False)
    app.include_router(team_views.router, include_in_schema=False)
    app.include_router(reassign_views.router, include_in_schema=False)
    app.include_router(bulk_move_views.router, include_in_schema=False)
    app.include_router(referrals_views.router, include_in_schema=False)
    app.include_router(compliance_views.router, include_in_schema=False)
    app.include_router(referrals_api.router)
    app.include_router(reports_api.router)
    app.include_router(compliance_api.router)
    app.include_router(schedule_api.router)
    app.include_router(outreach_webhooks.router)
    app.include_router(opt_out_views.router, include_in_schema=False)
    app.include_router(outbox_views.router, include_in_schema=False)
    app.include_router(template_views.router, include_in_schema=False)
    app.include_router(provider_views.router, include_in_schema=False)
    app.include_router(sender_views.router, include_in_schema=False)
    # Before the editor's: its /supervisor/strategies/{id} would take "health".
    app.include_router(strategy_health_views.router, include_in_schema=False)
    app.include_router(strategy_dry_run_views.router, include_in_schema=False)
    app.include_router(strategy_editor_views.router, include_in_schema=False)
    app.include_router(strategy_rule_views.router, include_in_schema=False)
    app.include_router(strategy_experiment_views.router, include_in_schema=False)
    app.include_router(experiment_views.router, include_in_schema=False)
    app.include_router(outreach_case_views.router, include_in_schema=False)
    app.include_router(strategy_case_views.router, include_in_schema=False)
    app.include_router(posting_views.router, include_in_schema=False)
    app.include_router(commission_views.router, include_in_schema=False)
    app.include_router(statement_views.router, include_in_schema=False)
    app.include_router(remittance_views.router, include_in_schema=False)
    app.include_router(statement_portal_views.router, include_in_schema=False)
    app.include_router(report_portal_views.router, include_in_schema=False)
    app.include_router(webhook_views.router, include_in_schema=False)
    app.include_router(trust_views.router, include_in_schema=False)
    app.include_router(send_views.router, include_in_schema=False)
    app.include_router(validation_notice_views.router, include_in_schema=False)
    app.include_router(letter_views.router, include_in_schema=False)
    app.include_router(outreach_call_views.router, include_in_schema=False)
    app.include_router(outreach_voice_webhooks.router)
    app.include_router(arrangement_views.router, include_in_schema=False)
    app.include_router(arrangement_approval_views.router, include_in_schema=False)
    app.include_router(stripe_webhooks.router)
    app.include_router(payment_charge_views.router, include_in_schema=False)
    app.include_router(payment_provider_views.router, include_in_schema=False)
    app.include_router(receipt_views.router, include_in_schema=False)
    app.include_router(self_service_views.router, include_in_schema=False)
    app.include_router(self_service_actions.router, include_in_schema=False)
    app.include_router(self_service_pay.router, include_in_schema=False)
    app.include_router(self_service_plan.router, include_in_schema=False)
    app.include_router(self_service_staff.router, include_in_schema=False)

    @app.get("/healthz", include_in_schema=False)
    def healthz(db: DbSession) -> dict[str, str]:
        db.execute(text("SELECT 1"))
        return {"status": "ok"}

    @app.get("/api/docs", include_in_schema=False)
    def api_docs(request: Request) -> Response:
        return render(request, "api_docs.html")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return RedirectResponse("/static/favicon.svg", status_code=301)

    app.add_middleware(BodyLimit, limits=_body_limits, refuse=_too_large)
    app.add_middleware(PerRequest)
    app.add_middleware(BlankQueryValues)
    app.add_exception_handler(NotAuthenticated, _not_authenticated)
    app.add_exception_handler(Forbidden, _forbidden)
    app.add_exception_handler(ApiKeyRejected, _api_key_rejected)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(csrf.CsrfFailed, _csrf_failed)
    app.add_exception_handler(outreach_webhooks.BadSignature, _bad_signature)
    app.add_exception_handler(NotFound, _not_found)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(ResponseError, _response_error)
    app.add_exception_handler(BodyTooLarge, _body_too_large)
    app.add_exception_handler(OperationalError, _database_busy)
    app.add_exception_handler(HashingBusy, _hashing_busy)
    app.add_exception_handler(Exception, _server_error)
    return app
