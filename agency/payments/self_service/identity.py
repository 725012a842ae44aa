"""The one identity check of the consumer's page: the last name, and the date of birth
or the postal code, as the case's client placed them (the date of birth is the
consumer's).  Names compare case-insensitively, without accents, spaces or punctuation
("José de la Cruz" = "jose delacruz"); postal codes without spaces or dashes (a US
ZIP+4 matches its five digits).

Throttled like the sign-in (``agency.auth.service.begin_password_check``: the attempt is
written and counted per link and client address, and per address over every link and
account), and after ``MAX_FAILURES`` wrong answers the case's links are locked for
``LOCK_FOR``.  The access row is locked while an answer is counted, so two wrong tries
at once both count."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from agency.auth import service as auth_service
from agency.cases.models import Case
from agency.kit import clock
from agency.payments.self_service import links

MAX_FAILURES = 5
LOCK_FOR = timedelta(hours=1)


class Locked(Exception):
    """Too many wrong answers: the case's links are locked until ``until``."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"locked until {until.isoformat()}")
        self.until = until


class Throttled(Exception):
    """Too many tries from this address (the sign-in's throttling): wait ``seconds``."""

    def __init__(self, seconds: int) -> None:
        super().__init__(f"retry after {seconds} s")
        self.seconds = seconds


@dataclass(frozen=True, slots=True)
class Answer:
    last_name: str
    date_of_birth: date | None = None
    postal_code: str | None = None


def folded(text: str) -> str:
    """A name as compared: case-folded, accents dropped, only letters and digits."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c))


def postal(text: str) -> str:
    return "".join(c for c in text.upper() if c.isalnum())


def _postal_matches(given: str, placed: str | None, country: str) -> bool:
    if not placed or not postal(given):
        return False
    a, b = postal(given), postal(placed)
    if country == "US":
        return a[:5] == b[:5] and len(a) in (5, 9)
    return a == b


def matches(case: Case, answer: Answer) -> bool:
    """Whether ``answer`` is this case's consumer (no throttling, no counting)."""
    if not folded(answer.last_name) or folded(answer.last_name) != folded(case.last_name):
        return False
    if answer.date_of_birth is not None:
        return case.consumer.date_of_birth == answer.date_of_birth
    if answer.postal_code is not None:
        return _postal_matches(answer.postal_code, case.postal_code, case.country)
    return False


def check(db: Session, *, case: Case, answer: Answer, client_ip: str) -> bool:
    """Count one answer for ``case``'s page: True when it is the consumer.  A wrong one is
    a failure (the fifth locks the links for an hour).  Raises ``Locked`` while locked
    and ``Throttled`` when this address has tried too often (neither counts a try)."""
    access = links.access_for_update(db, case.id)
    now = clock.now()
    until = links.locked_until(access)
    if until is not None:
        raise Locked(until)
    try:
        key = auth_service.begin_password_check(
            db, email=f"self-service:{case.id}", client_ip=client_ip
        )
    except auth_service.LoginThrottled as exc:
        raise Throttled(exc.retry_after) from None
    if matches(case, answer):
        auth_service.end_password_check(db, account_key=key)
        access.failures = 0
        access.last_opened_at = now
        db.flush()
        return True
    access.failures += 1
    if access.failures >= MAX_FAILURES:
        access.failures = 0
        access.locked_until = now + LOCK_FOR
    db.flush()
    return False
