"""What the compliance workspace's screens share: who may read and who may act, the UTC
days they count in, and form errors in sentences.

htmx 2 does not swap 4xx answers, so a form that htmx swaps gets its inline errors with
status 200, while the same form submitted as a page answers 422.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import Depends, Request

from agency.auth.models import Role, User
from agency.auth.permissions import require
from agency.kit import clock
from agency.kit.templates import is_htmx

# Compliance officers work here; admins may look (they change nothing here).
Readers = Annotated[User, Depends(require(Role.COMPLIANCE, Role.ADMIN))]
Officer = Annotated[User, Depends(require(Role.COMPLIANCE))]


def start_of(day: date) -> datetime:
    """Midnight UTC at the start of ``day``."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def utc_today() -> date:
    """Today's date in UTC (the workspace counts in UTC days)."""
    return clock.now().astimezone(UTC).date()


def form_status(request: Request, errors: Mapping[str, str]) -> int:
    """422 for a page with errors; 200 for an htmx swap (htmx does not swap a 4xx)."""
    return 422 if errors and not is_htmx(request) else 200


def sentence(message: str) -> str:
    """``message`` with its first letter in capitals."""
    return message[:1].upper() + message[1:]


def labelled(errors: Mapping[str, str], labels: Mapping[str, str]) -> dict[str, str]:
    """Schema errors ("is required") as sentences that name the field."""
    result: dict[str, str] = {}
    for name, message in errors.items():
        key = name.split(".", 1)[0]
        message = message.replace("input should be", "must be", 1)
        if key == "__all__":
            result[key] = sentence(message)
        else:
            result[key] = f"{labels.get(key, key.replace('_', ' ').capitalize())} {message}."
    return result


def service_errors(message: str, fields: Mapping[str, str] | None = None) -> dict[str, str]:
    """A ComplianceError message ("contact point: not one of ...") as form errors: the
    whole sentence at the top, and the field its prefix names marked (through ``fields``,
    prefix -> field; without it the prefix is the field's name)."""
    prefix = message.split(":", 1)[0].strip()
    errors = {"__all__": sentence(message)}
    field = prefix if fields is None else fields.get(prefix)
    if field is not None:
        errors[field] = errors["__all__"]
    return errors
