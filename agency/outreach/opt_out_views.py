"""The e-mail opt-out link's page: ``GET`` asks to confirm (a link scanner following it
changes nothing), ``POST`` records the opt-out — from the page's button, or in one click
from the consumer's mail program (RFC 8058: ``List-Unsubscribe=One-Click``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from agency.db import DbSession
from agency.kit.templates import render
from agency.outreach import opt_out

router = APIRouter(prefix=opt_out.PATH)


def _valid(token: str) -> bool:
    try:
        opt_out.point_of(token)
    except ValueError:
        return False
    return True


@router.get("/{token}")
def confirm(request: Request, token: str) -> Response:
    valid = _valid(token)
    return render(
        request,
        "outreach/opt_out.html",
        {"token": token, "valid": valid, "done": False},
        status_code=200 if valid else 404,
    )


@router.post("/{token}")
def record(request: Request, db: DbSession, token: str) -> Response:
    if not _valid(token):
        return render(
            request,
            "outreach/opt_out.html",
            {"token": token, "valid": False, "done": False},
            status_code=404,
        )
    opt_out.opt_out(db, token)
    return render(request, "outreach/opt_out.html", {"token": token, "valid": True, "done": True})
