"""The compliance officer's workspace: ledger integrity, ledger search and export, a
consumer's timeline and evidence bundle, blocked attempts over time, "what if", and the
clients' compliance policies.

Compliance officers use every page; admins may read them (they change nothing here);
every other role gets 403.  Pages are server-rendered and work without JavaScript; htmx
swaps named blocks of the same templates.  htmx 2 does not swap 4xx answers, so a form
that htmx swaps gets its inline errors with status 200, while the same form submitted as
a page answers 422.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, StreamingResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from agency.auth.models import Role, User
from agency.auth.permissions import CurrentViewer, require
from agency.cases import picker
from agency.cases.models import Case, Consumer, ContactPoint
from agency.clients import service as clients_service
from agency.compliance import alarms, checkpoints, engine, integrity, repository, service
from agency.compliance import templates as message_templates
from agency.compliance.catalogue import CATALOGUE, describe
from agency.compliance.evidence import (
    CaseRow,
    EvidenceBundle,
    FactRow,
    PointRow,
    RuleText,
    TimelineRow,
    build_pdf,
    chain_status,
    checkpoint_match,
    mask_contact,
)
from agency.compliance.facts import Decision, Policy
from agency.compliance.keys import ledger_keys
from agency.compliance.models import ComplianceFact, EntryKind, FactKind, LedgerEntry, Source
from agency.compliance.schemas import (
    FACT_DAYS,
    LEDGER_CHANNELS,
    BlockedQuery,
    FactForm,
    LedgerQuery,
    WhatIfForm,
)
from agency.db import DbSession
from agency.kit import clock, flash
from agency.kit.errors import NotFound, ResponseError
from agency.kit.forms import FormError, PostedForm, form_values, parse
from agency.kit.params import RowId
from agency.kit.spreadsheets import excel_safe
from agency.kit.templates import is_htmx, render

router = APIRouter()
# Compliance officers work here; admins may look (they change nothing here).
Readers = Annotated[User, Depends(require(Role.COMPLIANCE, Role.ADMIN))]
Officer = Annotated[User, Depends(require(Role.COMPLIANCE))]

PAGE_SIZE = 50
CSV_BATCH = 1_000
# series-0 .. series-7 in agency.css are colours, series-8 .. series-15 the same colours
# hatched (patterns in blocked.html); only a 17th series and beyond share series-other.
SERIES_COLOURS = 16


# ---- shared helpers ----------------------------------------------------------------------


def _start_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _today() -> date:
    return clock.now().astimezone(UTC).date()


def _status(request: Request, errors: Mapping[str, str]) -> int:
    """422 for a page with errors; 200 for an htmx swap (htmx does not swap a 4xx)."""
    return 422 if errors and not is_htmx(request) else 200


def rule_texts(rule_ids: Sequence[str]) -> tuple[RuleText, ...]:
    """Each rule id with its title, citation and plain words (from the catalogue)."""
    found = []
    for rule_id in rule_ids:
        rule = describe(rule_id)
        found.append(
            RuleText(id=rule.id, title=rule.title, citation=rule.citation, plain=rule.plain)
        )
    return tuple(found)


def _user_names(db: Session, user_ids: Sequence[int | None]) -> dict[int, str]:
    users = repository.users_by_id(db, sorted({u for u in user_ids if u is not None}))
    return {user_id: user.full_name for user_id, user in users.items()}


def _who(names: Mapping[int, str], actor_id: int | None, source: Source | str | None) -> str:
    if actor_id is not None:
        return names.get(actor_id, f"user {actor_id}")
    return {"consumer": "the consumer", "system": "the system", "strategy": "contact strategy"}.get(
        str(source.value if isinstance(source, Source) else source), str(source or "—")
    )


def _fact_errors(message: str) -> dict[str, str]:
    """A ComplianceError message ("contact point: not one of ...") as form errors: the
    whole sentence at the top, and the field it names marked."""
    fields_by_prefix = {
        "contact point": "contact_point_id",
        "case": "case_id",
        "cases": "case_id",
        "effective date": "effective_at",
        "until": "until",
        "attorney name": "attorney_name",
        "attorney": "attorney_name",
        "inconvenient time": "inconvenient_from",
        "fact": "withdraw_fact_id",
    }
    prefix = message.split(":", 1)[0].strip()
    errors = {"__all__": message[:1].upper() + message[1:]}
    if prefix in fields_by_prefix:
        errors[fields_by_prefix[prefix]] = errors["__all__"]
    return errors


def _labelled(errors: Mapping[str, str], labels: Mapping[str, str]) -> dict[str, str]:
    """Schema errors ("is required") as sentences that name the field."""
    result: dict[str, str] = {}
    for name, message in errors.items():
        key = name.split(".", 1)[0]
        message = message.replace("input should be", "must be", 1)
        if key == "__all__":
            result[key] = message[:1].upper() + message[1:]
        else:
            result[key] = f"{labels.get(key, key.replace('_', ' ').capitalize())} {message}."
    return result


# ---- the workspace home ------------------------------------------------------------------

REVIEW_KINDS = (
    FactKind.DISPUTE,
    FactKind.CEASE,
    FactKind.OPT_OUT,
    FactKind.CONSENT_REVOKED,
    FactKind.DO_NOT_CALL,
    FactKind.DO_NOT_USE,
    FactKind.ATTORNEY,
)


def _home(
    request: Request,
    db: Session,
    *,
    status_code: int = 200,
    reasons: Mapping[int, str] | None = None,
    errors: Mapping[int, str] | None = None,
) -> Response:
    now = clock.now()
    today = _start_of(_today())
    verification = repository.last_verification(db)
    records = alarms.load_alarms(db)
    acknowledged = sorted(records.acks.values(), key=lambda ack: ack.id, reverse=True)[:5]
    recent = repository.recent_facts(db, REVIEW_KINDS, limit=15)
    consumers = repository.consumers_by_id(db, sorted({f.consumer_id for f in recent}))
    names = _user_names(
        db,
        [
            verification.run_by_id if verification else None,
            *(f.recorded_by_id for f in recent),
            *(ack.officer_id for ack in acknowledged),
        ],
    )
    return render(
        request,
        "compliance/home.html",
        {
            "verification": verification,
            "verified_by": (
                _who(names, verification.run_by_id, Source.SYSTEM) if verification else ""
            ),
            "open_alarms": records.unacknowledged,
            "acknowledged": acknowledged,
            "alarms_by_id": {alarm.id: alarm for alarm in records.valid},
            "record_problems": records.problems,
            "checkpoint": checkpoints.newest_summary(),
            "reasons": reasons or {},
            "alarm_errors": errors or {},
            "blocked_today": repository.blocked_between(db, since=today, until=now + timedelta(1)),
            "blocked_week": repository.blocked_between(
                db, since=today - timedelta(days=6), until=now + timedelta(1)
            ),
            "today": today.date(),
            "week_start": (today - timedelta(days=6)).date(),
            "recent": recent,
            "consumers": consumers,
            "names": names,
        },
        status_code=status_code,
    )


@router.get("/compliance")
def home(request: Request, db: DbSession, _: Readers) -> Response:
    """Ledger integrity, blocked attempts lately, facts to review, and the tools."""
    return _home(request, db)


@router.post("/compliance/verify")
def verify(request: Request, db: DbSession, officer: Officer) -> Response:
    """Recompute every chain now (synchronously) and show the result."""
    integrity.verify_ledger(db, actor_id=officer.id)
    if is_htmx(request):
        return _home(request, db)
    return RedirectResponse("/compliance", status_code=303)


@router.post("/compliance/alarms/{alarm_id}/acknowledge")
def acknowledge_alarm(
    request: Request,
    db: DbSession,
    officer: Officer,
    alarm_id: int,
    reason: Annotated[str, Form()] = "",
) -> Response:
    """A compliance officer sets a ledger alarm aside, saying why (required)."""
    try:
        alarms.acknowledge_alarm(db, alarm_id=alarm_id, officer_id=officer.id, reason=reason)
    except service.ComplianceError as exc:
        message = str(exc).split(":", 1)[-1].strip()
        raise ResponseError(
            _home(
                request,
                db,
                status_code=422,
                reasons={alarm_id: reason},
                errors={alarm_id: message[:1].upper() + message[1:] + "."},
            )
        ) from exc
    return RedirectResponse("/compliance#integrity", status_code=303)


# ---- ledger search -----------------------------------------------------------------------

LEDGER_LABELS = {
    "consumer_id": "Consumer id",
    "case": "Case",
    "client_id": "Client",
    "agent_id": "Agent",
    "channel": "Channel",
    "rule": "Rule",
    "decision": "Decision",
    "kind": "Kind",
    "since": "From",
    "until": "To",
    "before": "Page",
}


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One entry of the search, with what the table shows beside it."""

    entry: LedgerEntry
    consumer: Consumer | None
    cases: list[tuple[int, str]]
    point: str
    actor: str
    rules: tuple[RuleText, ...]


