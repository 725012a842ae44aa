"""A contract's strategy rules, for admins and supervisors: the rules in the order they
are tried (the first active one whose every condition holds gives a case its
strategy), a rule's form — balances in the contract's currency, empty conditions for
any case — with its history in words (who, when, before → after), and refusals
(agency.outreach.strategies.assignment) at the field they name (422, nothing written).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from agency.cases.models import CaseStatus
from agency.cases.supervisor_shared import Supervisor, people_names, posted_values
from agency.clients.models import Contract
from agency.db import DbSession
from agency.kit import flash
from agency.kit.forms import FormError, PostedForm, or_refuse, parse
from agency.kit.money import Money, MoneyError
from agency.kit.params import MAX_ID, RowId
from agency.kit.scenarios import format_amount
from agency.kit.templates import render
from agency.outreach.strategies import assignment, experiments, listing
from agency.outreach.strategies.assignment import Segment
from agency.outreach.strategies.models import StrategyRule
from agency.outreach.strategies.schemas import StrategyRuleForm
from agency.outreach.strategies.versions import COUNTRIES, StrategyRefused

router = APIRouter(prefix="/supervisor/contracts/{contract_id}/strategy-rules")
ANY = "any"
CONDITIONS = ("Country", "Balance", "Placed", "Language", "Statuses")
LABELS = {
    "strategy_id": "Strategy",
    "country": "Country",
    "min_balance": "Balance from",
    "max_balance": "Balance up to",
    "min_age_days": "Placed at least (days ago)",
    "max_age_days": "Placed at most (days ago)",
    "language": "Language",
    "statuses": "Case statuses",
}
# The fields of ``assignment.save_rule``'s refusals that the form names otherwise.
_FIELDS = {"min_balance_minor": "min_balance", "max_balance_minor": "max_balance"}


@dataclass(frozen=True, slots=True)
class HistoryLine:
    at: datetime
    by: str
    added: bool
    changes: list[tuple[str, str, str]]  # (what, before, after)


def rule_in_words(fields: Mapping[str, Any], strategies: Mapping[int, str], currency: str
                  ) -> dict[str, str]:  # fmt: skip
    """A rule's fields (``assignment.RULE_FIELDS``) as the supervisor reads them."""

    def span(low: object, high: object, unit: str = "") -> str:
        if low is None and high is None:
            return ANY
        return f"{low if low is not None else 0}\u2013{high if high is not None else ANY}{unit}"

    def money(minor: int | None) -> str | None:
        return None if minor is None else Money(minor, currency).format()

    strategy = fields["strategy_id"]
    return {
        "Strategy": strategies.get(strategy, f"strategy {strategy}"),
        "Order": str(fields["position"]),
        "Active": "yes" if fields["is_active"] else "no",
        "Country": fields["country"] or ANY,
        "Balance": span(money(fields["min_balance_minor"]), money(fields["max_balance_minor"])),
        "Placed": span(fields["min_age_days"], fields["max_age_days"], " days ago"),
        "Language": fields["language"] or ANY,
        "Statuses": ", ".join(fields["statuses"]) or ANY,
    }


def _matches(words: Mapping[str, str]) -> str:
    """The rule's conditions in one line, e.g. "country US; balance $0.00–$100.00"."""
    said = [f"{what.lower()} {words[what]}" for what in CONDITIONS if words[what] != ANY]
    return "; ".join(said) or "any case"


def _fields(rule: StrategyRule) -> dict[str, Any]:
    return {name: getattr(rule, name) for name in assignment.RULE_FIELDS}


def _history(db: Session, rule: StrategyRule, strategies: Mapping[int, str], currency: str
             ) -> list[HistoryLine]:  # fmt: skip
    """The rule's saves, newest first, each with what it changed."""
    edits = assignment.history(db, rule.id)
    names = people_names(db, {e.by_user_id for e in edits if e.by_user_id is not None})
    lines = []
    for edit in edits:
        after = rule_in_words(edit.after, strategies, currency)
        before = rule_in_words(edit.before, strategies, currency) if edit.before else None
        changes = [(what, before[what] if before else "", now) for what, now in after.items()
                   if before is None or before[what] != now]  # fmt: skip
        by = names.get(edit.by_user_id or 0, "someone")
        lines.append(HistoryLine(edit.at, by, edit.before is None, changes))
    return lines[::-1]


@router.get("")
def rules(request: Request, db: DbSession, _: Supervisor, contract_id: RowId) -> Response:
    """The contract's rules in the order they are tried."""
    contract, client_name = listing.contract_or_404(db, contract_id)
    names = listing.strategy_names(db)
    rows = []
    for rule in assignment.rules_of(db, contract.id):
        words = rule_in_words(_fields(rule), names, contract.currency)
        rows.append((rule, words, _matches(words), experiments.open_of(db, rule.id)))
    context = {"contract": contract, "client_name": client_name, "rows": rows, "names": names}
    return render(request, "outreach/strategies/rules.html", context)


