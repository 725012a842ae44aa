"""An experiment's results from the facts as the real paths write them — calls and
their outcomes through the gate, a text reply, payments posted and reversed with their
commission, an arrangement — counted from each case's enrolment, against figures worked
out by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from agency.compliance import service as compliance
from agency.kit import clock
from agency.outreach import demo_templates
from agency.outreach.strategies import assignment, experiments, versions
from agency.outreach.strategies.models import EnrolmentState, StrategyEnrolment
from agency.payments.kinds import PlanKind, PlanStatus
from agency.payments.models import PaymentPlan, ReversalKind
from agency.payments.posting.reverse import reverse_payment
from agency.reporting import experiment_results
from tests.fixtures.compliance import Debtor, make_debtor
from tests.fixtures.factories import ClientFactory, ContractFactory
from tests.outreach.strategies.world import NOTICE, TUESDAY_10
from tests.reporting.world import call, pay

ENROLLED = TUESDAY_10
BEFORE = ENROLLED - timedelta(days=3)
AFTER = ENROLLED + timedelta(days=1)  # Wednesday, 10:00 in Chicago


@pytest.fixture
def world(db: Session) -> tuple[int, dict[str, Debtor]]:
    demo_templates.save_all(db)
    client = ClientFactory()
    contract = ContractFactory(client=client)  # a flat 25 %
    strategies = []
    for name in ("Letters", "Texts"):
        s = versions.create(db, name=name, country="US", currency="USD", notice_by_client=False,
                            by_user_id=None)  # fmt: skip
        versions.publish(db, strategy=s, steps=[NOTICE], reason="launch", by_user_id=None)
        strategies.append(s)
    rule = assignment.save_rule(db, contract=contract, strategy_id=strategies[0].id,
                                segment=assignment.Segment(), by_user_id=None)  # fmt: skip
    experiment = experiments.start(db, contract=contract, rule=rule,
                                   challenger_id=strategies[1].id, percent=50,
                                   reason="texts first", by_user_id=None)  # fmt: skip
    debtors: dict[str, Debtor] = {}
    for name, side in (("a", "champion"), ("b", "champion"), ("c", "challenger"),
                       ("d", "challenger")):  # fmt: skip
        debtor = make_debtor(client=client)
        debtor.case.contract = contract
        debtor.case.principal_minor = 100_000
        db.add(StrategyEnrolment(case_id=debtor.case.id, contract_id=contract.id,
                                 state=EnrolmentState.ENDED, experiment_id=experiment.id,
                                 variant=side, enrolled_at=ENROLLED))  # fmt: skip
        debtors[name] = debtor
    db.flush()
    return experiment.id, debtors


def test_each_figure_by_side_from_the_real_facts(
    db: Session, world: tuple[int, dict[str, Debtor]]
) -> None:
    experiment_id, d = world
    call(db, d["a"], "conversation", AFTER)  # a person reached, not said to be the debtor
    pay(db, d["a"], 10_000, AFTER)
    call(db, d["b"], "no_answer", AFTER)
    pay(db, d["b"], 4_000, BEFORE)  # before the enrolment: not the experiment's
    with clock.frozen(AFTER):
        compliance.record_inbound(db, consumer_id=d["c"].consumer.id, channel="sms",
                                  contact_point_id=d["c"].phone.id, case_ids=[d["c"].case.id],
                                  outcome="conversation", actor_id=None)  # fmt: skip
        promise = {"kind": PlanKind.PROMISE, "status": PlanStatus.ACTIVE}
        refused = {"kind": PlanKind.PLAN, "status": PlanStatus.REFUSED}
        for debtor, plan in ((d["c"], promise), (d["d"], refused)):
            db.add(PaymentPlan(case_id=debtor.case.id, currency="USD", total_minor=5_000, **plan))
        db.flush()
    bounced = pay(db, d["c"], 5_000, AFTER)
    with clock.frozen(AFTER + timedelta(hours=1)):
        reverse_payment(db, payment_id=bounced, kind=ReversalKind.NSF, reason="bounced",
                        effective_on=None, by_user_id=None)  # fmt: skip
    call(db, d["d"], "right_party_contact", AFTER)
    pay(db, d["d"], 3_000, AFTER)
    pay(db, d["d"], 2_000, AFTER + timedelta(hours=2))

    results = experiment_results.results(db, experiment_id)
    champion, challenger = results.sides["champion"], results.sides["challenger"]
    assert (champion.cases, challenger.cases) == (2, 2)
    assert champion.hits == {"contacted": 1, "reached": 0, "promised": 0, "paid": 1}
    assert challenger.hits == {"contacted": 2, "reached": 2, "promised": 1, "paid": 1}
    assert champion.moments["collected"].total == 10_000
    assert champion.moments["collected"].squares == 10_000**2
    assert champion.moments["commission"].total == 2_500
    assert challenger.moments["collected"].total == 5_000  # 50.00 bounced, 30 + 20 kept
    assert challenger.moments["commission"].total == 1_250
    collected = champion.figure("collected")
    assert collected is not None and collected.estimate == 5_000
    reached = results.differences["reached"]
    assert reached is not None and reached.estimate == 1.0
    assert champion.figure("contacted") == experiment_results.stats.share(1, 2)


def test_an_experiment_without_cases_has_no_figures(
    db: Session, world: tuple[int, dict[str, Debtor]]
) -> None:
    experiment_id, _ = world
    results = experiment_results.results(db, experiment_id + 1000)
    assert results.sides["champion"].cases == 0
    assert results.sides["champion"].figure("paid") is None
    assert results.differences["collected"] is None
