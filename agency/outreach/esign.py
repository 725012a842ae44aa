"""E-SIGN Act consents (15 U.S.C. 7001(c)): a consumer's consent to receive the
validation notice electronically at one of their e-mail addresses.  Reg F 1006.42(b)
lets a collector send the notice by e-mail only as E-SIGN allows, so an e-mailed notice
goes only to an address with a current consent (``consented_points``).

A consent records who took it, when the consumer gave it and how (in words, bounded);
withdrawing one keeps the row and says who withdrew it and when.  Services flush, never
commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from agency.cases.models import Channel, ContactPoint
from agency.kit import clock
from agency.kit.forms import FieldRefusal
from agency.outreach import repository as repo
from agency.outreach.models import ESignConsent

MAX_HOW = 200
# A consent is given at most this far back when it is recorded (a note of last year's
# consent belongs in the case notes, not here) and never in the future.
LONGEST_AGO = timedelta(days=366)


def consents_of(db: Session, consumer_id: int) -> list[ESignConsent]:
    """Every consent the consumer gave, withdrawn ones too, newest first."""
    return repo.esign_consents_of(db, consumer_id)


def consented_points(db: Session, consumer_id: int) -> set[int]:
    """The consumer's e-mail addresses with a current (not withdrawn) consent."""
    return current_of(consents_of(db, consumer_id))


def email_points(db: Session, consumer_id: int) -> list[ContactPoint]:
    return repo.consumer_points(db, consumer_id, Channel.EMAIL)


def record_consent(
    db: Session,
    *,
    consumer_id: int,
    contact_point_id: int,
    how: str,
    given_at: datetime | None,
    by_user_id: int,
) -> ESignConsent:
    """The consumer consented to electronic disclosures at one of their e-mail addresses
    (``how``: in words, e.g. "consumer confirmed by e-mail reply"); ``given_at`` None is
    now.  Refused, naming the field: another consumer's or a non-e-mail point, a blank or
    overlong ``how``, a time in the future or over a year ago, an address already
    consented."""
    points = {p.id: p for p in email_points(db, consumer_id)}
    if contact_point_id not in points:
        raise FieldRefusal(
            "e-mail address", "is not one of this consumer's", control="contact_point_id"
        )
    words = " ".join(how.split())
    if not words:
        raise FieldRefusal("how the consent was given", "is required", control="how")
    if len(words) > MAX_HOW:
        raise FieldRefusal(
            "how the consent was given", f"must be at most {MAX_HOW} characters", control="how"
        )
    now = clock.now()
    given = given_at or now
    if given > now:
        raise FieldRefusal("given at", "cannot be in the future", control="given_at")
    if given < now - LONGEST_AGO:
        raise FieldRefusal("given at", "cannot be more than a year ago", control="given_at")
    if contact_point_id in consented_points(db, consumer_id):
        raise FieldRefusal(
            "e-mail address", "already has a current consent", control="contact_point_id"
        )
    consent = ESignConsent(
        consumer_id=consumer_id,
        contact_point_id=contact_point_id,
        given_at=given,
        how=words,
        recorded_by_id=by_user_id,
        recorded_at=now,
    )
    db.add(consent)
    db.flush()
    return consent


def withdraw_consent(
    db: Session, *, consumer_id: int, consent_id: int, by_user_id: int
) -> ESignConsent:
    """End a consent (the consumer withdrew it, or it was recorded in error); the row is
    kept with who withdrew it and when."""
    consent = repo.esign_consent_for_update(db, consent_id)
    if consent is None or consent.consumer_id != consumer_id:
        raise FieldRefusal("consent", "there is no such consent for this consumer")
    if consent.withdrawn_at is not None:
        raise FieldRefusal("consent", "was already withdrawn")
    consent.withdrawn_at = clock.now()
    consent.withdrawn_by_id = by_user_id
    db.flush()
    return consent


def current_of(consents: Sequence[ESignConsent]) -> set[int]:
    """The contact points with a current consent among ``consents``."""
    return {c.contact_point_id for c in consents if c.withdrawn_at is None}
