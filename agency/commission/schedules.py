"""Publishing a contract's fee schedule: a new version, in force from a day not in the
past, refused whole when its tiers overlap or leave a gap (``schedule_checks``) or a
value is not in the scenario format.  Versions are never edited; who published each and
why is kept.  Flushes, never commits."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agency.commission.clearing import CLEARING_DAYS_MAX, DEFAULT_CLEARING_DAYS
from agency.commission.models import FeeScheduleVersion
from agency.commission.scenario import schedule_of
from agency.commission.schedule_checks import Problem, check_tiers
from agency.kit.json_input import JsonInputError
from agency.kit.refusals import FieldRefused

REASON_MAX = 500


class ScheduleRefused(FieldRefused):
    """Nothing was published: ``field`` and ``message`` for a bad value, ``problems``
    for tiers that overlap or leave a gap (``message`` is the first)."""

    def __init__(self, field: str, message: str, problems: tuple[Problem, ...] = ()) -> None:
        super().__init__(field, message)
        self.problems = problems


def publish(
    db: Session,
    *,
    contract_id: int,
    contract_currency: str,
    terms: Any,
    effective_from: date,
    today: date,
    reason: str,
    by_user_id: int | None,
    clearing_card_days: int = DEFAULT_CLEARING_DAYS["card"],
    clearing_ach_days: int = DEFAULT_CLEARING_DAYS["ach"],
) -> FeeScheduleVersion:
    """A new version of the contract's schedule from ``terms`` (the scenario format's
    ``contract`` object: currency, tiers, remittance, minimum fee, legal rate) and its
    clearing days (business days before money taken by card, and by ACH, is remitted)."""
    reason = " ".join(reason.split())
    if not reason:
        raise ScheduleRefused("reason", "say why the schedule changes")
    if len(reason) > REASON_MAX:
        raise ScheduleRefused("reason", f"must be at most {REASON_MAX} characters")
    if effective_from < today:
        raise ScheduleRefused(
            "effective_from",
            "cannot be in the past: payments already posted keep the rate they were given",
        )
    for name, days in (
        ("clearing_card_days", clearing_card_days),
        ("clearing_ach_days", clearing_ach_days),
    ):
        if not 0 <= days <= CLEARING_DAYS_MAX:
            raise ScheduleRefused(name, f"must be 0 to {CLEARING_DAYS_MAX} business days")
    try:
        schedule = schedule_of(terms, "schedule")
    except JsonInputError as exc:
        raise ScheduleRefused(exc.path, exc.reason) from None
    if schedule.currency != contract_currency:
        raise ScheduleRefused("schedule.currency", f"must be the contract's, {contract_currency}")
    problems = tuple(check_tiers(schedule.tiers, schedule.currency))
    if problems:
        raise ScheduleRefused("schedule.tiers", problems[0].message, problems)
    latest = db.scalar(
        select(func.max(FeeScheduleVersion.version)).where(
            FeeScheduleVersion.contract_id == contract_id
        )
    )
    version = FeeScheduleVersion(
        contract_id=contract_id,
        version=(latest or 0) + 1,
        effective_from=effective_from,
        currency=schedule.currency,
        tiers=[_stored(raw) for raw in terms["tiers"]],
        legal_rate=schedule.legal_rate,
        minimum_fee_minor=schedule.minimum_fee_minor,
        remittance=schedule.remittance,
        clearing_card_days=clearing_card_days,
        clearing_ach_days=clearing_ach_days,
        reason=reason,
        created_by_id=by_user_id,
    )
    try:
        with db.begin_nested():
            db.add(version)
            db.flush()
    except IntegrityError:  # (contract, version): another publish took the number
        raise ScheduleRefused(
            "version", "another version was published at the same moment: reload and check it"
        ) from None
    return version


def _stored(raw: dict[str, Any]) -> dict[str, Any]:
    """A tier as it is kept: the scenario format (already checked), absent keys left out."""
    return {key: value for key, value in raw.items() if value is not None}
