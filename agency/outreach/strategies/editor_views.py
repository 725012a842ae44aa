"""The supervisor's strategy screens (admins and supervisors):

- ``/supervisor/strategies``: every strategy with its newest version, who published it
  and when, and the contracts whose rules give it; every contract, to its rules.
- ``/supervisor/strategies/new``: name, country, currency, whether the client sends the
  validation notice.
- ``/supervisor/strategies/{id}``: the newest version's steps in words (``?version=``
  an older one), and the versions with who published each, when and why.
- ``/supervisor/strategies/{id}/edit``: the step editor (agency.outreach.strategies.
  editor_form).  Publishing makes the next version, or answers the form again (422)
  with each refusal at the control it names and in a list at the top, everything
  typed kept and nothing written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from agency.cases.supervisor_shared import Supervisor, people_names
from agency.clients import service as clients_service
from agency.db import DbSession
from agency.kit import flash
from agency.kit.errors import NotFound
from agency.kit.forms import FormError, PostedForm, or_refuse, submit
from agency.kit.json_input import JsonInputError
from agency.kit.params import MAX_ID, RowId
from agency.kit.templates import render
from agency.outreach import repository as outreach_repo
from agency.outreach.models import MessageChannel
from agency.outreach.strategies import dry_run_views, editor_form, listing, step_words, versions
from agency.outreach.strategies.editor_form import FIELDS, LABELS, StepFields
from agency.outreach.strategies.models import Strategy, StrategyVersion
from agency.outreach.strategies.schemas import NewStrategyForm
from agency.outreach.strategies.steps import MAX_STEPS, MESSAGE_CHANNELS, read_steps
from agency.outreach.strategies.versions import COUNTRIES, StrategyRefused

router = APIRouter(prefix="/supervisor/strategies")
NEW_LABELS = {"name": "Name", "country": "Country", "currency": "Currency"}
_WHOLE = {"steps": "Steps", "version": "Version"}


def _strategy_or_404(db: DbSession, strategy_id: int) -> Strategy:
    strategy = listing.strategy(db, strategy_id)
    if strategy is None:
        raise NotFound("strategy")
    return strategy


def in_words(strategy: Strategy, version: StrategyVersion) -> list[str]:
    """A published version's steps, each as a sentence."""
    steps = read_steps(version.steps, currency=strategy.currency, country=strategy.country,
                       notice_by_client=strategy.notice_by_client)  # fmt: skip
    return [step_words.step_in_words(step, strategy.currency) for step in steps]


@router.get("")
def strategies(request: Request, db: DbSession, _: Supervisor) -> Response:
    rows = listing.strategies(db)
    used = listing.contracts_using(db)
    contracts = clients_service.all_contracts(db)
    names = people_names(db, {v.created_by_id for _, v in rows if v and v.created_by_id})
    listed = [
        (strategy, version, names.get(version.created_by_id or 0, "") if version else "",
         [c for c in contracts if c.id in used.get(strategy.id, set())])
        for strategy, version in rows
    ]  # fmt: skip
    context = {"rows": listed, "contracts": contracts}
    return render(request, "outreach/strategies/list.html", context)


def _new_form(request: Request, values: Mapping[str, str], errors: Mapping[str, str]) -> Response:
    context = {"values": values, "errors": errors, "countries": [(c, c) for c in COUNTRIES],
               "labels": NEW_LABELS}  # fmt: skip
    return render(request, "outreach/strategies/new.html", context)


@router.get("/new")
def new_strategy(request: Request, _: Supervisor) -> Response:
    return _new_form(request, {"country": "US", "currency": "USD"}, {})


