"""Client and contract administration (admins).  The merchant portal and the case
figures on a client's page are cases' (``agency.cases.client_views``)."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from agency.auth.models import Role, User
from agency.auth.permissions import require
from agency.clients import repository, service
from agency.clients.models import Client, Contract
from agency.clients.schemas import ALLOCATION_ORDERS, ClientForm, ContractForm
from agency.db import DbSession
from agency.kit import flash
from agency.kit.errors import NotFound, ResponseError
from agency.kit.forms import FormError, PostedForm, submit
from agency.kit.pagination import PageRequest, page_request
from agency.kit.params import RowId
from agency.kit.templates import render

router = APIRouter()
Admin = Annotated[User, Depends(require(Role.ADMIN))]
Paging = Annotated[PageRequest, Depends(page_request)]


def _client_or_404(db: DbSession, client_id: int) -> Client:
    client = service.get_client(db, client_id=client_id)
    if client is None:
        raise NotFound("client")
    return client


def _contract_or_404(db: DbSession, client: Client, contract_id: int) -> Contract:
    contract = service.get_contract(db, contract_id=contract_id)
    if contract is None or contract.client_id != client.id:
        raise NotFound("contract")
    return contract


@router.get("/admin/clients")
def clients(request: Request, db: DbSession, _: Admin, page: Paging) -> Response:
    return render(request, "clients/list.html", {"page": repository.list_clients(db, page)})


def _client_form(
    request: Request,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    *,
    client: Client | None,
) -> Response:
    return render(
        request, "clients/form.html", {"client": client, "values": values, "errors": errors or {}}
    )


@router.get("/admin/clients/new")
def new_client(request: Request, _: Admin) -> Response:
    return _client_form(request, {"is_active": "on"}, client=None)


@router.post("/admin/clients/new")
def create_client(request: Request, posted: PostedForm, db: DbSession, _: Admin) -> Response:
    client = submit(
        posted,
        ClientForm,
        lambda data: service.save_client(db, data=data),
        partial(_client_form, request, client=None),
    )
    return flash.redirect(f"/admin/clients/{client.id}", f"Client {client.code} created.")


def _client_page(
    request: Request,
    db: DbSession,
    client: Client,
    *,
    new_key: str | None = None,
    key_error: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "clients/detail.html",
        {
            "client": client,
            "api_keys": service.api_keys_of(db, client=client),
            "new_key": new_key,
            "key_error": key_error,
        },
        status_code=status_code,
    )


@router.get("/admin/clients/{client_id}")
def client_detail(request: Request, db: DbSession, _: Admin, client_id: RowId) -> Response:
    return _client_page(request, db, _client_or_404(db, client_id))


@router.post("/admin/clients/{client_id}/api-keys")
def create_api_key(
    request: Request,
    posted: PostedForm,
    db: DbSession,
    admin: Admin,
    client_id: RowId,
) -> Response:
    """Make a key and show it once, on this response only: only its hash is kept."""
    client = _client_or_404(db, client_id)
    name = str(posted.get("name", ""))
    try:
        _, secret = service.create_api_key(db, client=client, name=name, created_by_id=admin.id)
    except FormError as exc:
        raise ResponseError(
            _client_page(request, db, client, key_error=exc.errors["name"], status_code=422)
        ) from exc
    return _client_page(request, db, client, new_key=secret, status_code=201)


@router.post("/admin/clients/{client_id}/api-keys/{key_id}/revoke")
def revoke_api_key(
    request: Request, db: DbSession, _: Admin, client_id: RowId, key_id: RowId
) -> Response:
    client = _client_or_404(db, client_id)
    if service.revoke_api_key(db, client=client, key_id=key_id) is None:
        raise NotFound("API key")
    return flash.redirect(f"/admin/clients/{client.id}#api-keys", "API key revoked.")


@router.get("/admin/clients/{client_id}/edit")
def edit_client(request: Request, db: DbSession, _: Admin, client_id: RowId) -> Response:
    client = _client_or_404(db, client_id)
    values = {field: str(getattr(client, field)) for field in ClientForm.model_fields}
    values["is_active"] = "on" if client.is_active else ""
    return _client_form(request, values, client=client)


@router.post("/admin/clients/{client_id}/edit")
def update_client(
    request: Request, posted: PostedForm, db: DbSession, _: Admin, client_id: RowId
) -> Response:
    client = _client_or_404(db, client_id)
    submit(
        posted,
        ClientForm,
        lambda data: service.save_client(db, data=data, client=client),
        partial(_client_form, request, client=client),
    )
    return flash.redirect(f"/admin/clients/{client.id}", f"Client {client.code} saved.")


def _contract_form(
    request: Request,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    *,
    client: Client,
    contract: Contract | None,
) -> Response:
    return render(
        request,
        "clients/contract_form.html",
        {
            "client": client,
            "contract": contract,
            "values": values,
            "errors": errors or {},
            "allocation_orders": [(o, o.replace(",", " → ")) for o in ALLOCATION_ORDERS],
        },
    )


@router.get("/admin/clients/{client_id}/contracts/new")
def new_contract(request: Request, db: DbSession, _: Admin, client_id: RowId) -> Response:
    client = _client_or_404(db, client_id)
    values = {
        "currency": client.currency,
        "settlements_allowed": "on",
        "grace_days": "5",
        "missed_to_break": "1",
        "allocation_order": "fees,interest,principal",
    }
    return _contract_form(request, values, client=client, contract=None)


@router.post("/admin/clients/{client_id}/contracts/new")
def create_contract(
    request: Request, posted: PostedForm, db: DbSession, _: Admin, client_id: RowId
) -> Response:
    client = _client_or_404(db, client_id)
    contract = submit(
        posted,
        ContractForm,
        lambda data: service.save_contract(db, client=client, data=data),
        partial(_contract_form, request, client=client, contract=None),
    )
    return flash.redirect(f"/admin/clients/{client.id}", f"Contract {contract.reference} created.")


@router.get("/admin/clients/{client_id}/contracts/{contract_id}")
def edit_contract(
    request: Request, db: DbSession, _: Admin, client_id: RowId, contract_id: RowId
) -> Response:
    client = _client_or_404(db, client_id)
    contract = _contract_or_404(db, client, contract_id)
    return _contract_form(
        request, ContractForm.values_of(contract), client=client, contract=contract
    )


@router.post("/admin/clients/{client_id}/contracts/{contract_id}")
def update_contract(
    request: Request,
    posted: PostedForm,
    db: DbSession,
    _: Admin,
    client_id: RowId,
    contract_id: RowId,
) -> Response:
    client = _client_or_404(db, client_id)
    contract = _contract_or_404(db, client, contract_id)
    submit(
        posted,
        ContractForm,
        lambda data: service.save_contract(db, client=client, data=data, contract=contract),
        partial(_contract_form, request, client=client, contract=contract),
    )
    return flash.redirect(f"/admin/clients/{client.id}", f"Contract {contract.reference} saved.")