def _ledger_filters(
    db: Session, values: Mapping[str, str], picked: picker.Picked
) -> tuple[LedgerQuery, Any]:
    """The search's query string, with the consumer ``picked`` from it, as a LedgerQuery
    and the repository's LedgerFilter; a FormError names each bad field."""
    consumer_id = str(picked.consumer.id) if picked.consumer else ""
    try:
        query = parse(LedgerQuery, {**values, "consumer_id": consumer_id})
    except FormError as exc:
        errors = dict(exc.errors)
        if "__all__" in errors:  # the only check across fields: the date range
            errors["until"] = errors.pop("__all__")
        raise FormError(_labelled(errors, LEDGER_LABELS)) from exc
    problems: dict[str, str] = {}
    if picked.error:
        problems["consumer"] = picked.error
    case_id = None
    if query.case:
        matches = repository.cases_matching(db, query.case)
        if query.client_id is not None:
            matches = [case for case in matches if case.client_id == query.client_id]
        if not matches:
            problems["case"] = "Case: there is no case with that id or client reference."
        elif len(matches) > 1:
            problems["case"] = (
                f"Case: {len(matches)} cases of different clients have that reference; "
                "choose the client too."
            )
        else:
            case_id = matches[0].id
    if query.rule and query.rule not in CATALOGUE:
        problems["rule"] = "Rule: not a rule id of the catalogue."
    if problems:
        raise FormError(problems)
    filters = repository.LedgerFilter(
        consumer_id=query.consumer_id,
        case_id=case_id,
        client_id=query.client_id,
        agent_id=query.agent_id,
        channel=query.channel,
        rule_id=query.rule,
        decision=query.decision,
        kind=query.kind.value if query.kind else None,
        since=query.since_at,
        until=query.until_at,
    )
    return query, filters


def _ledger_rows(db: Session, entries: Sequence[LedgerEntry]) -> list[LedgerRow]:
    ids = [e.id for e in entries]
    cases = repository.cases_of_entries(db, ids)
    consumers = repository.consumers_by_id(
        db, sorted({e.consumer_id for e in entries if e.consumer_id is not None})
    )
    points = repository.contact_points_by_id(
        db, sorted({e.contact_point_id for e in entries if e.contact_point_id is not None})
    )
    names = _user_names(db, [e.actor_id for e in entries])
    rows = []
    for entry in entries:
        point = points.get(entry.contact_point_id) if entry.contact_point_id else None
        rows.append(
            LedgerRow(
                entry=entry,
                consumer=consumers.get(entry.consumer_id) if entry.consumer_id else None,
                cases=cases.get(entry.id, []),
                point=mask_contact(point.channel.value, point.value) if point else "",
                actor=_who(names, entry.actor_id, entry.source),
                rules=rule_texts(entry.blocked_by),
            )
        )
    return rows