@router.post("/new")
def create_strategy(
    request: Request, posted: PostedForm, db: DbSession, user: Supervisor
) -> Response:
    """Create the strategy, then write its steps in the editor."""

    def create(data: NewStrategyForm) -> Strategy:
        try:
            return versions.create(db, name=data.name, country=data.country,
                                   currency=data.currency, notice_by_client=data.notice_by_client,
                                   by_user_id=user.id)  # fmt: skip
        except StrategyRefused as exc:
            raise FormError({exc.field: exc.message}) from exc

    strategy = submit(posted, NewStrategyForm, create, lambda v, e: _new_form(request, v, e))
    return flash.redirect(
        f"/supervisor/strategies/{strategy.id}/edit",
        f"Strategy {strategy.name} created: write its steps and publish them.",
    )


@router.get("/{strategy_id}")
def strategy_page(
    request: Request,
    db: DbSession,
    _: Supervisor,
    strategy_id: RowId,
    version: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="an older version to show")
    ] = None,
) -> Response:
    """The steps of the newest version (or ``version``) in words, and every version."""
    strategy = _strategy_or_404(db, strategy_id)
    found = versions.versions_of(db, strategy.id)
    shown = next((v for v in found if version in (None, v.version)), None)
    if version is not None and shown is None:
        raise NotFound("version")
    used = listing.contracts_using(db).get(strategy.id, set())
    context = {
        "strategy": strategy,
        "versions": found,
        "shown": shown,
        "words": in_words(strategy, shown) if shown is not None else [],
        "names": people_names(db, {v.created_by_id for v in found if v.created_by_id}),
        "contracts": [c for c in clients_service.all_contracts(db) if c.id in used],
    }
    return render(request, "outreach/strategies/detail.html", context)


def _templates(db: DbSession) -> dict[str, list[str]]:
    """The active templates' keys, each with the channels it has a template in."""
    keys: dict[str, list[str]] = {}
    for channel in MESSAGE_CHANNELS:
        for template in outreach_repo.active_templates(db, MessageChannel(channel), language=None):
            channels = keys.setdefault(template.key, [])
            if step_words.CHANNEL_WORDS[channel] not in channels:
                channels.append(step_words.CHANNEL_WORDS[channel])
    return dict(sorted(keys.items()))


def _editor(
    request: Request,
    db: DbSession,
    strategy: Strategy,
    steps: list[StepFields],
    *,
    reason: str,
    base_version: str,
    problems: Mapping[str, str] | None = None,
    dry: Mapping[str, Any] | None = None,
) -> Response:
    """The editor; ``problems``: a refused publish's (or dry run's), by path
    (``steps[2].trigger.days``); ``dry``: a dry run's results (``dry_run_views``)."""
    errors: dict[str, str] = {}
    summary: list[tuple[tuple[int, int], str | None, str]] = []  # (page order, control, text)
    for path, message in (problems or {}).items():
        where = editor_form.control_of(path)
        if where is not None:
            n, name = where
            control = f"steps-{n}-{name}"
            order = (n, FIELDS.index(name) if name in FIELDS else len(FIELDS))
            text = f"Step {n + 1}, {LABELS[name].lower()}: {message}"
        elif path == "reason":
            control, order, text = "reason", (MAX_STEPS, 0), f"Why it changes: {message}"
        else:
            control, order, text = None, (-1, 0), f"{_WHOLE.get(path, path)}: {message}"
        if control is not None:
            errors.setdefault(control, message)
        summary.append((order, control, text))
    summary.sort(key=lambda line: line[0])
    context = {
        "strategy": strategy,
        "steps": steps,
        "reason": reason,
        "base_version": base_version,
        "errors": errors,
        "summary": [(control, text) for _, control, text in summary],
        "first_invalid": next((c for _, c, _ in summary if c is not None), None),
        "labels": LABELS,
        "templates": _templates(db),
        "anchors": step_words.ANCHOR_CHOICES,
        "channels": step_words.CHANNEL_CHOICES,
        "fallbacks": step_words.FALLBACK_CHOICES,
        "thens": step_words.THEN_CHOICES,
        "conditions": step_words.CONDITION_CHOICES,
        "max_steps": MAX_STEPS,
        "dried": dry is not None,
        "segment": None,
        **(dry or {}),
    }
    status = 422 if problems else 200
    return render(request, "outreach/strategies/edit.html", context, status_code=status)


