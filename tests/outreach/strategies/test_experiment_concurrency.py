"""Two supervisors at once on PostgreSQL (SQLite has one writer): an experiment started
twice on one rule is one experiment, and one ended twice — one promoting, one keeping the
champion — ends once, the other told so; the rule's history holds one edit or none."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from agency.clients.models import Contract
from agency.db import session_scope
from agency.outreach import demo_templates
from agency.outreach.strategies import assignment, experiments, versions
from agency.outreach.strategies.models import StrategyExperiment, StrategyRule, StrategyRuleEdit
from agency.outreach.strategies.versions import StrategyRefused
from tests.fixtures import factories
from tests.fixtures.factories import ContractFactory
from tests.fixtures.threads import at_once
from tests.outreach.strategies.world import NOTICE


@pytest.fixture(autouse=True)
def postgresql_only(bound_engine: Engine) -> None:
    if bound_engine.dialect.name != "postgresql":
        pytest.skip("row locks between two sessions are PostgreSQL's; SQLite has one writer")


def seed() -> tuple[int, int, int, int]:
    """(contract, rule, challenger, another challenger)."""
    with session_scope() as db:
        factories.bind(db)
        demo_templates.save_all(db)
        contract = ContractFactory()
        ids = []
        for name in ("Letters", "Texts", "Calls"):
            s = versions.create(db, name=name, country="US", currency="USD",
                                notice_by_client=False, by_user_id=None)  # fmt: skip
            versions.publish(db, strategy=s, steps=[NOTICE], reason="launch", by_user_id=None)
            ids.append(s.id)
        rule = assignment.save_rule(db, contract=contract, strategy_id=ids[0],
                                    segment=assignment.Segment(), by_user_id=None)  # fmt: skip
        return contract.id, rule.id, ids[1], ids[2]


def start(contract_id: int, rule_id: int, challenger_id: int) -> int:
    with session_scope() as db:
        rule = db.get_one(StrategyRule, rule_id)
        return experiments.start(db, contract=db.get_one(Contract, contract_id), rule=rule,
                                 challenger_id=challenger_id, percent=20, reason="try",
                                 by_user_id=None).id  # fmt: skip


def end(contract_id: int, experiment_id: int, promote: bool) -> Any:
    with session_scope() as db:
        return experiments.end(db, contract=db.get_one(Contract, contract_id),
                               experiment_id=experiment_id, promote=promote, reason="done",
                               by_user_id=None).promoted  # fmt: skip


def test_started_twice_at_once_is_one_experiment(bound_engine: Engine) -> None:
    contract_id, rule_id, texts, calls = seed()
    results = at_once(lambda: start(contract_id, rule_id, texts),
                      lambda: start(contract_id, rule_id, calls))  # fmt: skip
    refused = [r for r in results if isinstance(r, StrategyRefused)]
    assert len(refused) == 1, results
    assert "already has an experiment running" in refused[0].message
    with session_scope() as db:
        assert db.scalar(select(func.count()).select_from(StrategyExperiment)) == 1


def test_ended_twice_at_once_ends_once(bound_engine: Engine) -> None:
    contract_id, rule_id, texts, _ = seed()
    experiment_id = start(contract_id, rule_id, texts)
    with session_scope() as db:
        edits = db.scalar(select(func.count()).select_from(StrategyRuleEdit))
    results = at_once(lambda: end(contract_id, experiment_id, True),
                      lambda: end(contract_id, experiment_id, False))  # fmt: skip
    refused = [r for r in results if isinstance(r, StrategyRefused)]
    assert len(refused) == 1 and refused[0].message == "has already ended", results
    promoted = next(r for r in results if isinstance(r, bool))
    with session_scope() as db:
        rule = db.get_one(StrategyRule, rule_id)
        after = db.scalar(select(func.count()).select_from(StrategyRuleEdit))
        assert (rule.strategy_id == texts) is promoted
        assert after == edits + (1 if promoted else 0)
