"""The provider settings' status, for admins: which provider each channel uses, what is
configured (never a secret), the webhook addresses for Twilio's console, and what a
half-done configuration breaks, in words (``provider_status``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from agency.auth.models import Role, User
from agency.auth.permissions import require
from agency.config import get_settings
from agency.kit.templates import render
from agency.outreach.provider_status import status

router = APIRouter()
Admin = Annotated[User, Depends(require(Role.ADMIN))]


@router.get("/outreach/providers")
def provider_settings(request: Request, _: Admin) -> Response:
    """The settings as they are in this process (they are read from the environment
    when it starts)."""
    return render(request, "outreach/providers.html", {"status": status(get_settings())})
