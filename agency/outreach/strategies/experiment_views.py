"""Starting a champion / challenger experiment on a contract's strategy rule, for admins
and supervisors: the challenger (a published strategy that could serve the rule's
cases), its share of the rule's new cases, and what it tries.  Its results, and ending it,
are on its own page (agency.reporting.experiment_views)."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from agency.cases.supervisor_shared import Supervisor, posted_values
from agency.clients.models import Contract
from agency.db import DbSession
from agency.kit import flash
from agency.kit.forms import FormError, PostedForm, or_refuse, parse
from agency.kit.params import RowId
from agency.kit.templates import render
from agency.outreach.strategies import experiments, listing
from agency.outreach.strategies.models import StrategyExperiment, StrategyRule
from agency.outreach.strategies.schemas import ExperimentForm
from agency.outreach.strategies.versions import StrategyRefused

router = APIRouter(prefix="/supervisor/contracts/{contract_id}/strategy-rules/{rule_id}/experiment")
LABELS = {
    "challenger_id": "Challenger strategy",
    "percent": "Challenger's share of new cases (%)",
    "reason": "What the challenger tries",
}


def _form(
    request: Request,
    db: Session,
    contract: Contract,
    client_name: str,
    rule: StrategyRule,
    values: Mapping[str, str],
    errors: Mapping[str, str] | None = None,
) -> Response:
    names = listing.strategy_names(db)
    fitting = [
        (s.id, names[s.id])
        for s, version in listing.strategies(db)
        if version is not None and s.id != rule.strategy_id and s.currency == contract.currency
    ]
    context = {
        "contract": contract,
        "client_name": client_name,
        "rule": rule,
        "champion": names.get(rule.strategy_id, f"strategy {rule.strategy_id}"),
        "running": experiments.open_of(db, rule.id),
        "values": values,
        "errors": errors or {},
        "labels": LABELS,
        "strategies": fitting,
    }
    return render(request, "outreach/strategies/experiment_form.html", context)


@router.get("")
def experiment_form(
    request: Request, db: DbSession, _: Supervisor, contract_id: RowId, rule_id: RowId
) -> Response:
    contract, client_name = listing.contract_or_404(db, contract_id)
    rule = listing.rule_or_404(db, contract.id, rule_id)
    return _form(request, db, contract, client_name, rule, {"percent": "20"})


def _start(db: Session, contract: Contract, rule: StrategyRule, data: ExperimentForm,
           by_user_id: int) -> StrategyExperiment:  # fmt: skip
    try:
        return experiments.start(db, contract=contract, rule=rule,
                                 challenger_id=data.challenger_id, percent=data.percent,
                                 reason=data.reason, by_user_id=by_user_id)  # fmt: skip
    except StrategyRefused as exc:
        # "rule": about the rule itself (not active, an experiment running), above the form
        raise FormError({"__all__" if exc.field == "rule" else exc.field: exc.message}) from exc


@router.post("")
def start_experiment(
    request: Request,
    posted: PostedForm,
    db: DbSession,
    user: Supervisor,
    contract_id: RowId,
    rule_id: RowId,
) -> Response:
    contract, client_name = listing.contract_or_404(db, contract_id)
    rule = listing.rule_or_404(db, contract.id, rule_id)
    values = posted_values(posted)
    started = or_refuse(
        lambda: _start(db, contract, rule, parse(ExperimentForm, values), user.id),
        lambda exc: _form(request, db, contract, client_name, rule, values, exc.errors),
    )
    return flash.redirect(
        f"/supervisor/experiments/{started.id}",
        f"Experiment started: {started.challenger_percent} % of the rule's new cases get the "
        "challenger.",
    )
