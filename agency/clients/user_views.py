"""The admin's user screens: who may sign in, in which role, and for a merchant user the
client it belongs to.

They live here, above auth, because the form offers the clients to choose from: auth
knows users and sessions and imports no client (the layers in pyproject.toml)."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from agency.auth import service as auth_service
from agency.auth.hashing import HashingSlot
from agency.auth.models import Role, User
from agency.auth.permissions import require
from agency.auth.schemas import NewUserForm, UserForm
from agency.clients import service
from agency.db import DbSession
from agency.kit import flash
from agency.kit.errors import NotFound
from agency.kit.forms import PostedForm, submit
from agency.kit.pagination import PageRequest, page_request
from agency.kit.params import RowId
from agency.kit.templates import render

router = APIRouter()
Admin = Annotated[User, Depends(require(Role.ADMIN))]


@router.get("/admin/users")
def users(
    request: Request,
    db: DbSession,
    _: Admin,
    page: Annotated[PageRequest, Depends(page_request)],
    role: Role | None = None,
) -> Response:
    return render(
        request,
        "clients/users.html",
        {
            "page": auth_service.list_users(db, page, role=role),
            "roles": list(Role),
            "role": role,
        },
    )


def _user_form(
    request: Request,
    db: DbSession,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    *,
    user: User | None,
) -> Response:
    return render(
        request,
        "clients/user_form.html",
        {
            "edited": user,
            "values": values,
            "errors": errors or {},
            "role_options": [(role.value, role.label) for role in Role],
            "client_options": [(c.id, f"{c.name} ({c.code})") for c in service.all_clients(db)],
        },
    )


def _values_of(user: User) -> dict[str, str]:
    return {
        "email": user.email,
        "full_name": user.full_name,
        "role": user.role.value,
        "client_id": str(user.client_id or ""),
        "is_active": "on" if user.is_active else "",
    }


@router.get("/admin/users/new")
def new_user(request: Request, db: DbSession, _: Admin) -> Response:
    return _user_form(request, db, {"is_active": "on", "role": "agent"}, user=None)


def _create(db: DbSession, data: NewUserForm) -> User:
    service.check_client_choice(db, client_id=data.client_id)
    return auth_service.create_user(db, data=data)


@router.post("/admin/users/new")
def create_user(
    request: Request, posted: PostedForm, _slot: HashingSlot, db: DbSession, _: Admin
) -> Response:
    submit(posted, NewUserForm, partial(_create, db), partial(_user_form, request, db, user=None))
    return flash.redirect("/admin/users", "User created: they can sign in now.")


def _user_or_404(db: DbSession, user_id: int) -> User:
    user = auth_service.get_user(db, user_id=user_id)
    if user is None:
        raise NotFound("user")
    return user


@router.get("/admin/users/{user_id}")
def edit_user(request: Request, db: DbSession, _: Admin, user_id: RowId) -> Response:
    user = _user_or_404(db, user_id)
    return _user_form(request, db, _values_of(user), user=user)


@router.post("/admin/users/{user_id}")
def update_user(
    request: Request,
    posted: PostedForm,
    _slot: HashingSlot,
    db: DbSession,
    admin: Admin,
    user_id: RowId,
) -> Response:
    user = _user_or_404(db, user_id)

    def save(data: UserForm) -> User:
        service.check_client_choice(db, client_id=data.client_id)
        return auth_service.update_user(db, user=user, data=data, acting_user=admin)

    submit(posted, UserForm, save, partial(_user_form, request, db, user=user))
    return flash.redirect("/admin/users", "User saved.")