def _ledger_options(db: Session) -> dict[str, Any]:
    """The search form's choices, as (value, text) pairs."""
    return {
        "options": {
            "clients": [(c.id, c.name) for c in clients_service.all_clients(db)],
            "agents": [(u.id, u.full_name) for u in repository.contacting_staff(db)],
            "channels": [(c, c.replace("_", " ")) for c in LEDGER_CHANNELS],
            "rules": [
                (rule.id, f"{rule.id} · {rule.title}")
                for rule in sorted(CATALOGUE.values(), key=lambda rule: rule.id)
            ],
            "decisions": [("allowed", "allowed"), ("blocked", "blocked")],
            "kinds": [(kind.value, kind.value) for kind in EntryKind],
        }
    }


@router.get("/compliance/ledger")
def ledger(request: Request, db: DbSession, _: Readers, viewer: CurrentViewer) -> Response:
    """Search the contact ledger, newest first, keyset-paged (no COUNT over the ledger)."""
    values = dict(request.query_params)
    picked = picker.resolve(db, viewer, values)
    errors: dict[str, str] = {}
    rows: list[LedgerRow] = []
    older: int | None = None
    try:
        query, filters = _ledger_filters(db, values, picked)
        entries, older = repository.page_of(db, filters, before_id=query.before, size=PAGE_SIZE)
        rows = _ledger_rows(db, entries)
    except FormError as exc:
        errors = dict(exc.errors)
        if "before" in errors:  # the paging cursor is no field of the form
            errors["__all__"] = errors.pop("before")
    return render(
        request,
        "compliance/ledger.html",
        {
            "values": values,
            "errors": errors,
            "rows": rows,
            "older": older,
            "paged": "before" in values,
            "picked": picked,
            **_ledger_options(db),
        },
        status_code=_status(request, errors),
    )


CSV_COLUMNS = (
    "id",
    "at",
    "recorded_at",
    "kind",
    "source",
    "consumer_id",
    "consumer_name",
    "case_ids",
    "case_references",
    "channel",
    "direction",
    "contact_point_id",
    "contact_point",
    "actor_id",
    "actor",
    "allowed",
    "blocked_by",
    "next_allowed_at",
    "rule_set",
    "policy_version",
    "timezones",
    "automated",
    "template",
    "attempt_id",
    "outcome",
    "fact_id",
    "detail",
    "prev_hash",
    "hash",
)


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    if hasattr(value, "value"):
        return str(value.value)
    return str(value)


def _csv_record(row: LedgerRow) -> list[str]:
    entry = row.entry
    record = {
        **{f: getattr(entry, f) for f in CSV_COLUMNS if hasattr(entry, f)},
        "consumer_name": row.consumer.display_name if row.consumer else "",
        "case_references": [reference for _, reference in row.cases],
        "contact_point": row.point,
        "actor": row.actor,
    }
    return [excel_safe(_csv_cell(record.get(name))) for name in CSV_COLUMNS]


def ledger_csv_lines(bind: Any, filters: Any) -> Iterator[str]:
    """The search as CSV lines, page by page over the keyset (never all rows at once).

    Runs in its own read-only session on ``bind``: the request's session has committed
    and closed by the time a streamed body is read.  Cells are neutralized for
    spreadsheets the way the referral rejected-rows file is.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(cells: Sequence[str]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(cells)
        return buffer.getvalue()

    yield "\ufeff" + line(CSV_COLUMNS)
    with Session(bind=bind, expire_on_commit=False) as db:
        before: int | None = None
        while True:
            entries, before = repository.page_of(db, filters, before_id=before, size=CSV_BATCH)
            for row in _ledger_rows(db, entries):
                yield line(_csv_record(row))
            db.expunge_all()
            if before is None:
                return


@router.get("/compliance/ledger.csv")
def ledger_csv(request: Request, db: DbSession, _: Readers, viewer: CurrentViewer) -> Response:
    """The same search as CSV, every field of every matching entry, streamed."""
    values = dict(request.query_params)
    picked = picker.resolve(db, viewer, values)
    try:
        filters = _ledger_filters(db, values, picked)[1]
    except FormError as exc:
        raise ResponseError(
            render(
                request,
                "compliance/ledger.html",
                {"values": values, "errors": exc.errors, "rows": []}
                | {"older": None, "paged": False, "picked": picked}
                | _ledger_options(db),
                status_code=422,
            )
        ) from exc
    stamp = clock.now().strftime("%Y%m%d-%H%M%S")
    return StreamingResponse(
        ledger_csv_lines(db.get_bind(), filters),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="ledger-{stamp}.csv"',
            "Cache-Control": "no-store",
        },
    )


# ---- a consumer's timeline, facts and evidence -------------------------------------------

FACT_LABELS = {
    "kind": "Kind",
    "case_id": "Case",
    "contact_point_id": "Contact point",
    "effective_at": "Effective",
    "until": "Until",
    "written": "Written",
    "attorney_name": "Attorney name",
    "attorney_phone": "Attorney phone",
    "attorney_email": "Attorney e-mail",
    "attorney_address": "Attorney address",
    "inconvenient_from": "Inconvenient from",
    "inconvenient_to": "Inconvenient to",
    "inconvenient_days": "Days",
    "withdraw_fact_id": "Fact to withdraw",
    "note": "Note",
}
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True, slots=True)
class ConsumerRecord:
    """Everything the timeline page and the evidence bundle show about one consumer."""

    consumer: Consumer
    points: list[ContactPoint]
    cases: list[Case]
    facts: list[ComplianceFact]
    withdrawn: dict[int, ComplianceFact]  # fact id -> the withdrawal that ended it
    entries: list[LedgerEntry]  # id order: the chain's order
    names: dict[int, str]
    timeline: list[TimelineRow]  # newest first, outcomes under their attempt

    def in_force(self) -> list[ComplianceFact]:
        return [
            f for f in self.facts if f.kind is not FactKind.WITHDRAWN and f.id not in self.withdrawn
        ]

    def ended(self) -> list[ComplianceFact]:
        return [f for f in self.facts if f.kind is FactKind.WITHDRAWN or f.id in self.withdrawn]


def point_flags(point: ContactPoint) -> tuple[str, ...]:
    flags = [
        name
        for name, on in (
            ("consent", point.consent),
            ("opted out", point.opted_out),
            ("do not call", point.do_not_call),
            ("do not use", point.do_not_use),
            ("workplace", point.workplace),
        )
        if on
    ]
    return tuple(flags)


def fact_details(fact: ComplianceFact, cases: Mapping[int, Case]) -> str:
    """A fact's details in words (no contact values of the consumer)."""
    detail = fact.detail or {}
    parts: list[str] = []
    if fact.kind is FactKind.DISPUTE:
        parts.append("written" if detail.get("written") else "oral")
    elif fact.kind is FactKind.ATTORNEY:
        parts.extend(
            f"{key} {detail[key]}"
            for key in ("name", "phone", "email", "address")
            if detail.get(key)
        )
    elif fact.kind is FactKind.INCONVENIENT_TIME:
        days = detail.get("days")
        parts.append(f"{detail.get('from')} to {detail.get('to')} local time")
        parts.append(
            "every day" if not days else ", ".join(DAY_NAMES[int(d)] for d in days if 0 <= d <= 6)
        )
    elif fact.kind is FactKind.WITHDRAWN:
        parts.append(f"ends fact {detail.get('fact_id')}")
    if fact.until is not None:
        parts.append(f"until {fact.until:%Y-%m-%d %H:%M} UTC")
    if detail.get("from_entry"):
        parts.append(f"from ledger entry {detail['from_entry']}")
    if detail.get("note"):
        parts.append(str(detail["note"]))
    return "; ".join(parts)


