"""The consumer's self-service link: ``/pay/{token}``, the token signed by outreach's
``composing.self_service_link`` ({"case", "consumer"}, purpose "self-service").

A link works while its signature holds, it is at most ``self_service_link_days`` old,
the case exists and is still the consumer's, and it was signed after the case's links
were last revoked (``SelfServiceAccess.revoked_before``).  itsdangerous' timestamps are
whole seconds, so a revocation is kept to the second and refuses the links signed in
the seconds before it: a link made right after it (the one staff copy) works at once.
Every other link is refused alike (``LinkRefused``): the page says the same for a
tampered, expired, revoked or unknown one, so it tells a guesser nothing.  Being
locked after failed identity checks is separate (``locked_until``): the person who made
the tries is told to wait."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agency.cases import self_service_effects as cases_effects
from agency.cases.models import Case
from agency.config import get_settings
from agency.kit import clock, signed
from agency.outreach.composing import SELF_SERVICE
from agency.payments.models import SelfServiceAccess

PATH = "/pay"


class LinkRefused(Exception):
    """The link does not open the page (tampered, expired, revoked or unknown)."""


@dataclass(frozen=True, slots=True)
class Link:
    case_id: int
    consumer_id: int
    signed_at: datetime
    token: str

    @property
    def path(self) -> str:
        return f"{PATH}/{self.token}"


def token_for(case_id: int, consumer_id: int) -> str:
    """A new token for the case's page, in outreach's format."""
    return signed.sign(SELF_SERVICE, {"case": case_id, "consumer": consumer_id})


def link_for(case_id: int, consumer_id: int) -> str:
    """The path of a new link to the consumer's page for ``case_id``."""
    return f"{PATH}/{token_for(case_id, consumer_id)}"


def max_age() -> timedelta:
    return timedelta(days=get_settings().self_service_link_days)


def read(token: str) -> Link:
    """The link's case and consumer if its signature and age hold (no database)."""
    try:
        payload, signed_at = signed.unsign_timed(
            SELF_SERVICE, token, max_age_seconds=int(max_age().total_seconds())
        )
    except ValueError:
        raise LinkRefused from None
    case_id, consumer_id = payload.get("case"), payload.get("consumer")
    if type(case_id) is not int or type(consumer_id) is not int:
        raise LinkRefused
    return Link(case_id=case_id, consumer_id=consumer_id, signed_at=signed_at, token=token)


def verify(db: Session, token: str, *, lock: bool = False) -> tuple[Link, Case]:
    """The link and its case (with consumer, client, contract; the case row locked when
    ``lock``), or ``LinkRefused``."""
    link = read(token)
    case = cases_effects.page_case(db, case_id=link.case_id, lock=lock)
    if case is None or case.consumer_id != link.consumer_id:
        raise LinkRefused
    access = db.scalar(select(SelfServiceAccess).where(SelfServiceAccess.case_id == case.id))
    if revoked(access, link):
        raise LinkRefused
    return link, case


def revoked(access: SelfServiceAccess | None, link: Link) -> bool:
    if access is None or access.revoked_before is None:
        return False
    return link.signed_at < _aware(access.revoked_before)


def _aware(at: datetime) -> datetime:
    """SQLite hands back naive UTC datetimes."""
    return at if at.tzinfo is not None else at.replace(tzinfo=clock.now().tzinfo)


def access_for_update(db: Session, case_id: int) -> SelfServiceAccess:
    """The case's access row, made if it has none, locked until the transaction ends
    (PostgreSQL; SQLite has one writer at a time): two identity checks at once count one
    after the other."""
    query = select(SelfServiceAccess).where(SelfServiceAccess.case_id == case_id)
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    access = db.scalar(query)
    if access is not None:
        return access
    try:
        with db.begin_nested():
            db.add(SelfServiceAccess(case_id=case_id, failures=0))
    except IntegrityError:
        pass  # made by a check at the same moment: read it below, locked
    access = db.scalar(query)
    assert access is not None
    return access


def locked_until(access: SelfServiceAccess | None) -> datetime | None:
    """When a lock after failed identity checks ends, if one is on now."""
    if access is None or access.locked_until is None:
        return None
    until = _aware(access.locked_until)
    return until if until > clock.now() else None


def access_of(db: Session, case_id: int) -> SelfServiceAccess | None:
    return db.scalar(select(SelfServiceAccess).where(SelfServiceAccess.case_id == case_id))


def revoke(db: Session, *, case_id: int, by_user_id: int) -> SelfServiceAccess:
    """Refuse every link of the case signed before this second (staff: a link sent to
    the wrong address, a consumer's request); a link made from now on works."""
    access = access_for_update(db, case_id)
    access.revoked_before = clock.now().replace(microsecond=0)
    access.revoked_by_id = by_user_id
    db.flush()
    return access
