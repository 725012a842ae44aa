"""What the commission domain's admin screens share: who may use them, the office's
today, and a refusal put as a sentence."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends

from agency.auth.models import Role, User
from agency.auth.permissions import require
from agency.commission.refusals import StatementRefused
from agency.kit import clock

Admin = Annotated[User, Depends(require(Role.ADMIN))]


def today() -> date:
    """Today in the agency's time zone."""
    return clock.now().astimezone(clock.office_zone()).date()


def sentence(refused: StatementRefused) -> str:
    """A refusal as a sentence: "the period runs to …", "set how the client …"."""
    subject = "the period " if refused.field == "period" else ""
    return f"{subject}{refused.message}."