def _fact_about(fact: ComplianceFact, cases: Mapping[int, Case], points: Mapping[int, Any]) -> str:
    about = []
    if fact.case_id is not None:
        case = cases.get(fact.case_id)
        about.append(f"case {case.client_reference if case else fact.case_id}")
    if fact.contact_point_id is not None:
        point = points.get(fact.contact_point_id)
        about.append(
            f"{point.channel.value} {mask_contact(point.channel.value, point.value)}"
            if point
            else f"contact point {fact.contact_point_id}"
        )
    return ", ".join(about) or "the consumer"


def _entry_what(
    entry: LedgerEntry,
    cases: Mapping[int, Case],
    points: Mapping[int, ContactPoint],
    facts: Mapping[int, ComplianceFact],
) -> str:
    point = points.get(entry.contact_point_id) if entry.contact_point_id else None
    masked = (
        f"{point.channel.value} {mask_contact(point.channel.value, point.value)}" if point else ""
    )
    refs = ", ".join(
        cases[c].client_reference if c in cases else str(c) for c in entry.case_ids or []
    )
    about = f" about {refs}" if refs else ""
    if entry.kind is EntryKind.ATTEMPT:
        automated = " (automated)" if entry.automated else ""
        template = f", template {entry.template}" if entry.template else ""
        return f"{entry.channel}{automated} to {masked or 'no contact point'}{about}{template}"
    if entry.kind is EntryKind.OUTCOME:
        return f"outcome of entry {entry.attempt_id}: {entry.outcome}"
    if entry.kind is EntryKind.INBOUND:
        reply = (entry.detail or {}).get("reply")
        said = f"; reply read as {reply}" if reply else ""
        return f"{entry.channel} from {masked or 'the consumer'}{about}: {entry.outcome}{said}"
    if entry.kind is EntryKind.FACT:
        fact = facts.get(entry.fact_id) if entry.fact_id else None
        kind = (entry.detail or {}).get("fact") or (fact.kind.value if fact else "fact")
        details = fact_details(fact, cases) if fact else ""
        where = f" on {masked}" if masked else ""
        return f"fact {entry.fact_id}: {kind}{where}{about}" + (f" ({details})" if details else "")
    return entry.kind.value


def build_timeline(
    entries: Sequence[LedgerEntry],
    *,
    names: Mapping[int, str],
    cases: Mapping[int, Case],
    points: Mapping[int, ContactPoint],
    facts: Mapping[int, ComplianceFact],
) -> list[TimelineRow]:
    """The consumer's ledger as rows, newest first; outcomes sit under their attempt."""
    outcomes: dict[int, list[TimelineRow]] = {}
    rows: list[TimelineRow] = []
    for entry in entries:
        row = TimelineRow(
            entry_id=entry.id,
            at=entry.at,
            kind=entry.kind.value,
            what=_entry_what(entry, cases, points, facts),
            who=_who(names, entry.actor_id, entry.source),
            source=entry.source.value,
            decision=("" if entry.allowed is None else ("allowed" if entry.allowed else "blocked")),
            rules=rule_texts(entry.blocked_by or []),
            next_allowed_at=entry.next_allowed_at,
            rule_set=entry.rule_set,
        )
        if entry.kind is EntryKind.OUTCOME and entry.attempt_id is not None:
            outcomes.setdefault(entry.attempt_id, []).append(row)
        else:
            rows.append(row)
    attached = {row.entry_id for row in rows}
    for attempt_id, found in outcomes.items():
        if attempt_id not in attached:  # an outcome whose attempt is not in this chain
            rows.extend(found)
    rows = [
        TimelineRow(
            **{f.name: getattr(row, f.name) for f in fields(TimelineRow) if f.name != "outcomes"},
            outcomes=tuple(outcomes.get(row.entry_id, ())) if row.kind == "attempt" else (),
        )
        for row in rows
    ]
    rows.sort(key=lambda row: row.entry_id, reverse=True)
    return rows


