"""Case lists and the case page (its actions post to ``agency.cases.action_views``), and
the compliance officer's consumer list.  Every query goes through the scoped repository."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from agency.auth import service as auth_service
from agency.auth.models import Role, User
from agency.auth.permissions import CurrentViewer, Viewer, require
from agency.cases import actions, picker, queue, repository, status
from agency.cases.history import CaseHistory, case_history
from agency.cases.models import CaseStatus, Channel, ContactPoint
from agency.cases.repository import assignment as assignment_repo
from agency.cases.schemas import CaseFilters, case_filters
from agency.clients import service as clients_service
from agency.compliance import service as compliance
from agency.compliance.service import (
    EntryKind,
    LedgerEntry,
    RuleDescription,
    Source,
    describe,
    mask_contact,
)
from agency.db import DbSession
from agency.kit import clock
from agency.kit.errors import NotFound
from agency.kit.pagination import PageRequest, page_request
from agency.kit.params import RowId
from agency.kit.templates import is_htmx, render, when, when_with_consumer
from agency.kit.timezones import zones_for_phone_digits

router = APIRouter()
Paging = Annotated[PageRequest, Depends(page_request)]
Filters = Annotated[CaseFilters, Depends(case_filters)]
Staff = Annotated[User, Depends(require(Role.ADMIN, Role.SUPERVISOR, Role.AGENT, Role.COMPLIANCE))]
Oversight = Annotated[User, Depends(require(Role.ADMIN, Role.SUPERVISOR, Role.COMPLIANCE))]


@router.get("/cases")
def cases(
    request: Request,
    db: DbSession,
    _: Staff,
    viewer: CurrentViewer,
    page: Paging,
    filters: Filters,
) -> Response:
    return render(
        request,
        "cases/list.html",
        {
            "page": repository.list_cases(db, viewer, filters, page),
            "filters": filters,
            "statuses": list(CaseStatus),
            "clients": clients_service.all_clients(db),
            "agents": auth_service.agents(db),
            "teams": {team.id: team.name for team in assignment_repo.teams(db)},
        },
    )


@router.get("/consumers")
def consumers(
    request: Request,
    db: DbSession,
    _: Oversight,
    viewer: CurrentViewer,
    page: Paging,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    listing = repository.list_consumers(db, viewer, page, q=q)
    counts = repository.case_counts_by_consumer(db, viewer, [c.id for c in listing.items])
    placed = repository.placed_names(db, viewer, listing.items)
    flags = compliance.flags_of(db, (p.id for c in listing.items for p in c.contact_points))
    return render(
        request,
        "cases/consumers.html",
        {"page": listing, "counts": counts, "placed": placed, "point_flags": flags, "q": q},
    )


@router.get("/consumers/suggestions")
def consumer_suggestions(
    request: Request,
    db: DbSession,
    _: Oversight,
    viewer: CurrentViewer,
    consumer: Annotated[str, Query(max_length=1000)] = "",
) -> Response:
    """The consumer picker's list (htmx): the consumers matching what was typed."""
    return render(
        request,
        "cases/consumer_suggestions.html",
        {"choices": picker.suggestions(db, viewer, consumer), "q": consumer.strip()},
    )


# ---- the agent's workspace: "Next case" and the case page -------------------------------

Workers = Annotated[User, Depends(require(Role.ADMIN, Role.SUPERVISOR, Role.AGENT))]
TIMELINE_CAP = 200


@router.post("/queue/next")
def take_next_case(
    request: Request,
    db: DbSession,
    user: Workers,
    leaving: Annotated[int | None, Form()] = None,
) -> Response:
    """Lease the agent the highest-priority case they may call now and open it (a case
    from the team's pool becomes theirs when they first act on it, see ``_act``).
    ``leaving``: the case page the agent moves on from (its lease ends).  Kept lean (it
    is benchmarked): the pick and the gate's check, nothing else."""
    case = queue.next_case(db, agent_id=user.id, leaving=leaving)
    if case is None:
        profile = assignment_repo.agent_profiles(db, [user.id]).get(user.id)
        team_id = profile.team_id if profile else None
        earliest = repository.earliest_workable(db, agent_id=user.id, team_id=team_id)
        if earliest is not None and earliest >= queue.FOREVER:
            earliest = None
        # A wait that has ended puts the case back at the wake job's next run.
        soon = earliest is not None and earliest <= clock.now()
        # Why a new agent's queue stays empty, so they know whom to ask (not a fault).
        no_team = team_id is None
        no_capacity = profile is not None and profile.capacity == 0
        return render(
            request,
            "cases/_nothing.html",
            {"earliest": earliest, "soon": soon, "no_team": no_team, "no_capacity": no_capacity},
        )
    url = f"/cases/{case.id}"
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


