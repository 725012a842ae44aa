"""The champion / challenger screens, for admins and supervisors: every experiment (the
running ones first) with its split and cases per side, and one experiment's results by
side with their intervals (agency.reporting.experiment_results) beside the form that
ends it — keeping the champion, or promoting the challenger (the rule's edit, with its
history).  Experiments start from a contract's strategy rules
(agency.outreach.strategies.experiment_views)."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from agency.cases.supervisor_shared import Supervisor, people_names, posted_values
from agency.db import DbSession
from agency.kit import flash
from agency.kit.errors import NotFound
from agency.kit.forms import FormError, PostedForm, or_refuse, parse
from agency.kit.money import Money
from agency.kit.params import RowId
from agency.kit.templates import render
from agency.outreach.strategies import experiments, listing
from agency.outreach.strategies.schemas import EndExperimentForm
from agency.outreach.strategies.versions import StrategyRefused
from agency.reporting import experiment_results
from agency.reporting.experiment_results import AMOUNTS, FIGURES
from agency.reporting.stats import Interval

router = APIRouter(prefix="/supervisor/experiments")
_AMOUNT_KEYS = {key for key, _ in AMOUNTS}


@router.get("")
def experiment_list(request: Request, db: DbSession, _: Supervisor) -> Response:
    names = listing.strategy_names(db)
    counts = experiments.sides(db)
    contracts: dict[int, tuple[str, str]] = {}
    rows = []
    for experiment, rule in experiments.every(db):
        if rule.contract_id not in contracts:
            contract, client_name = listing.contract_or_404(db, rule.contract_id)
            contracts[rule.contract_id] = (client_name, contract.reference)
        rows.append((experiment, rule, contracts[rule.contract_id], counts.get(experiment.id, {})))
    context = {"rows": rows, "names": names}
    return render(request, "reporting/experiments.html", context)


def _words(interval: Interval | None, key: str, currency: str) -> str:
    if interval is None:
        return "no cases"
    if key in _AMOUNT_KEYS:

        def money(minor: float) -> str:
            return Money(round(minor), currency).format()

        return f"{money(interval.estimate)} ({money(interval.low)} to {money(interval.high)})"
    return f"{interval.estimate:.1%} ({interval.low:.1%} to {interval.high:.1%})"


def _page(
    request: Request,
    db: Session,
    experiment_id: int,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> Response:
    found = experiments.one(db, experiment_id)
    if found is None:
        raise NotFound("experiment")
    experiment, rule = found
    contract, client_name = listing.contract_or_404(db, rule.contract_id)
    results = experiment_results.results(db, experiment.id)
    champion, challenger = results.sides["champion"], results.sides["challenger"]
    table = []
    for key, label in FIGURES:
        difference = results.differences[key]
        table.append(
            {
                "label": label,
                "champion": _words(champion.figure(key), key, contract.currency),
                "challenger": _words(challenger.figure(key), key, contract.currency),
                "difference": _words(difference, key, contract.currency),
                "clear": difference is not None and difference.excludes_zero(),
            }
        )
    people = people_names(db, [u for u in (experiment.started_by_id, experiment.ended_by_id) if u])
    context = {
        "experiment": experiment,
        "rule": rule,
        "contract": contract,
        "client_name": client_name,
        "names": listing.strategy_names(db),
        "people": people,
        "champion": champion,
        "challenger": challenger,
        "table": table,
        "values": values or {},
        "errors": errors or {},
    }
    return render(request, "reporting/experiment.html", context)


@router.get("/{experiment_id}")
def experiment_page(request: Request, db: DbSession, _: Supervisor, experiment_id: RowId
                    ) -> Response:  # fmt: skip
    return _page(request, db, experiment_id)


def _end(db: Session, experiment_id: int, data: EndExperimentForm, by_user_id: int) -> bool:
    found = experiments.one(db, experiment_id)
    if found is None:
        raise NotFound("experiment")
    contract, _ = listing.contract_or_404(db, found[1].contract_id)
    try:
        experiments.end(db, contract=contract, experiment_id=experiment_id,
                        promote=data.promote == "yes", reason=data.end_reason,
                        by_user_id=by_user_id)  # fmt: skip
    except StrategyRefused as exc:
        field = exc.field if exc.field == "end_reason" else "__all__"
        raise FormError({field: exc.message}) from exc
    return data.promote == "yes"


@router.post("/{experiment_id}/end")
def end_experiment(
    request: Request, posted: PostedForm, db: DbSession, user: Supervisor, experiment_id: RowId
) -> Response:
    values = posted_values(posted)
    promoted = or_refuse(
        lambda: _end(db, experiment_id, parse(EndExperimentForm, values), user.id),
        lambda exc: _page(request, db, experiment_id, values, exc.errors),
    )
    words = (
        "the challenger promoted: the rule gives it from now on"
        if promoted
        else ("the rule's new cases all get the champion again")
    )
    return flash.redirect(f"/supervisor/experiments/{experiment_id}", f"Experiment ended, {words}.")
