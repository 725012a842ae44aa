"""What one report request is about, for the portal and the API alike: the client, the
currency shown (the one asked for if the client has figures in it, else the client's),
the agency's today, and the days of a recoveries report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy.orm import Session

from agency.clients import service as clients_service
from agency.clients.models import Client
from agency.kit import clock
from agency.kit.errors import NotFound
from agency.reporting import figures

RECOVERY_DAYS = 30  # the default window, to today
MAX_RECOVERY_DAYS = 731  # two years of days at once
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)
CurrencyParam = Annotated[
    str | None, Query(pattern=r"^[A-Z]{3}$", description="ISO 4217 code; the client's by default")
]


class Period(BaseModel):
    start: date | None = None
    end: date | None = None


def period_params(
    start: Annotated[
        date | None, Query(ge=EARLIEST, le=LATEST, description="the first day (ISO)")
    ] = None,
    end: Annotated[
        date | None, Query(ge=EARLIEST, le=LATEST, description="the last day; today by default")
    ] = None,
) -> Period:
    """FastAPI dependency: a recoveries report's days as asked."""
    return Period(start=start, end=end)


@dataclass(frozen=True, slots=True)
class Scope:
    client: Client
    currency: str
    currencies: list[str]
    today: date


def client_of(db: Session, *, client_id: int) -> Client:
    """The client a report is about (a merchant user's, an API key's)."""
    client = clients_service.get_client(db, client_id=client_id)
    if client is None:
        raise NotFound("client")
    return client


def scope_for(db: Session, *, client_id: int, currency: str | None) -> Scope:
    client = client_of(db, client_id=client_id)
    choices = sorted(set(figures.currencies(db, client_id=client.id)) | {client.currency})
    chosen = currency if currency in choices else client.currency
    return Scope(client, chosen, choices, clock.office_date())


def recovery_days(
    scope: Scope, start: date | None, end: date | None
) -> tuple[date, date, str | None]:
    """The first and last day to show, and why they differ from those asked, if they do."""
    last = end or scope.today
    first = start or last - timedelta(days=RECOVERY_DAYS - 1)
    if first > last:
        default = last - timedelta(days=RECOVERY_DAYS - 1)
        return (
            default,
            last,
            f"The first day is after the last: showing the {RECOVERY_DAYS} days to the last.",
        )
    if (last - first).days >= MAX_RECOVERY_DAYS:
        first = last - timedelta(days=MAX_RECOVERY_DAYS - 1)
        return (
            first,
            last,
            f"At most {MAX_RECOVERY_DAYS} days at once: showing those to the last day.",
        )
    return first, last, None
