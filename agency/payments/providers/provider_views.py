"""The payment provider's settings, for admins (``GET /payments/providers``): which
provider takes cards and bank accounts, what is configured (never a secret), the
webhook address and events to give Stripe, the sandbox's test numbers, and what a
half-done configuration breaks, in words (``status``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from agency.auth.models import Role, User
from agency.auth.permissions import require
from agency.config import get_settings
from agency.kit.templates import render
from agency.payments.providers.status import status

router = APIRouter()
Admin = Annotated[User, Depends(require(Role.ADMIN))]


@router.get("/payments/providers")
def payment_provider_settings(request: Request, _: Admin) -> Response:
    """The settings as this process read them from its environment."""
    return render(request, "payments/providers/settings.html", {"status": status(get_settings())})
