"""The contact point's flags (consent, opted out, do not call, do not use, workplace):
the one place compliance reads a ``ContactPoint`` row for a fact and writes its flags.

The flags live on ``agency.cases.models.ContactPoint`` for now; recording a fact keeps
them in step (``apply``), withdrawing one undoes it (``undo``).  Their names are
``facts.POINT_FLAGS``; ``flag_words`` says them for a screen.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from agency.cases.models import ContactPoint
from agency.compliance.facts import POINT_FLAGS
from agency.compliance.models import FactKind


def point_of(db: Session, *, consumer_id: int, point_id: int) -> ContactPoint | None:
    """The contact point ``point_id`` when it is one of this consumer's, else None."""
    point = db.get(ContactPoint, point_id)
    return point if point is not None and point.consumer_id == consumer_id else None


def flags_of(point: ContactPoint) -> dict[str, bool]:
    """The point's flags by name (``ContactPointFacts``' fields of the same names)."""
    return {name: bool(getattr(point, name)) for name in POINT_FLAGS}


def flag_words(point: ContactPoint) -> tuple[str, ...]:
    """The flags that are on, in words ("opted out", "do not call" …), in a fixed order."""
    return tuple(name.replace("_", " ") for name, on in flags_of(point).items() if on)


def apply(point: ContactPoint, kind: FactKind, at: datetime) -> None:
    """Keep the point's flags in step with a fact of ``kind`` recorded about it."""
    if kind is FactKind.AUTOMATED_CONSENT:
        point.consent, point.consent_at = True, at
    elif kind is FactKind.CONSENT_REVOKED:
        point.consent = False
    elif kind is FactKind.OPT_OUT:
        point.opted_out = True
    elif kind is FactKind.OPT_IN:
        point.opted_out = False
    elif kind is FactKind.DO_NOT_CALL:
        point.do_not_call = True
    elif kind is FactKind.DO_NOT_USE:
        point.do_not_use = True
    elif kind is FactKind.WORKPLACE_RESTRICTION:
        point.workplace, point.do_not_use = True, True


def undo(db: Session, point_id: int, kind: FactKind) -> None:
    """A fact of ``kind`` about point ``point_id`` was withdrawn: clear what it set."""
    point = db.get(ContactPoint, point_id)
    if point is None:
        return
    if kind is FactKind.DO_NOT_CALL:
        point.do_not_call = False
    elif kind in (FactKind.DO_NOT_USE, FactKind.WORKPLACE_RESTRICTION):
        point.do_not_use = False
    elif kind is FactKind.OPT_OUT:
        point.opted_out = False
