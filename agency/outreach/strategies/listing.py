"""The read-only queries of the strategy screens (agency.outreach.strategies.editor_views,
rule_views): every strategy with its newest version, which contracts' rules use each,
one strategy, one rule of a contract, a contract with its client's name."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency.clients import service as clients_service
from agency.clients.models import Contract
from agency.kit.errors import NotFound
from agency.outreach.strategies.models import Strategy, StrategyRule, StrategyVersion


def strategies(db: Session) -> list[tuple[Strategy, StrategyVersion | None]]:
    """Every strategy, by name, with its newest version (None: none published yet)."""
    newest = (
        select(StrategyVersion.strategy_id, func.max(StrategyVersion.version).label("version"))
        .group_by(StrategyVersion.strategy_id)
        .subquery()
    )
    query = (
        select(Strategy, StrategyVersion)
        .outerjoin(newest, newest.c.strategy_id == Strategy.id)
        .outerjoin(
            StrategyVersion,
            (StrategyVersion.strategy_id == Strategy.id)
            & (StrategyVersion.version == newest.c.version),
        )
        .order_by(Strategy.name, Strategy.id)
    )
    return [(strategy, version) for strategy, version in db.execute(query).all()]


def contracts_using(db: Session) -> dict[int, set[int]]:
    """The ids of the contracts whose rules give each strategy, by strategy id."""
    query = select(StrategyRule.strategy_id, StrategyRule.contract_id).distinct()
    used: dict[int, set[int]] = {}
    for strategy_id, contract_id in db.execute(query):
        used.setdefault(strategy_id, set()).add(contract_id)
    return used


def strategy(db: Session, strategy_id: int) -> Strategy | None:
    return db.get(Strategy, strategy_id)


def rule(db: Session, contract_id: int, rule_id: int) -> StrategyRule | None:
    """The contract's rule ``rule_id`` (None: no such rule, or another contract's)."""
    query = select(StrategyRule).where(
        StrategyRule.id == rule_id, StrategyRule.contract_id == contract_id
    )
    return db.scalar(query)


def rule_or_404(db: Session, contract_id: int, rule_id: int) -> StrategyRule:
    """``rule``, or NotFound (no such rule, or another contract's)."""
    found = rule(db, contract_id, rule_id)
    if found is None:
        raise NotFound("strategy rule")
    return found


def strategy_names(db: Session) -> dict[int, str]:
    """Every strategy's name as the screens show it (with its country and currency)."""
    return {s.id: f"{s.name} ({s.country}, {s.currency})" for s, _ in strategies(db)}


def contract_or_404(db: Session, contract_id: int) -> tuple[Contract, str]:
    """The contract and its client's name."""
    contract = clients_service.get_contract(db, contract_id=contract_id)
    client = clients_service.get_client(db, client_id=contract.client_id) if contract else None
    if contract is None or client is None:
        raise NotFound("contract")
    return contract, client.name