def consumer_record(db: Session, consumer_id: int) -> ConsumerRecord:
    consumer = repository.consumer_or_none(db, consumer_id)
    if consumer is None:
        raise NotFound("consumer")
    points = repository.consumer_with_points_and_cases(db, consumer_id).contact_points
    cases = repository.cases_with_clients(db, consumer_id)
    facts = repository.facts_of(db, consumer_id)
    entries = repository.consumer_entries(db, consumer_id)
    by_id = {f.id: f for f in facts}
    withdrawn = {
        int(f.detail["fact_id"]): f
        for f in facts
        if f.kind is FactKind.WITHDRAWN and int(f.detail.get("fact_id", 0)) in by_id
    }
    names = _user_names(db, [*(e.actor_id for e in entries), *(f.recorded_by_id for f in facts)])
    # An entry may name a case of another consumer's (never by the service) or a point
    # since removed: look up what the entries name, not only the consumer's own.
    case_map = {case.id: case for case in cases}
    case_map |= repository.cases_by_ids(
        db, sorted({c for e in entries for c in e.case_ids or [] if c not in case_map})
    )
    point_map = {point.id: point for point in points}
    timeline = build_timeline(entries, names=names, cases=case_map, points=point_map, facts=by_id)
    return ConsumerRecord(
        consumer=consumer,
        points=points,
        cases=cases,
        facts=facts,
        withdrawn=withdrawn,
        entries=entries,
        names=names,
        timeline=timeline,
    )


def _consumer_page(
    request: Request,
    db: Session,
    consumer_id: int,
    *,
    values: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    record = consumer_record(db, consumer_id)
    cases = {case.id: case for case in record.cases}
    points = {point.id: point for point in record.points}
    return render(
        request,
        "compliance/consumer.html",
        {
            "record": record,
            "consumer": record.consumer,
            "in_force": record.in_force(),
            "ended": record.ended(),
            "fact_details": lambda fact: fact_details(fact, cases),
            "fact_about": lambda fact: _fact_about(fact, cases, points),
            "point_flags": point_flags,
            "values": values or {"kind": FactKind.DISPUTE.value},
            "errors": errors or {},
            "options": {
                "kinds": [(kind.value, kind.value.replace("_", " ")) for kind in FactKind],
                "cases": [
                    (case.id, f"{case.client_reference} · {case.client.name}")
                    for case in record.cases
                ],
                "points": [
                    (point.id, f"{point.channel.value} {point.kind} {point.value}")
                    for point in record.points
                ],
                "withdraw": [
                    (
                        fact.id,
                        f"{fact.id}: {fact.kind.value.replace('_', ' ')}, "
                        f"{fact.effective_at:%Y-%m-%d}",
                    )
                    for fact in record.in_force()
                ],
            },
            "days": list(zip(FACT_DAYS, DAY_NAMES, strict=True)),
            "chain": chain_status(record.entries, ledger_keys().secrets),
        },
        status_code=status_code,
    )


@router.get("/compliance/consumers/{consumer_id}")
def consumer_timeline(
    request: Request,
    db: DbSession,
    _: Readers,
    consumer_id: RowId,
    kind: Annotated[FactKind, Query(description="the fact form's kind")] = FactKind.DISPUTE,
) -> Response:
    """A consumer, their contact points, cases and facts, and every ledger entry; the
    fact form shows the fields of ``kind``."""
    return _consumer_page(request, db, consumer_id, values={"kind": kind.value})


@router.post("/compliance/consumers/{consumer_id}/facts")
def record_fact(
    request: Request, posted: PostedForm, db: DbSession, officer: Officer, consumer_id: RowId
) -> Response:
    """An officer records a compliance fact (Source.OFFICER) through the service."""
    if repository.consumer_or_none(db, consumer_id) is None:
        raise NotFound("consumer")
    values: dict[str, Any] = form_values(posted)
    days = [str(d) for d in posted.getlist("inconvenient_days")]
    try:
        data = parse(FactForm, {**values, "inconvenient_days": days or None})  # type: ignore[dict-item]
    except FormError as exc:
        errors = _labelled(exc.errors, FACT_LABELS)
        errors.setdefault("__all__", "Please correct the fields marked below.")
        raise ResponseError(
            _consumer_page(
                request,
                db,
                consumer_id,
                values={**values, "inconvenient_days": days},
                errors=errors,
                status_code=422,
            )
        ) from exc
    try:
        fact = service.record_fact(
            db,
            consumer_id=consumer_id,
            kind=data.kind,
            actor_id=officer.id,
            source=Source.OFFICER,
            case_id=data.case_id,
            contact_point_id=data.contact_point_id,
            effective_at=data.effective_at,
            until=data.until,
            detail=data.detail(),
        )
    except service.ComplianceError as exc:
        # Raising ResponseError rolls the request back: nothing half-written is kept.
        raise ResponseError(
            _consumer_page(
                request,
                db,
                consumer_id,
                values={**values, "inconvenient_days": days},
                errors=_fact_errors(str(exc)),
                status_code=422,
            )
        ) from exc
    return RedirectResponse(
        f"/compliance/consumers/{consumer_id}?recorded={fact.id}#timeline", status_code=303
    )


@router.get("/compliance/consumers/{consumer_id}/evidence.pdf")
def evidence_pdf(request: Request, db: DbSession, user: Readers, consumer_id: RowId) -> Response:
    """The consumer's evidence bundle: who, contact points (masked), cases, facts, the
    full timeline with decisions and rules, whether this consumer's chain verifies, and
    the checkpoint it was compared with."""
    keys = ledger_keys()
    record = consumer_record(db, consumer_id)
    cases = {case.id: case for case in record.cases}
    points = {point.id: point for point in record.points}
    consumer = record.consumer
    bundle = EvidenceBundle(
        consumer_id=consumer.id,
        consumer_name=consumer.display_name,
        location=" · ".join(
            part for part in (consumer.country, consumer.region, consumer.postal_code) if part
        ),
        zones=tuple(
            sorted(
                {
                    *consumer.timezones,
                    *([consumer.stated_timezone] if consumer.stated_timezone else []),
                }
            )
        ),
        generated_at=clock.now(),
        generated_by=f"{user.full_name} ({user.role.label})",
        rule_set=engine.RULE_SET,
        points=tuple(
            PointRow(
                id=p.id,
                channel=p.channel.value,
                kind=p.kind,
                masked=mask_contact(p.channel.value, p.value),
                flags=point_flags(p),
            )
            for p in record.points
        ),
        cases=tuple(
            CaseRow(
                id=c.id, reference=c.client_reference, client=c.client.name, status=c.status.value
            )
            for c in record.cases
        ),
        facts=tuple(
            FactRow(
                id=f.id,
                kind=f.kind.value,
                effective_at=f.effective_at,
                recorded_by=_who(record.names, f.recorded_by_id, f.source),
                source=f.source.value,
                about=_fact_about(f, cases, points),
                details=fact_details(f, cases),
                in_force=f.kind is not FactKind.WITHDRAWN and f.id not in record.withdrawn,
            )
            for f in record.facts
        ),
        timeline=tuple(record.timeline),
        chain=chain_status(record.entries, keys.secrets),
        checkpoint=checkpoint_match(record.entries, consumer.id, checkpoints.newest(keys)[0]),
        rule_sets_seen=tuple(sorted({e.rule_set for e in record.entries if e.rule_set})),
    )
    return Response(
        build_pdf(bundle),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="consumer-{consumer.id}-evidence.pdf"',
            "Cache-Control": "no-store",
        },
    )


