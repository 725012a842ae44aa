"""Creating a strategy and publishing its versions: each publish is the next version,
refused whole — the first value of the steps that does not fit named by its path, a
template the step's channel has none of named — with who published it and why.
Flushes, never commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agency.kit.json_input import JsonInputError
from agency.kit.money import MoneyError, check_currency
from agency.kit.refusals import FieldRefused
from agency.outreach.models import MessageTemplate
from agency.outreach.strategies.models import Strategy, StrategyVersion
from agency.outreach.strategies.steps import MESSAGE_CHANNELS, Step, read_steps

NAME_MAX = 80
REASON_MAX = 500
COUNTRIES = ("US", "CA", "GB", "IE", "AU")


class StrategyRefused(FieldRefused):
    """Nothing was written: ``field`` (a path into the steps, or a form field) and why."""


def create(
    db: Session,
    *,
    name: str,
    country: str,
    currency: str,
    notice_by_client: bool,
    by_user_id: int | None,
) -> Strategy:
    name = " ".join(name.split())
    if not 1 <= len(name) <= NAME_MAX:
        raise StrategyRefused("name", f"must be 1 to {NAME_MAX} characters")
    if country not in COUNTRIES:
        raise StrategyRefused("country", f"must be one of {', '.join(COUNTRIES)}")
    try:
        currency = check_currency(currency)
    except MoneyError as exc:
        raise StrategyRefused("currency", str(exc)) from None
    strategy = Strategy(
        name=name,
        country=country,
        currency=currency,
        notice_by_client=notice_by_client,
        created_by_id=by_user_id,
    )
    try:
        with db.begin_nested():
            db.add(strategy)
            db.flush()
    except IntegrityError:
        raise StrategyRefused("name", f"{name!r} is the name of another strategy") from None
    return strategy


def publish(
    db: Session, *, strategy: Strategy, steps: Any, reason: str, by_user_id: int | None
) -> StrategyVersion:
    """The strategy's next version with ``steps`` (the stored form)."""
    reason = " ".join(reason.split())
    if not reason:
        raise StrategyRefused("reason", "say why the strategy changes")
    if len(reason) > REASON_MAX:
        raise StrategyRefused("reason", f"must be at most {REASON_MAX} characters")
    try:
        read = read_steps(
            steps,
            currency=strategy.currency,
            country=strategy.country,
            notice_by_client=strategy.notice_by_client,
        )
    except JsonInputError as exc:
        raise StrategyRefused(exc.path, exc.reason) from None
    _check_templates(db, read)
    latest = db.scalar(
        select(func.max(StrategyVersion.version)).where(StrategyVersion.strategy_id == strategy.id)
    )
    version = StrategyVersion(
        strategy_id=strategy.id,
        version=(latest or 0) + 1,
        steps=steps,
        reason=reason,
        created_by_id=by_user_id,
    )
    try:
        with db.begin_nested():
            db.add(version)
            db.flush()
    except IntegrityError:
        raise StrategyRefused(
            "version", "another version was published at the same moment: reload and check it"
        ) from None
    return version


def _check_templates(db: Session, steps: list[Step]) -> None:
    """Every message step's template exists, active, for its channel — and for its
    fallback channel (a text that comes back undelivered is followed by the same
    template key in that channel)."""
    wanted = {(s.template, s.channel) for s in steps if s.channel in MESSAGE_CHANNELS}
    wanted |= {(s.template, s.fallback) for s in steps if s.fallback is not None}
    if not wanted:
        return
    found = {
        (key, channel.value)
        for key, channel in db.execute(
            select(MessageTemplate.key, MessageTemplate.channel).where(
                MessageTemplate.key.in_({key for key, _ in wanted}),
                MessageTemplate.is_active.is_(True),
            )
        )
    }
    for n, step in enumerate(steps):
        if step.channel in MESSAGE_CHANNELS and (step.template, step.channel) not in found:
            raise StrategyRefused(
                f"steps[{n}].template",
                f"there is no active {step.channel} template {step.template!r}",
            )
        if step.fallback is not None and (step.template, step.fallback) not in found:
            raise StrategyRefused(
                f"steps[{n}].fallback",
                f"there is no active {step.fallback} template {step.template!r} to fall back to",
            )


def versions_of(db: Session, strategy_id: int) -> list[StrategyVersion]:
    """The strategy's versions, newest first."""
    query = (
        select(StrategyVersion)
        .where(StrategyVersion.strategy_id == strategy_id)
        .order_by(StrategyVersion.version.desc())
    )
    return list(db.scalars(query))