@dataclass(frozen=True, slots=True)
class TimelineItem:
    """One line of the case's timeline: a ledger entry, note, status change or callback,
    in words (promises and plans are in the arrangements panel)."""

    at: datetime
    kind: str
    title: str
    detail: str
    who: str
    rules: tuple[RuleDescription, ...] = ()
    css: str = ""


@dataclass(frozen=True, slots=True)
class LocalTime:
    zone: str
    now: datetime


@dataclass(frozen=True, slots=True)
class PointView:
    """A contact point as the case page shows it: ``shown`` is the value, masked for a
    phone or an e-mail address (one can be dialled or written to from it; the number
    shows only in the call panel once the gate allows that call)."""

    point: ContactPoint
    shown: str
    flags: tuple[str, ...]
    times: tuple[LocalTime, ...]


def _local_times(zones: Sequence[str], now: datetime) -> tuple[LocalTime, ...]:
    return tuple(LocalTime(zone, now.astimezone(ZoneInfo(zone))) for zone in zones)


def _point_view(
    point: ContactPoint, flags: compliance.Flags, consumer_zones: Sequence[str], now: datetime
) -> PointView:
    zones: Sequence[str] = consumer_zones
    if point.channel is Channel.PHONE and point.value.startswith("+"):
        zones = zones_for_phone_digits(point.value[1:]) or consumer_zones
    shown = (
        point.value
        if point.channel is Channel.ADDRESS
        else mask_contact(point.channel.value, point.value)
    )
    return PointView(point, shown, compliance.flag_words(flags), _local_times(zones, now))


def _entry_item(
    entry: LedgerEntry,
    names: Mapping[int, str],
    points: Mapping[int, ContactPoint],
    zone: tzinfo,
    consumer_zones: Sequence[str],
) -> TimelineItem:
    point = points.get(entry.contact_point_id) if entry.contact_point_id else None
    where = (
        f" {point.channel.value} {mask_contact(point.channel.value, point.value)}" if point else ""
    )
    who = compliance.who(names, entry.actor_id, entry.source.value)
    detail = entry.detail or {}
    if entry.kind is EntryKind.ATTEMPT:
        if entry.allowed:
            return TimelineItem(entry.at, "attempt", f"{entry.channel} to{where}", "allowed", who)
        later = (
            "allowed again from "
            + when_with_consumer(entry.next_allowed_at, zone=zone, consumer_zones=consumer_zones)
            if entry.next_allowed_at
            else "waiting will not help"
        )
        return TimelineItem(
            entry.at,
            "attempt",
            f"{entry.channel} to{where} blocked",
            later,
            who,
            tuple(describe(rule) for rule in entry.blocked_by or []),
            "blocked",
        )
    if entry.kind is EntryKind.OUTCOME:
        said = str(detail.get("agent_outcome") or entry.outcome or "").replace("_", " ")
        return TimelineItem(entry.at, "outcome", f"{entry.channel} outcome: {said}", "", who)
    if entry.kind is EntryKind.INBOUND:
        return TimelineItem(
            entry.at, "inbound", f"{entry.channel} from the consumer", entry.outcome or "", who
        )
    if entry.kind is EntryKind.FACT:
        kind = str(detail.get("fact", "fact")).replace("_", " ")
        parts = []
        if "written" in detail and kind == "dispute":
            parts.append("written" if detail["written"] else "oral")
        if detail.get("name"):
            parts.append(f"attorney {detail['name']}")
        if detail.get("from") and detail.get("to"):
            days = detail.get("days")
            on = ", ".join(clock.DAY_NAMES[int(d)] for d in days) if days else "every day"
            parts.append(f"{detail['from']} to {detail['to']} local, {on}")
        if detail.get("note"):
            parts.append(str(detail["note"]))
        if detail.get("until"):
            until = datetime.fromisoformat(str(detail["until"]))
            aware = until if until.tzinfo else until.replace(tzinfo=UTC)
            parts.append(f"until {when(aware, zone=zone)}")
        return TimelineItem(entry.at, "fact", f"recorded: {kind}{where}", "; ".join(parts), who)
    return TimelineItem(entry.at, entry.kind.value, entry.kind.value, "", who)


def _timeline(
    history: CaseHistory,
    points: Mapping[int, ContactPoint],
    *,
    cap: int | None,
    zone: tzinfo,
    consumer_zones: Sequence[str],
) -> tuple[list[TimelineItem], bool]:
    """Every source merged, newest first; cut at ``cap`` (and whether more exist); the
    times inside the texts in ``zone`` (the viewer's), a callback's and when a blocked
    attempt is allowed again with the consumer's time beside."""
    names = history.names
    items = [_entry_item(entry, names, points, zone, consumer_zones) for entry in history.entries]
    items += [
        TimelineItem(
            note.at,
            "note",
            "note",
            note.body,
            # No author: the consumer wrote it on their self-service page.
            compliance.who(names, note.author_id, Source.CONSUMER),
        )
        for note in history.notes
    ]
    items += [
        TimelineItem(
            change.at,
            "status",
            f"status {change.from_status.value if change.from_status else '—'} → "
            f"{change.to_status.value}",
            change.reason,
            compliance.who(names, change.by_user_id),
        )
        for change in history.status_changes
    ]
    items += [
        TimelineItem(
            callback.created_at,
            "callback",
            "callback agreed",
            "for "
            + when_with_consumer(callback.due_at, zone=zone, consumer_zones=consumer_zones)
            + (" · done" if callback.done_at else ""),
            compliance.who(names, callback.created_by_id),
        )
        for callback in history.callbacks
    ]
    items.sort(key=lambda item: item.at, reverse=True)
    if cap is not None and len(items) > cap:
        return items[:cap], True
    return items, False


