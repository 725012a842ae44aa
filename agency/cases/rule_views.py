"""The supervisor's assignment-rule screens: the rules in the order they are tried (what
each matches, whom it feeds, which an earlier rule leaves unused), a rule's form with its
history in words, and moving a rule up or down or switching it off and on.

Admins and supervisors only.  The form posts normally and comes back with its errors next
to each field (422); the request's transaction then rolls back, so nothing is half-written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from agency.auth import service as auth_service
from agency.cases import assignment_rules
from agency.cases.models import AssignmentRule, AssignmentStrategy
from agency.cases.repository import assignment as assignment_repo
from agency.cases.schemas import RuleForm
from agency.cases.supervisor_shared import Supervisor, people_names, posted_values, save_or_refuse
from agency.clients import service as clients_service
from agency.db import DbSession
from agency.kit import flash
from agency.kit.errors import NotFound
from agency.kit.forms import PostedForm
from agency.kit.money import Money
from agency.kit.params import MAX_ID
from agency.kit.templates import render

router = APIRouter()


def _rule_values(rule: AssignmentRule) -> dict[str, str]:
    def text(value: object) -> str:
        return "" if value is None else str(value)

    low, high = rule.balance_band
    return {
        "name": rule.name,
        "strategy": rule.strategy.value,
        "is_active": "on" if rule.is_active else "",
        "client_id": text(rule.client_id),
        "min_balance": text(None if low is None else low.major),
        "max_balance": text(None if high is None else high.major),
        "balance_currency": text(rule.balance_currency),
        "country": text(rule.country),
        "region": text(rule.region),
        "language": text(rule.language),
        "min_age_days": text(rule.min_age_days),
        "max_age_days": text(rule.max_age_days),
        "team_id": text(rule.team_id),
        "agent_ids": ",".join(str(i) for i in rule.agent_ids or []),
    }


ANY = "any"
CONDITIONS = ("Client", "Balance", "Country", "Region", "Language", "Placed")


@dataclass(frozen=True, slots=True)
class Names:
    """Names of the clients, teams and people a rule's fields refer to by id."""

    clients: dict[int, str]
    teams: dict[int, str]
    people: dict[int, str]

    @classmethod
    def of(cls, db: Session, user_ids: set[int]) -> Names:
        return cls(
            clients={c.id: c.name for c in clients_service.all_clients(db)},
            teams={t.id: t.name for t in assignment_repo.teams(db)},
            people=people_names(db, user_ids),
        )


def rule_in_words(fields: Mapping[str, Any], names: Names) -> dict[str, str]:
    """A rule's fields (``assignment_rules.rule_fields``) as the supervisor reads them."""

    def edge(minor: int | None) -> str | None:
        return None if minor is None else Money(minor, fields["balance_currency"]).format()

    def span(low: object, high: object, unit: str = "") -> str:
        if low is None and high is None:
            return ANY
        return f"{low if low is not None else 0}\u2013{high if high is not None else ANY}{unit}"

    low, high = fields["min_balance_minor"], fields["max_balance_minor"]
    client, team = fields["client_id"], fields["team_id"]
    return {
        "Name": fields["name"],
        "How": AssignmentStrategy(fields["strategy"]).label,
        "Active": "yes" if fields["is_active"] else "no",
        "Client": ANY if client is None else names.clients.get(client, f"client {client}"),
        "Balance": span(edge(low), edge(high)),
        "Country": fields["country"] or ANY,
        "Region": fields["region"] or ANY,
        "Language": fields["language"] or ANY,
        "Placed": span(fields["min_age_days"], fields["max_age_days"], " days ago"),
        "Team": "none" if team is None else names.teams.get(team, f"team {team}"),
        "Agents": ", ".join(names.people.get(i, f"user {i}") for i in fields["agent_ids"])
        or "none",
    }


def _matches(words: Mapping[str, str]) -> str:
    """The rule's conditions in one line, e.g. "client Acme; language es"."""
    said = [f"{what.lower()} {words[what]}" for what in CONDITIONS if words[what] != ANY]
    return "; ".join(said) or "any case"


@dataclass(frozen=True, slots=True)
class HistoryLine:
    """One edit of a rule, in words: what changed from what to what."""

    at: datetime
    by: str
    action: str
    changes: list[tuple[str, str, str]]


def _history(db: Session, rule: AssignmentRule) -> list[HistoryLine]:
    """The rule's edits, newest first, each with the fields it changed."""
    edits = assignment_repo.rule_edits(db, rule.id)[::-1]
    people = {i for e in edits for i in e.rule["agent_ids"]}
    names = Names.of(db, people | {e.by_user_id for e in edits if e.by_user_id is not None})
    lines: list[HistoryLine] = []
    before: dict[str, str] | None = None
    for edit in edits:
        words = rule_in_words(edit.rule, names)
        changes = [
            (what, before[what], words[what])
            for what in words
            if before is not None and before[what] != words[what]
        ]
        by = "someone" if edit.by_user_id is None else names.people.get(edit.by_user_id, "")
        lines.append(HistoryLine(edit.at, by, edit.action.label, changes))
        before = words
    return lines[::-1]