@router.get("/{strategy_id}/edit")
def edit_strategy(request: Request, db: DbSession, _: Supervisor, strategy_id: RowId) -> Response:
    """The newest version's steps in the editor; a strategy with none starts with one
    step (a US strategy's: the validation notice, unless the client sends it)."""
    strategy = _strategy_or_404(db, strategy_id)
    newest = next(iter(versions.versions_of(db, strategy.id)), None)
    if newest is not None:
        steps = editor_form.fields_of(newest.steps)
    elif strategy.country == "US" and not strategy.notice_by_client:
        steps = [editor_form.notice_step()]
    else:
        steps = [editor_form.blank_step("step-1")]
    base = str(newest.version if newest else 0)
    return _editor(request, db, strategy, steps, reason="", base_version=base)


def _publish(
    db: DbSession, strategy: Strategy, steps: list[StepFields], reason: str, base: str,
    by_user_id: int,
) -> StrategyVersion:  # fmt: skip
    """The next version, or FormError with every problem found, by path."""
    newest = next(iter(versions.versions_of(db, strategy.id)), None)
    if base != str(newest.version if newest else 0):
        raise FormError({"version": f"version {newest.version if newest else 0} was published "
                         "since this page was opened: open the editor again to see it, then "
                         "make your change"})  # fmt: skip
    raw = editor_form.stored(steps)
    problems = editor_form.each_step_problems(raw, strategy.currency)
    try:
        version = versions.publish(db, strategy=strategy, steps=raw, reason=reason,
                                   by_user_id=by_user_id)  # fmt: skip
    except StrategyRefused as exc:
        problems.setdefault(exc.field, exc.message)
    if problems:
        raise FormError(problems)
    return version


@router.post("/{strategy_id}/edit")
def publish_strategy(
    request: Request, posted: PostedForm, db: DbSession, user: Supervisor, strategy_id: RowId
) -> Response:
    """A button's change to the steps (answered with the form again), or publish."""
    strategy = _strategy_or_404(db, strategy_id)
    steps = editor_form.posted_steps(posted)
    reason, base, action = (
        str(posted.get(name) or "") for name in ("reason", "base_version", "do")
    )
    if action == "dry-run":
        return _dry_run(request, db, strategy, steps, posted, reason=reason, base=base)
    changed = editor_form.edited(steps, action or None)
    if changed is not None:
        return _editor(request, db, strategy, changed, reason=reason, base_version=base)
    version = or_refuse(
        lambda: _publish(db, strategy, steps, reason, base, user.id),
        lambda exc: _editor(request, db, strategy, steps, reason=reason, base_version=base,
                            problems=exc.errors),
    )  # fmt: skip
    return flash.redirect(
        f"/supervisor/strategies/{strategy.id}",
        f"Version {version.version} published: {version.reason}",
    )


def _dry_run(
    request: Request,
    db: DbSession,
    strategy: Strategy,
    steps: list[StepFields],
    posted: FormData,
    *,
    reason: str,
    base: str,
) -> Response:
    """The steps in the form dry-run (nothing written), or their problems at their fields."""
    raw = editor_form.stored(steps)
    problems = editor_form.each_step_problems(raw, strategy.currency)
    read = None
    if not problems:
        try:
            read = read_steps(
                raw,
                currency=strategy.currency,
                country=strategy.country,
                notice_by_client=strategy.notice_by_client,
            )
        except JsonInputError as exc:
            problems[exc.path] = exc.reason
    if read is None:
        return _editor(
            request, db, strategy, steps, reason=reason, base_version=base, problems=problems
        )
    dry = dry_run_views.results(
        db,
        strategy,
        read,
        case=str(posted.get("dry_case") or ""),
        segment=posted.get("dry_segment") == "yes",
    )
    return _editor(request, db, strategy, steps, reason=reason, base_version=base, dry=dry)
