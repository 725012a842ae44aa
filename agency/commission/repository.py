"""The commission domain's queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.commission.models import CommissionEntry, FeeScheduleVersion


def schedule_in_force(db: Session, contract_id: int, on: date) -> FeeScheduleVersion | None:
    """The contract's version in force on ``on``: the latest to start on or before it
    (of two starting the same day, the later version)."""
    return db.scalar(
        select(FeeScheduleVersion)
        .where(
            FeeScheduleVersion.contract_id == contract_id,
            FeeScheduleVersion.effective_from <= on,
        )
        .order_by(FeeScheduleVersion.effective_from.desc(), FeeScheduleVersion.version.desc())
        .limit(1)
    )


def payment_entry(db: Session, payment_id: int) -> CommissionEntry | None:
    return db.scalar(
        select(CommissionEntry).where(
            CommissionEntry.payment_id == payment_id, CommissionEntry.reversal_id.is_(None)
        )
    )


def entries_of_payments(db: Session, payment_ids: Sequence[int]) -> list[CommissionEntry]:
    if not payment_ids:
        return []
    return list(
        db.scalars(
            select(CommissionEntry)
            .where(CommissionEntry.payment_id.in_(payment_ids))
            .order_by(CommissionEntry.id)
        )
    )


def versions_of(db: Session, contract_id: int) -> list[FeeScheduleVersion]:
    """The contract's schedule versions, newest first."""
    return list(
        db.scalars(
            select(FeeScheduleVersion)
            .where(FeeScheduleVersion.contract_id == contract_id)
            .order_by(FeeScheduleVersion.version.desc())
        )
    )
