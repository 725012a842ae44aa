"""The contact points' flags (consent, opted out, do not call, do not use, workplace), held
in compliance's own table (``models.PointFlags``; a point with no row has them all off):
the one module that writes them.

Reading: ``flags_of`` (one query for many points), ``flag_words`` for a screen.  Writing:
recording a fact keeps them in step (``apply``), withdrawing one undoes it (``undo``),
and intake sets what a placement says of its new points in bulk (``set_at_placement``).
The names the engine knows are ``facts.POINT_FLAGS``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agency.compliance import repository as repo
from agency.compliance.facts import POINT_FLAGS
from agency.compliance.models import FactKind, PointFlags
from agency.kit.bulk import insert_rows


@dataclass(frozen=True, slots=True)
class Flags:
    """One contact point's flags, as read (``PointFlags``' columns)."""

    consent: bool = False
    consent_at: datetime | None = None
    opted_out: bool = False
    do_not_call: bool = False
    do_not_use: bool = False
    workplace: bool = False

    @property
    def no_calls(self) -> bool:
        """No call may go here (do not call, or do not use); ``repository.calls_barred``
        says the same in SQL."""
        return self.do_not_call or self.do_not_use

    def named(self) -> dict[str, bool]:
        """The flags by name (``ContactPointFacts``' fields of the same names)."""
        return {name: bool(getattr(self, name)) for name in POINT_FLAGS}


NO_FLAGS = Flags()
_COLUMNS = tuple(field.name for field in fields(Flags))


def flags_of(db: Session, point_ids: Iterable[int]) -> dict[int, Flags]:
    """Each of ``point_ids``' flags (``NO_FLAGS`` for a point with no row)."""
    ids = set(point_ids)
    rows = {row.contact_point_id: row for row in repo.point_flag_rows(db, ids)}
    return {
        point_id: Flags(**{name: getattr(rows[point_id], name) for name in _COLUMNS})
        if point_id in rows
        else NO_FLAGS
        for point_id in ids
    }


def flag_words(flags: Flags) -> tuple[str, ...]:
    """The flags that are on, in words ("opted out", "do not call" …), in a fixed order."""
    return tuple(name.replace("_", " ") for name, on in flags.named().items() if on)


def apply(db: Session, *, point_id: int, kind: FactKind, at: datetime) -> None:
    """Keep point ``point_id``'s flags in step with a fact of ``kind`` recorded about it."""
    row = _row(db, point_id)
    if kind is FactKind.AUTOMATED_CONSENT:
        row.consent, row.consent_at = True, at
    elif kind is FactKind.CONSENT_REVOKED:
        row.consent = False
    elif kind is FactKind.OPT_OUT:
        row.opted_out = True
    elif kind is FactKind.OPT_IN:
        row.opted_out = False
    elif kind is FactKind.DO_NOT_CALL:
        row.do_not_call = True
    elif kind is FactKind.DO_NOT_USE:
        row.do_not_use = True
    elif kind is FactKind.WORKPLACE_RESTRICTION:
        row.workplace, row.do_not_use = True, True


def undo(db: Session, *, point_id: int, kind: FactKind) -> None:
    """A fact of ``kind`` about point ``point_id`` was withdrawn: clear what it set."""
    row = db.get(PointFlags, point_id)
    if row is None:
        return  # nothing is set
    if kind is FactKind.DO_NOT_CALL:
        row.do_not_call = False
    elif kind in (FactKind.DO_NOT_USE, FactKind.WORKPLACE_RESTRICTION):
        row.do_not_use = False
    elif kind is FactKind.OPT_OUT:
        row.opted_out = False


def set_at_placement(db: Session, *, flags: Mapping[int, Flags]) -> None:
    """The flags of new contact points (point id -> flags) as their placement gives
    them, in one bulk insert (``kit.bulk``); a point with every flag off gets no row."""
    insert_rows(
        db,
        PointFlags,
        [
            {"contact_point_id": point_id, **asdict(point)}
            for point_id, point in flags.items()
            if point != NO_FLAGS
        ],
    )


def _row(db: Session, point_id: int) -> PointFlags:
    """The point's row, made (flags off) when it has none.  If another transaction makes
    it first, the insert fails in its savepoint and that row is read instead."""
    row = db.get(PointFlags, point_id)
    if row is not None:
        return row
    try:
        with db.begin_nested():
            row = PointFlags(contact_point_id=point_id)
            db.add(row)
    except IntegrityError:
        row = db.get_one(PointFlags, point_id)
    return row
