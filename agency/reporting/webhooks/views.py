"""The merchant's webhooks (``/portal/webhooks``): register an endpoint with the events
it wants (its secret shown once, on the page that answers the registration), see each
endpoint's deliveries (status, answer, time, attempts), resend one, send a test event,
rotate the secret (the new one shown once; the old one keeps signing for a day), and
disable it.  Only the signed-in merchant user's own client's."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from agency.clients.models import Client
from agency.db import DbSession
from agency.kit import flash
from agency.kit.errors import NotFound, ResponseError
from agency.kit.forms import FormError, PostedForm, form_values
from agency.kit.params import MAX_ID, RowId
from agency.kit.templates import render
from agency.reporting.portal_views import Merchant
from agency.reporting.scope import client_of
from agency.reporting.webhooks import deliveries, endpoints
from agency.reporting.webhooks.events import EVENTS
from agency.reporting.webhooks.models import WebhookEndpoint

router = APIRouter(prefix="/portal/webhooks")


def _client(db: DbSession, user: Merchant) -> Client:
    return client_of(db, client_id=user.client_id or 0)


def _endpoint(db: DbSession, user: Merchant, endpoint_id: int) -> WebhookEndpoint:
    found = endpoints.get(db, client_id=user.client_id or 0, endpoint_id=endpoint_id)
    if found is None:
        raise NotFound("webhook endpoint")
    return found


def _list_page(request: Request, db: DbSession, client: Client, values: dict[str, str],
               chosen: list[str], errors: dict[str, str]) -> Response:  # fmt: skip
    context = {"client": client, "endpoints": endpoints.of_client(db, client_id=client.id),
               "events": EVENTS, "values": values, "chosen": chosen, "errors": errors}  # fmt: skip
    return render(request, "reporting/webhooks.html", context)


def _page_of(endpoint: WebhookEndpoint) -> str:
    return f"/portal/webhooks/{endpoint.id}"


@router.get("")
def webhook_list(request: Request, db: DbSession, user: Merchant) -> Response:
    return _list_page(request, db, _client(db, user), {}, [], {})


@router.post("")
def register(request: Request, posted: PostedForm, db: DbSession, user: Merchant) -> Response:
    client = _client(db, user)
    values = form_values(posted)
    chosen = [v for v in posted.getlist("events") if isinstance(v, str)]
    try:
        made = endpoints.register(db, client_id=client.id, url=values.get("url", ""),
                                  description=values.get("description", ""), events=chosen,
                                  by_user_id=user.id)  # fmt: skip
    except FormError as exc:
        page = _list_page(request, db, client, values, chosen, exc.errors)
        page.status_code = 422
        raise ResponseError(page) from exc
    return _secret_page(request, made.endpoint, made.secret, "registered")


def _secret_page(request: Request, endpoint: WebhookEndpoint, secret: str, what: str) -> Response:
    context = {"endpoint": endpoint, "secret": secret, "what": what}
    response = render(request, "reporting/webhook_secret.html", context)
    response.headers["Cache-Control"] = "no-store"  # the secret is shown this once
    return response


@router.get("/{endpoint_id}")
def endpoint_page(
    request: Request,
    db: DbSession,
    user: Merchant,
    endpoint_id: RowId,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    endpoint = _endpoint(db, user, endpoint_id)
    log = endpoints.log(db, endpoint=endpoint, before=before)
    older = log[-1].id if len(log) == endpoints.LOG_PAGE else None
    context = {"endpoint": endpoint, "log": log, "older": older, "events": EVENTS}
    return render(request, "reporting/webhook.html", context)


@router.post("/{endpoint_id}/test")
def send_test(db: DbSession, user: Merchant, endpoint_id: RowId) -> Response:
    endpoint = _endpoint(db, user, endpoint_id)
    if endpoint.disabled_at is not None:
        return flash.redirect(_page_of(endpoint), "This endpoint is disabled.")
    deliveries.send_test(db, endpoint=endpoint)
    return flash.redirect(
        f"/portal/webhooks/{endpoint.id}", "Test event queued: it appears below once sent."
    )


@router.post("/{endpoint_id}/rotate")
def rotate(request: Request, db: DbSession, user: Merchant, endpoint_id: RowId) -> Response:
    endpoint = _endpoint(db, user, endpoint_id)
    return _secret_page(request, endpoint, endpoints.rotate(db, endpoint=endpoint), "rotated")


@router.post("/{endpoint_id}/disable")
def disable(db: DbSession, user: Merchant, endpoint_id: RowId) -> Response:
    endpoint = _endpoint(db, user, endpoint_id)
    endpoints.disable(db, endpoint=endpoint)
    return flash.redirect(
        f"/portal/webhooks/{endpoint.id}", "Endpoint disabled: nothing more is sent to it."
    )


@router.post("/{endpoint_id}/deliveries/{delivery_id}/resend")
def resend(db: DbSession, user: Merchant, endpoint_id: RowId, delivery_id: RowId) -> Response:
    endpoint = _endpoint(db, user, endpoint_id)
    delivery = endpoints.delivery_of(db, endpoint=endpoint, delivery_id=delivery_id)
    if delivery is None:
        raise NotFound("delivery")
    if endpoint.disabled_at is not None:
        return flash.redirect(_page_of(endpoint), "This endpoint is disabled.")
    deliveries.resend(db, delivery=delivery)
    return flash.redirect(
        f"/portal/webhooks/{endpoint.id}",
        f"Event {delivery.event_id} queued again, with the same id.",
    )