def _rule_or_404(db: Session, rule_id: int) -> AssignmentRule:
    rule = assignment_repo.assignment_rule(db, rule_id)
    if rule is None:
        raise NotFound("assignment rule")
    return rule


@router.get("/supervisor/rules")
def rules(request: Request, db: DbSession, _: Supervisor) -> Response:
    """The rules in the order they are tried, with what each matches and whom it feeds."""
    listed = assignment_repo.assignment_rules(db)
    names = Names.of(db, {i for r in listed for i in r.agent_ids or []})
    places = {rule.id: number for number, rule in enumerate(listed, start=1)}
    shadowed = assignment_rules.shadowing(listed)
    rows = []
    for rule in listed:
        words = rule_in_words(assignment_rules.rule_fields(rule), names)
        members = "" if rule.strategy is AssignmentStrategy.TEAM_POOL else " (members)"
        takers = [words["Team"] + members] if rule.team_id is not None else []
        takers += [words["Agents"]] if rule.agent_ids else []
        earlier = shadowed.get(rule.id)
        unused = _unused(earlier, places[earlier.id]) if earlier is not None else ""
        rows.append((rule, _matches(words), "; ".join(takers), unused))
    return render(request, "cases/assignment_rules.html", {"rows": rows})


def _unused(earlier: AssignmentRule, number: int) -> str:
    """Why a rule never gets a case, in the supervisor's words."""
    said = (
        f"Never used: every case this rule matches is taken first by rule {number}, "
        f"“{earlier.name}”, which "
        + ("matches any case" if assignment_rules.catch_all(earlier) else "matches all of them too")
    )
    if earlier.strategy is not AssignmentStrategy.TEAM_POOL:
        said += " (a case reaches this rule only when all of that rule's agents are full)"
    return said + ". Move this rule above it, or narrow that one."


def _rule_form(
    request: Request,
    db: Session,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    *,
    rule: AssignmentRule | None,
) -> Response:
    return render(
        request,
        "cases/assignment_rule_form.html",
        {
            "rule": rule,
            "values": values,
            "errors": errors or {},
            "strategies": [(s.value, s.label) for s in AssignmentStrategy],
            "client_options": [(c.id, c.name) for c in clients_service.all_clients(db)],
            "team_options": [(t.id, t.name) for t in assignment_repo.teams(db)],
            "agents": auth_service.agents(db),
            "ticked": set(values.get("agent_ids", "").split(",")),
            "history": _history(db, rule) if rule is not None else [],
        },
    )


@router.get("/supervisor/rules/edit")
def rule_form(
    request: Request,
    db: DbSession,
    _: Supervisor,
    rule: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="the rule to edit; none: a new one")
    ] = None,
) -> Response:
    if rule is None:
        return _rule_form(request, db, {"is_active": "on", "strategy": "round_robin"}, rule=None)
    found = _rule_or_404(db, rule)
    return _rule_form(request, db, _rule_values(found), rule=found)


@router.post("/supervisor/rules/edit")
def save_rule(
    request: Request,
    posted: PostedForm,
    db: DbSession,
    user: Supervisor,
    rule: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    """Create a rule (tried after the others) or change one."""
    found = _rule_or_404(db, rule) if rule is not None else None
    values = posted_values(posted, "agent_ids")

    def save(data: RuleForm) -> object:
        if found is None:
            return assignment_rules.create_rule(db, data=data, by_user_id=user.id)
        return assignment_rules.update_rule(db, rule=found, data=data, by_user_id=user.id)

    save_or_refuse(values, RuleForm, save, lambda v, e: _rule_form(request, db, v, e, rule=found))
    done = "created" if found is None else "saved"
    return flash.redirect("/supervisor/rules", f"Assignment rule {done}.")


@router.post("/supervisor/rules/move")
def move_rule(
    request: Request,
    db: DbSession,
    user: Supervisor,
    rule: Annotated[int, Query(ge=1, le=MAX_ID)],
    direction: Annotated[Literal["up", "down"], Query()],
) -> Response:
    """Try a rule one place earlier or later."""
    found = _rule_or_404(db, rule)
    assignment_rules.move_rule(db, rule=found, direction=direction, by_user_id=user.id)
    return RedirectResponse("/supervisor/rules", status_code=303)


@router.post("/supervisor/rules/active")
def rule_active(
    request: Request,
    db: DbSession,
    user: Supervisor,
    rule: Annotated[int, Query(ge=1, le=MAX_ID)],
    active: Annotated[bool, Query()],
) -> Response:
    """Switch a rule off (kept, skipped) or back on."""
    assignment_rules.set_rule_active(
        db, rule=_rule_or_404(db, rule), active=active, by_user_id=user.id
    )
    return RedirectResponse("/supervisor/rules", status_code=303)
