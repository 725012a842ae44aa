"""A committed world for the runner: a Chicago debtor (a consented mobile, an e-mail,
their validation notice sent long ago) on a contract whose one rule gives every case a
US strategy, the demo's templates saved; and the steps the tests compose strategies of."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.cases.models import Case, Channel, ContactPoint
from agency.clients.models import Contract
from agency.db import session_scope
from agency.outreach import demo_templates
from agency.outreach.models import OutboxMessage
from agency.outreach.strategies import assignment, events, versions
from agency.outreach.strategies.models import (
    Strategy,
    StrategyEnrolment,
    StrategyEvent,
    StrategySend,
)
from tests.fixtures import factories
from tests.fixtures.compliance import make_debtor

# A Tuesday, 10:00 in Chicago: texts and e-mails may go.
TUESDAY_10 = datetime(2026, 12, 8, 16, 0, tzinfo=UTC)
# The same Tuesday, 03:00 in Chicago: the gate defers to 08:00.
TUESDAY_3 = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


def step(
    key: str,
    channel: str,
    *,
    anchor: str = "last_step",
    days: int = 0,
    at: str = "09:00",
    then: dict[str, str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A step in the stored form (``steps``' format)."""
    value: dict[str, Any] = {
        "key": key,
        "trigger": {"anchor": anchor, "days": days, "at": at},
        "channel": channel,
        "then": then or {"kind": "next"},
    }
    if channel in ("sms", "email", "letter"):
        value["template"] = extra.pop("template", "first-notice")
    return value | extra


NOTICE = step("notice", "validation_notice", anchor="placement")


@dataclass(frozen=True, slots=True)
class World:
    case_id: int
    consumer_id: int
    contract_id: int
    strategy_id: int
    version_id: int
    phone_id: int
    email_id: int


def build(steps: list[dict[str, Any]], *, db: Session | None = None) -> World:
    """The world, its strategy's first version made of ``steps``: committed, or in
    ``db`` (a test's session, with the web client)."""
    if db is not None:
        return _build(db, steps)
    with session_scope() as db:
        factories.bind(db)
        return _build(db, steps)


def _build(db: Session, steps: list[dict[str, Any]]) -> World:
    demo_templates.save_all(db)
    debtor = make_debtor(phone="+13125550142")
    case = debtor.case
    contract = db.get_one(Contract, case.contract_id)
    strategy = versions.create(
        db, name="Early", country="US", currency="USD", notice_by_client=False, by_user_id=None
    )
    version = versions.publish(db, strategy=strategy, steps=steps, reason="launch", by_user_id=None)
    assignment.save_rule(
        db,
        contract=contract,
        strategy_id=strategy.id,
        segment=assignment.Segment(),
        by_user_id=None,
    )
    db.flush()
    return World(
        case.id,
        debtor.consumer.id,
        contract.id,
        strategy.id,
        version.id,
        debtor.phone.id,
        debtor.email.id,
    )


def publish(world: World, steps: list[dict[str, Any]]) -> int:
    """The strategy's next version; its id."""
    with session_scope() as db:
        strategy = db.get_one(Strategy, world.strategy_id)
        return versions.publish(
            db, strategy=strategy, steps=steps, reason="next", by_user_id=None
        ).id


def enrolment(db: Session, world: World) -> StrategyEnrolment:
    return db.scalars(
        select(StrategyEnrolment).where(StrategyEnrolment.case_id == world.case_id)
    ).one()


def sends(db: Session, world: World) -> list[tuple[str, int, str, str]]:
    """(step, attempt, channel, outcome) of the case's send records, in order."""
    rows = db.scalars(
        select(StrategySend).where(StrategySend.case_id == world.case_id).order_by(StrategySend.id)
    )
    return [(s.step_key, s.attempt, s.channel, s.outcome) for s in rows]


def kinds(db: Session, world: World) -> list[tuple[str, str | None]]:
    """(kind, step) of the case's strategy events, oldest first."""
    rows = db.scalars(
        select(StrategyEvent)
        .where(StrategyEvent.case_id == world.case_id)
        .order_by(StrategyEvent.id)
    )
    return [(e.kind, e.step_key) for e in rows]


def messages(db: Session, world: World) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.case_id == world.case_id)
    return list(db.scalars(query.order_by(OutboxMessage.id)))


def add_address(world: World, value: str) -> int:
    with session_scope() as db:
        point = ContactPoint(
            consumer_id=world.consumer_id, channel=Channel.ADDRESS, kind="home", value=value
        )
        db.add(point)
        db.flush()
        return point.id


def case(db: Session, world: World) -> Case:
    return db.get_one(Case, world.case_id)


def enrolling_events(db: Session, world: World) -> list[StrategyEvent]:
    """The case's strategy events, newest first."""
    return events.case_events(db, world.case_id)


def versions_of(db: Session, world: World) -> int:
    return len(versions.versions_of(db, world.strategy_id))