def _values(rule: StrategyRule, currency: str) -> dict[str, str]:
    def text(value: object) -> str:
        return "" if value is None else str(value)

    def amount(minor: int | None) -> str:
        return "" if minor is None else format_amount(minor, currency)

    return {
        "strategy_id": str(rule.strategy_id),
        "is_active": "on" if rule.is_active else "",
        "country": text(rule.country),
        "min_balance": amount(rule.min_balance_minor),
        "max_balance": amount(rule.max_balance_minor),
        "min_age_days": text(rule.min_age_days),
        "max_age_days": text(rule.max_age_days),
        "language": text(rule.language),
        "statuses": ",".join(rule.statuses),
    }


def _form(
    request: Request,
    db: Session,
    contract: Contract,
    client_name: str,
    rule: StrategyRule | None,
    values: Mapping[str, str],
    errors: Mapping[str, str] | None = None,
) -> Response:
    names = listing.strategy_names(db)
    context = {
        "contract": contract,
        "client_name": client_name,
        "rule": rule,
        "values": values,
        "errors": errors or {},
        "labels": LABELS,
        "strategies": list(names.items()),
        "countries": [(c, c) for c in COUNTRIES],
        "statuses": [s.value for s in CaseStatus],
        "ticked": set(values.get("statuses", "").split(",")),
        "history": _history(db, rule, names, contract.currency) if rule else [],
    }
    return render(request, "outreach/strategies/rule_form.html", context)


def _rule_or_404(db: Session, contract: Contract, rule_id: int | None) -> StrategyRule | None:
    return None if rule_id is None else listing.rule_or_404(db, contract.id, rule_id)


RuleParam = Annotated[int | None, Query(ge=1, le=MAX_ID, description="the rule; none: a new one")]


@router.get("/edit")
def rule_form(
    request: Request, db: DbSession, _: Supervisor, contract_id: RowId, rule: RuleParam = None
) -> Response:
    contract, client_name = listing.contract_or_404(db, contract_id)
    found = _rule_or_404(db, contract, rule)
    values = _values(found, contract.currency) if found else {"is_active": "on"}
    return _form(request, db, contract, client_name, found, values)


def _minor(value: object, currency: str, name: str) -> int | None:
    if value is None:
        return None
    try:
        return Money.from_major(str(value), currency).minor
    except MoneyError as exc:
        raise FormError({name: str(exc)}) from exc


def _save(db: Session, contract: Contract, rule: StrategyRule | None, data: StrategyRuleForm,
          by_user_id: int) -> StrategyRule:  # fmt: skip
    segment = Segment(
        country=data.country,
        min_balance_minor=_minor(data.min_balance, contract.currency, "min_balance"),
        max_balance_minor=_minor(data.max_balance, contract.currency, "max_balance"),
        min_age_days=data.min_age_days,
        max_age_days=data.max_age_days,
        language=data.language,
        statuses=tuple(s.value for s in data.statuses),
    )
    try:
        return assignment.save_rule(db, contract=contract, strategy_id=data.strategy_id,
                                    segment=segment, by_user_id=by_user_id, rule=rule,
                                    is_active=data.is_active)  # fmt: skip
    except StrategyRefused as exc:
        raise FormError({_FIELDS.get(exc.field, exc.field): exc.message}) from exc


@router.post("/edit")
def save_rule(
    request: Request,
    posted: PostedForm,
    db: DbSession,
    user: Supervisor,
    contract_id: RowId,
    rule: RuleParam = None,
) -> Response:
    """Add a rule (tried after the contract's others) or change one."""
    contract, client_name = listing.contract_or_404(db, contract_id)
    found = _rule_or_404(db, contract, rule)
    values = posted_values(posted, "statuses")
    saved = or_refuse(
        lambda: _save(db, contract, found, parse(StrategyRuleForm, values), user.id),
        lambda exc: _form(request, db, contract, client_name, found, values, exc.errors),
    )
    done = "added" if found is None else "saved"
    return flash.redirect(
        f"/supervisor/contracts/{contract.id}/strategy-rules",
        f"Strategy rule {saved.position} {done}.",
    )


@router.post("/{rule_id}/move")
def move_rule(
    posted: PostedForm, db: DbSession, user: Supervisor, contract_id: RowId, rule_id: RowId
) -> Response:
    """Try a rule one place earlier or later (the "Up" and "Down" buttons).  A move the
    page no longer fits (another supervisor moved it first) is said, nothing written."""
    contract, _ = listing.contract_or_404(db, contract_id)
    listing.rule_or_404(db, contract.id, rule_id)
    direction = posted_values(posted).get("direction")
    back = f"/supervisor/contracts/{contract.id}/strategy-rules"
    if direction not in ("up", "down"):
        return flash.redirect(back, "Choose Up or Down to move a rule.")
    try:
        moved = assignment.move_rule(db, contract_id=contract.id, rule_id=rule_id,
                                     up=direction == "up", by_user_id=user.id)  # fmt: skip
    except StrategyRefused as exc:
        return flash.redirect(back, f"Not moved: the rule {exc.message}.")
    return flash.redirect(back, f"Strategy rule moved to {moved.position}.")