# ---- blocked attempts over time ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Series:
    key: str
    label: str
    title: str  # a longer description (tooltip)
    css: str
    href: str | None  # the ledger search filtered to this series
    counts: dict[str, int]  # day -> count

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True, slots=True)
class Segment:
    series: Series
    count: int
    y: float
    height: float
    href: str | None


@dataclass(frozen=True, slots=True)
class Bar:
    day: str
    x: float
    width: float
    total: int
    segments: tuple[Segment, ...]
    label: str | None  # the x-axis label under this bar, when there is room


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    left: int
    top: int
    plot_width: int
    plot_height: int
    bars: tuple[Bar, ...]
    ticks: tuple[tuple[float, int], ...]  # (y, value)
    maximum: int


def _nice_step(maximum: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... that covers ``maximum`` in 5 steps."""
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            if maximum <= factor * magnitude * 5:
                return factor * magnitude
        magnitude *= 10


def _ledger_link(**params: Any) -> str:
    return "/compliance/ledger?" + urlencode(
        {k: v for k, v in params.items() if v not in (None, "")}
    )


def build_chart(days: Sequence[str], series: Sequence[Series], link: Any) -> Chart:
    """A stacked bar per day, series bottom-up in the legend's order, on a y axis of
    round steps.  Geometry only: the template draws it."""
    width, height, left, top, bottom, right = 960, 280, 48, 12, 40, 12
    plot_width, plot_height = width - left - right, height - top - bottom
    totals = {day: sum(s.counts.get(day, 0) for s in series) for day in days}
    highest = max(totals.values(), default=0)
    step = _nice_step(max(highest, 1))
    maximum = max(step, -(-highest // step) * step)
    band = plot_width / max(len(days), 1)
    every = max(1, -(-len(days) // 10))  # at most about 10 labels on the x axis
    bars = []
    for index, day in enumerate(days):
        base = float(top + plot_height)
        segments = []
        for one in series:
            count = one.counts.get(day, 0)
            if not count:
                continue
            size = plot_height * count / maximum
            base -= size
            segments.append(
                Segment(
                    series=one,
                    count=count,
                    y=round(base, 2),
                    height=round(size, 2),
                    href=link(one, day),
                )
            )
        bars.append(
            Bar(
                day=day,
                x=round(left + index * band + band * 0.15, 2),
                width=round(band * 0.7, 2),
                total=totals[day],
                segments=tuple(segments),
                label=day[5:] if index % every == 0 else None,
            )
        )
    ticks = tuple(
        (round(top + plot_height - plot_height * value / maximum, 2), value)
        for value in range(0, maximum + 1, step)
    )
    return Chart(width, height, left, top, plot_width, plot_height, tuple(bars), ticks, maximum)


@router.get("/compliance/blocked")
def blocked(request: Request, db: DbSession, _: Readers) -> Response:
    """Blocked attempts per UTC day by rule, client or agent: a stacked bar chart (SVG,
    server-drawn) and the same numbers as a table, each series linked to the ledger."""
    values = dict(request.query_params)
    errors: dict[str, str] = {}
    try:
        query = parse(BlockedQuery, values)
    except FormError as exc:
        errors = dict(exc.errors)
        if "__all__" in errors:
            errors["until"] = errors.pop("__all__")
        errors = _labelled(errors, {"by": "Group by", "since": "From", "until": "To"})
        query = BlockedQuery()
    until = query.until or _today()
    since = query.since or min(until, _today()) - timedelta(days=29)
    if since > until:
        since = until
    rows = repository.blocked_counts(
        db, since=_start_of(since), until=_start_of(until) + timedelta(days=1), by=query.by
    )
    days = [(since + timedelta(days=i)).isoformat() for i in range((until - since).days + 1)]
    counts: dict[str, dict[str, int]] = {}
    for day, key, count in rows:
        counts.setdefault(key, {})[day] = counts.get(key, {}).get(day, 0) + count
    labels = _series_labels(db, query.by, list(counts))
    ordered = sorted(counts, key=lambda key: (-sum(counts[key].values()), labels[key][0]))
    span = {"since": since.isoformat(), "until": until.isoformat()}
    series = []
    for index, key in enumerate(ordered):
        label, title, params = labels[key]
        series.append(
            Series(
                key=key,
                label=label,
                title=title,
                css=f"series-{index}" if index < SERIES_COLOURS else "series-other",
                href=_ledger_link(decision="blocked", **params, **span) if params else None,
                counts=counts[key],
            )
        )

    def link(one: Series, day: str) -> str | None:
        params = labels[one.key][2]
        return _ledger_link(decision="blocked", **params, since=day, until=day) if params else None

    return render(
        request,
        "compliance/blocked.html",
        {
            "values": {"by": query.by, **span},
            "errors": errors,
            "by": query.by,
            "days": days,
            "series": series,
            "chart": build_chart(days, series, link),
            "day_totals": {day: sum(s.counts.get(day, 0) for s in series) for day in days},
            "since": since,
            "until": until,
        },
        status_code=_status(request, errors),
    )


def _series_labels(
    db: Session, by: str, keys: Sequence[str]
) -> dict[str, tuple[str, str, dict[str, str]]]:
    """Per series key: (label, tooltip, the ledger filter that selects it)."""
    labels: dict[str, tuple[str, str, dict[str, str]]] = {}
    if by == "rule":
        for key in keys:
            rule = describe(key)
            label, params = (f"{rule.title} ({key})", {"rule": key}) if rule.known else (key, {})
            labels[key] = (label, f"{rule.title}: {rule.plain}", params)
    elif by == "client":
        clients = {str(c.id): c.name for c in clients_service.all_clients(db)}
        for key in keys:
            name = clients.get(key, f"client {key}")
            labels[key] = (name, name, {"client_id": key})
    else:
        names = _user_names(db, [int(k) for k in keys if k.isdigit()])
        for key in keys:
            if key.isdigit():
                name = names.get(int(key), f"user {key}")
                labels[key] = (name, name, {"agent_id": key})
            else:
                labels[key] = ("No agent (automatic)", "Strategy steps and retries", {})
    return labels


# ---- what if -----------------------------------------------------------------------------

WHAT_IF_LABELS = {
    "consumer_id": "Consumer id",
    "contact_point_id": "Contact point",
    "case_ids": "Cases",
    "channel": "Channel",
    "at": "Date and time",
    "tz": "Time zone",
    "automated": "Automated",
    "template": "Template",
}


@dataclass(frozen=True, slots=True)
class WhatIfAnswer:
    decision: Decision
    asked_at: datetime  # the instant asked about (UTC)
    zone: str  # the zone the officer read the time in
    rules: tuple[RuleText, ...]
    next_allowed: tuple[tuple[str, datetime], ...]  # (zone, local time), UTC first


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@router.get("/compliance/what-if")
def what_if(request: Request, db: DbSession, _: Readers, viewer: CurrentViewer) -> Response:
    """Ask the gate about a contact at any time, for any consumer; nothing is written.

    The consumer picked (agency.cases.picker) loads their contact points and cases (htmx
    swaps the form; without JavaScript the "Load" button does the same); "Ask" evaluates.
    """
    params = request.query_params
    values: dict[str, Any] = dict(params)
    values["case_ids"] = [c for c in params.getlist("case_ids") if c]
    values.setdefault("tz", "UTC")
    errors: dict[str, str] = {}
    picked = picker.resolve(db, viewer, values)
    consumer = picked.consumer
    points: list[ContactPoint] = []
    cases: list[Case] = []
    if picked.error:
        errors["consumer"] = picked.error
    if consumer is not None:
        values["consumer_id"] = str(consumer.id)
        points = repository.consumer_with_points_and_cases(db, consumer.id).contact_points
        cases = repository.cases_with_clients(db, consumer.id)
        if "ask" not in params and not values["case_ids"] and len(cases) == 1:
            values["case_ids"] = [str(cases[0].id)]
    answer = None
    if "ask" in params and consumer is not None:
        answer = _ask(db, values, errors)
    elif "ask" in params and not errors:
        errors["consumer"] = "Consumer is required: search by name, reference, phone or e-mail."
    return render(
        request,
        "compliance/what_if.html",
        {
            "values": values,
            "errors": errors,
            "consumer": consumer,
            "picked": picked,
            "points": points,
            "cases": cases,
            "channels": LEDGER_CHANNELS,
            "templates": [message_templates.TEMPLATES[t] for t in message_templates.known_ids()],
            "zones": _zone_choices(consumer),
            "answer": answer,
        },
        status_code=_status(request, errors),
    )


def _zone_choices(consumer: Consumer | None) -> list[str]:
    zones = ["UTC"]
    if consumer is not None:
        zones.extend(sorted({*consumer.timezones, *filter(None, [consumer.stated_timezone])}))
    return list(dict.fromkeys(zones))


def _ask(db: Session, values: dict[str, Any], errors: dict[str, str]) -> WhatIfAnswer | None:
    try:
        form = parse(WhatIfForm, values)
    except FormError as exc:
        errors.update(_labelled(exc.errors, WHAT_IF_LABELS))
        if "case_ids" in exc.errors:
            errors["case_ids"] = "Cases: choose at least one case the contact is about."
        return None
    zone = _zone(form.tz)
    if zone is None:
        errors["tz"] = "Time zone: not a time zone name (e.g. America/Chicago)."
        return None
    if form.template and message_templates.get(form.template) is None:
        errors["template"] = "Template: not one of the known templates."
        return None
    local = form.at.replace(tzinfo=None).replace(tzinfo=zone)
    at = local.astimezone(UTC)
    try:
        decision = service.what_if(
            db,
            consumer_id=form.consumer_id,
            channel=form.channel,
            contact_point_id=form.contact_point_id,
            case_ids=form.case_ids,
            at=at,
            automated=form.automated,
            template=form.template,
        )
    except service.ComplianceError as exc:
        message = str(exc)
        errors["__all__"] = message[:1].upper() + message[1:]
        field = {"contact point": "contact_point_id", "cases": "case_ids", "channel": "channel"}
        prefix = message.split(":", 1)[0].strip()
        if prefix in field:
            errors[field[prefix]] = errors["__all__"]
        return None
    next_allowed: list[tuple[str, datetime]] = []
    if decision.next_allowed_at is not None:
        for name in dict.fromkeys(["UTC", form.tz, *decision.timezones]):
            candidate = _zone(name)
            if candidate is not None:
                next_allowed.append((name, decision.next_allowed_at.astimezone(candidate)))
    return WhatIfAnswer(
        decision=decision,
        asked_at=at,
        zone=form.tz,
        rules=rule_texts(decision.blocked_by),
        next_allowed=tuple(next_allowed),
    )


# ---- client policies ---------------------------------------------------------------------

POLICY_LABELS = {
    "all_candidate_zones": (
        "US-REGF-TIME",
        "Attempts must be convenient in every candidate time zone",
    ),
    "block_work_email": (
        "US-REGF-WORKPLACE",
        "No e-mail to a work address the consumer has not used with us",
    ),
    "nyc_communications_per_7_days": (
        "US-NYC-FREQ",
        "New York City: communications per debt in 7 days",
    ),
    "sms_per_7_days": ("AGENCY-ELECTRONIC-CAP", "Texts per person per debt in 7 days"),
    "emails_per_7_days": ("AGENCY-ELECTRONIC-CAP", "E-mails per person per debt in 7 days"),
    "uk_hours_start": ("UK-CONC-POLICY", "UK: contact allowed from"),
    "uk_hours_end": ("UK-CONC-POLICY", "UK: contact allowed until"),
    "uk_contacts_per_7_days": ("UK-CONC-POLICY", "UK: contacts in 7 days"),
}


@dataclass(frozen=True, slots=True)
class PolicyField:
    name: str
    rule: str
    label: str
    kind: str  # "bool", "int" or "time"
    value: str
    default: str

    @property
    def is_default(self) -> bool:
        return self.value == self.default


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return str(value)


def _kind(default: Any) -> str:
    if isinstance(default, bool):
        return "bool"
    return "time" if isinstance(default, time) else "int"


def policy_fields(policy: Policy) -> list[PolicyField]:
    """Every field of the Policy (new fields appear without a change here)."""
    result = []
    for item in fields(Policy):
        default = getattr(service.DEFAULT_POLICY, item.name)
        rule, label = POLICY_LABELS.get(item.name, ("", item.name.replace("_", " ").capitalize()))
        result.append(
            PolicyField(
                name=item.name,
                rule=rule,
                label=label,
                kind="bool"
                if isinstance(default, bool)
                else "time"
                if isinstance(default, time)
                else "int",
                value=_text(getattr(policy, item.name)),
                default=_text(default),
            )
        )
    return result


def _changes(before: Policy, after: Policy) -> list[str]:
    return [
        f"{POLICY_LABELS.get(f.name, ('', f.name))[1]}: {_text(getattr(before, f.name))} → "
        f"{_text(getattr(after, f.name))}"
        for f in fields(Policy)
        if getattr(before, f.name) != getattr(after, f.name)
    ]


@router.get("/compliance/policies")
def policies(request: Request, db: DbSession, _: Readers) -> Response:
    """Every client with its current compliance policy version (or the defaults)."""
    clients = clients_service.all_clients(db)
    versions = {p.client_id: p for p in repository.policy_versions(db, [c.id for c in clients])}
    names = _user_names(db, [p.changed_by_id for p in versions.values()])
    return render(
        request,
        "compliance/policies.html",
        {"clients": clients, "versions": versions, "names": names},
    )


def _policy_page(
    request: Request,
    db: Session,
    client_id: int,
    *,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    client = clients_service.get_client(db, client_id=client_id)
    if client is None:
        raise NotFound("client")
    policy, version = service.current_policy(db, client_id)
    current = policy_fields(policy)
    history = repository.policy_history(db, client_id)
    names = _user_names(db, [p.changed_by_id for p in history])
    changes: dict[int, list[str]] = {}
    for older, newer in zip([None, *reversed(history)], reversed(history), strict=False):
        before = (
            service.DEFAULT_POLICY if older is None else service.policy_from_values(older.values)
        )
        changes[newer.version] = _changes(before, service.policy_from_values(newer.values))
    if values is None:
        values = {
            f.name: ("on" if f.value == "yes" else "") if f.kind == "bool" else f.value
            for f in current
        }
    return render(
        request,
        "compliance/policy.html",
        {
            "client": client,
            "version": version,
            "fields": current,
            "history": history,
            "changes": changes,
            "names": names,
            "values": values,
            "errors": errors or {},
        },
        status_code=status_code,
    )


@router.get("/compliance/policies/{client_id}")
def policy(request: Request, db: DbSession, _: Readers, client_id: RowId) -> Response:
    return _policy_page(request, db, client_id)


@router.post("/compliance/policies/{client_id}")
def change_policy(
    request: Request, posted: PostedForm, db: DbSession, officer: Officer, client_id: RowId
) -> Response:
    """A new policy version with the officer's reason (only compliance officers)."""
    if clients_service.get_client(db, client_id=client_id) is None:
        raise NotFound("client")
    values = form_values(posted)
    try:
        parsed = service.parse_policy_values(values)
        service.set_policy(
            db,
            client_id=client_id,
            values=parsed,
            reason=values.get("reason", ""),
            actor_id=officer.id,
        )
    except service.ComplianceError as exc:
        message = str(exc)
        name = message.split(":", 1)[0].strip()
        errors = {"__all__": message[:1].upper() + message[1:]}
        errors[name] = errors["__all__"]
        raise ResponseError(
            _policy_page(request, db, client_id, values=values, errors=errors, status_code=422)
        ) from exc
    return flash.redirect(f"/compliance/policies/{client_id}", "Policy saved as a new version.")