def _pending_attempt(history: CaseHistory, viewer: Viewer, now: datetime) -> LedgerEntry | None:
    """The viewer's latest allowed call about this case that still wants its outcome
    (the agent's: a click-to-call's outcome as the phone system reported it is not)."""
    answered = {
        e.attempt_id
        for e in history.entries
        if e.kind is EntryKind.OUTCOME and e.source is Source.AGENT
    }
    for entry in history.entries:  # newest first
        if (
            entry.kind is EntryKind.ATTEMPT
            and entry.channel == "call"
            and entry.actor_id == viewer.user_id
        ):
            if entry.allowed and entry.id not in answered and now - entry.at < timedelta(hours=2):
                return entry
            return None
    return None


def case_page(
    request: Request,
    db: Session,
    viewer: Viewer,
    case_id: int,
    *,
    call: actions.CallResult | None = None,
    form: str | None = None,
    values: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    message: str | None = None,
    show_all: bool = False,
) -> Response:
    case = repository.case_for_viewer(db, viewer, case_id)
    if case is None:
        raise NotFound("case")
    now = clock.now()
    points = repository.points_seen_of(viewer, case.consumer.contact_points)
    flags = compliance.flags_of(db, (point.id for point in points))
    # A merchant's local times come from its own placement, never another client's data.
    zones = compliance.consumer_zones(
        db, consumer=case.consumer, placed=case if viewer.is_merchant else None, points=points
    )
    team_id = repository.agent_team_id(db, viewer.user_id) if viewer.role is Role.AGENT else None
    can_act = actions.may_work(
        case, user_id=viewer.user_id, role=viewer.role, team_id=team_id, now=now
    )
    limit = None if show_all else TIMELINE_CAP
    history = case_history(db, case_id=case.id, limit=limit)
    point_map = {point.id: point for point in case.consumer.contact_points}
    timeline, more = _timeline(
        history,
        point_map,
        cap=None if show_all else TIMELINE_CAP,
        zone=viewer.zone,
        consumer_zones=zones,
    )
    pending = None
    if can_act and call is None:
        pending = _pending_attempt(history, viewer, now)
    phones = [p for p in points if p.channel is Channel.PHONE]
    status_code = 200
    if errors and not is_htmx(request):
        status_code = 422
    return render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "contact_points": points,
            "point_views": [_point_view(point, flags[point.id], zones, now) for point in points],
            "local_times": _local_times(zones, now),
            "other_cases": repository.other_open_cases(db, viewer, case),
            "status_changes": history.status_changes,
            "placement": repository.placement_source(db, case.placement_id),
            "timeline": timeline,
            "timeline_more": more,
            "names": history.names,
            "can_act": can_act,
            "call": call,
            "call_rules": [describe(rule) for rule in call.decision.blocked_by] if call else [],
            "call_next": (
                _local_times(zones, call.decision.next_allowed_at)
                if call and call.decision.next_allowed_at
                else ()
            ),
            "pending": pending,
            "pending_point": point_map.get(pending.contact_point_id or 0) if pending else None,
            "outcomes": [(key, label) for key, (label, _) in actions.AGENT_OUTCOMES.items()],
            "phones": phones,
            "callable_phones": [p for p in phones if not flags[p.id].no_calls],
            "form": form,
            "values": values or {},
            "errors": errors or {},
            "message": message,
            "decisions": status.decisions(case.status),
            "close_reasons": status.DECIDED_CLOSE_REASONS,
            "zones": zones,
            "days": list(enumerate(clock.DAY_NAMES)),
            "today": actions.local_today(zones, now),
            "can_take_next": viewer.role in (Role.ADMIN, Role.SUPERVISOR, Role.AGENT),
        },
        status_code=status_code,
    )


@router.get("/cases/{case_id}")
def case_detail(
    request: Request,
    db: DbSession,
    viewer: CurrentViewer,
    case_id: RowId,
    timeline: Annotated[Literal["all"] | None, Query()] = None,
) -> Response:
    """The case page: consumer, debt, timeline and (for who may work it) the actions.
    Each panel is a named block: an htmx request targeting ``panel-…`` gets that block."""
    return case_page(request, db, viewer, case_id, show_all=timeline == "all")
