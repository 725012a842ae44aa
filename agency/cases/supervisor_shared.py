"""What the supervisor's screens share: who may open them (``Supervisor``: admins and
supervisors), reading a posted form with its ticked boxes, saving a form or answering it
again with its errors, and people's names by id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated, TypeVar

from fastapi import Depends
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from agency.auth import service as auth_service
from agency.auth.models import Role, User
from agency.auth.permissions import require
from agency.kit.forms import form_values, or_refuse, parse

Supervisor = Annotated[User, Depends(require(Role.ADMIN, Role.SUPERVISOR))]
Schema = TypeVar("Schema", bound=BaseModel)


def posted_values(form: FormData, *lists: str) -> dict[str, str]:
    """The posted values; each name in ``lists`` (ticked boxes) joined with commas."""
    values = form_values(form)
    for name in lists:
        values[name] = ",".join(str(v) for v in form.getlist(name) if isinstance(v, str))
    return values


def save_or_refuse(
    values: dict[str, str],
    schema: type[Schema],
    save: Callable[[Schema], object],
    page: Callable[[dict[str, str], dict[str, str]], Response],
) -> None:
    """Parse and save, or answer the form again with its errors (422, rolled back)."""
    or_refuse(lambda: save(parse(schema, values)), lambda exc: page(values, exc.errors))


def people_names(db: Session, user_ids: Iterable[int]) -> dict[int, str]:
    """Each user's full name by id."""
    return {u.id: u.full_name for u in auth_service.users_by_ids(db, sorted(set(user_ids)))}
