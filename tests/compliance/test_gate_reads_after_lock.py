"""The gate decides on what holds once it has the consumer's chain: an opt-out recorded
and committed by someone else after this session first read the point's flags (the
strategy runner reads its batch before asking the gate) still blocks the text, through
``gate`` and ``gate_many`` alike.  PostgreSQL: two sessions at once."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import selectinload

from agency.cases.models import Consumer
from agency.compliance import service
from agency.compliance.models import FactKind, PointFlags, Source
from agency.db import session_scope
from agency.kit import clock
from tests.fixtures import factories
from tests.fixtures.compliance import OFFICE_HOURS, make_debtor


@pytest.fixture(autouse=True)
def postgresql_only(bound_engine: Engine) -> None:
    if bound_engine.dialect.name != "postgresql":
        pytest.skip("two sessions at once are PostgreSQL's; SQLite has one writer")


def seed() -> tuple[int, int, int]:
    with session_scope() as db:
        factories.bind(db)
        debtor = make_debtor()
        return debtor.consumer.id, debtor.phone.id, debtor.case.id


def opt_out(consumer_id: int, point_id: int) -> None:
    with session_scope() as other, clock.frozen(OFFICE_HOURS):
        service.record_fact(other, consumer_id=consumer_id, kind=FactKind.OPT_OUT,
                            contact_point_id=point_id, actor_id=None,
                            source=Source.CONSUMER)  # fmt: skip


@pytest.mark.parametrize("many", [False, True])
def test_an_opt_out_committed_after_the_first_read_blocks_the_text(
    bound_engine: Engine, many: bool
) -> None:
    consumer_id, point_id, case_id = seed()
    ask = service.GateAsk(consumer_id=consumer_id, channel="sms", contact_point_id=point_id,
                          case_ids=[case_id], actor_id=None, source=Source.STRATEGY,
                          automated=True)  # fmt: skip
    with session_scope() as db, clock.frozen(OFFICE_HOURS):
        held = db.get_one(PointFlags, point_id)  # a row someone in the session still holds
        assert not held.opted_out and held.consent
        # The consumer, its points and cases in the session, as the runner's read leaves them.
        db.scalars(select(Consumer).where(Consumer.id == consumer_id)
                   .options(selectinload(Consumer.contact_points))).one()  # fmt: skip
        opt_out(consumer_id, point_id)
        if many:
            (result,) = service.gate_many(db, [ask])
        else:
            result = service.gate(db, consumer_id=consumer_id, channel="sms",
                                  contact_point_id=point_id, case_ids=[case_id],
                                  actor_id=None, source=Source.STRATEGY,
                                  automated=True)  # fmt: skip
        assert not result.allowed, "the gate decided on flags read before the opt-out"
        assert result.decision.blocked_by == ("US-REGF-EOPTOUT",)
