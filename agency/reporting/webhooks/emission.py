"""The events merchants subscribe to, found in the facts the domains own and queued as
deliveries by the reports' minute's job, in its transaction (``reporting.tasks``).

Each run looks at what happened in a window that overlaps the last run's (the refresh's
look-back), so a fact committed late is still seen; an event's id is made from the fact
(``evt_payment_<payment id>``, ``evt_first_contact_<case id>``, …) and a delivery is
unique per endpoint and event id, so seeing a fact twice sends it once.  An endpoint gets
only what happened after it was registered.  Payloads name the account by the client's
reference and case id, with amounts in minor units: no consumer's name or contact."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session, aliased

from agency.cases.models import Case, CaseStatus, StatusChange
from agency.commission.models import CommissionEntry
from agency.compliance.models import LedgerCase, LedgerEntry
from agency.config import get_settings
from agency.kit import clock
from agency.kit.bulk import one_of
from agency.payments.kinds import PlanStatus
from agency.payments.models import PaymentPlan
from agency.referrals.models import Placement, PlacementStatus
from agency.reporting import contacts, returns
from agency.reporting.webhooks import deliveries
from agency.reporting.webhooks.models import WebhookEndpoint

RETURN_DAYS_LOOKED_AT = 3  # a finished day's file is announced if a run sees it in 3 days
JOBS_PER_RUN = 200  # deliveries sent a job at once; the minute's sweep takes the rest
CLOSED = {CaseStatus.CLOSED: "account.closed", CaseStatus.PAID: "account.closed",
          CaseStatus.SETTLED: "account.closed", CaseStatus.RECALLED: "account.recalled",
          CaseStatus.DISPUTED: "dispute.received"}  # fmt: skip
# (event type, event id, client, when it happened, data)
Event = tuple[str, str, int, datetime, dict[str, Any]]


def emit(db: Session, *, since: datetime) -> int:
    """Queue every subscribed event from ``since`` on; how many deliveries were new."""
    wanted: defaultdict[int, list[WebhookEndpoint]] = defaultdict(list)
    active = select(WebhookEndpoint).where(WebhookEndpoint.disabled_at.is_(None))
    for endpoint in db.scalars(active):
        wanted[endpoint.client_id].append(endpoint)
    if not wanted:
        return 0
    clients = sorted(wanted)
    types = {event for endpoints in wanted.values() for e in endpoints for event in e.events}
    made = 0
    for event_type, event_id, client_id, at, data in _events(db, clients, types, since):
        for endpoint in wanted[client_id]:
            if event_type in endpoint.events and at >= endpoint.created_at:
                queued = deliveries.queue_once(db, endpoint, event_type, event_id, data,
                                               job=made < JOBS_PER_RUN)  # fmt: skip
                made += queued is not None
    return made


def _events(db: Session, clients: list[int], types: set[str], since: datetime) -> Iterator[Event]:
    sources = {
        ("payment.posted", "payment.reversed"): _payments,
        ("arrangement.made", "arrangement.broken"): _arrangements,
        ("dispute.received", "account.recalled", "account.closed"): _statuses,
        ("account.first_contact",): _first_contacts,
        ("placement.completed",): _placements,
        ("account.acknowledged",): _acknowledged,
        ("returns.ready",): _return_files,
    }
    for kinds, source in sources.items():
        if types & set(kinds):
            yield from source(db, clients, since)


def _account(case: Any) -> dict[str, Any]:
    return {"client_reference": case.client_reference, "case_id": case.id}


def _payments(db: Session, clients: list[int], since: datetime) -> Iterable[Event]:
    e = CommissionEntry
    query = (
        select(e, Case.client_reference)
        .join(Case, Case.id == e.case_id)
        .where(one_of(db, e.client_id, clients), e.created_at >= since)
        .order_by(e.id)
    )
    for entry, reference in db.execute(query):
        data = {"client_reference": reference, "case_id": entry.case_id,
                "payment_id": entry.payment_id, "amount_minor": abs(entry.amount_minor),
                "currency": entry.currency, "paid_to": entry.paid_to.value,
                "effective_on": entry.on.isoformat(),
                "commission_minor": abs(entry.commission_minor)}  # fmt: skip
        at = entry.created_at
        if entry.reversal_id is None:
            yield "payment.posted", f"evt_payment_{entry.payment_id}", entry.client_id, at, data
        else:
            data["reversal_id"] = entry.reversal_id
            event_id = f"evt_reversal_{entry.reversal_id}"
            yield "payment.reversed", event_id, entry.client_id, at, data


def _arrangements(db: Session, clients: list[int], since: datetime) -> Iterable[Event]:
    p = PaymentPlan
    query = (
        select(p, Case)
        .join(Case, Case.id == p.case_id)
        .where(one_of(db, Case.client_id, clients),
               or_(p.created_at >= since, p.decided_at >= since, p.ended_at >= since))
        .order_by(p.id)
    )  # fmt: skip
    for plan, case in db.execute(query):
        data = {**_account(case), "arrangement_id": plan.id, "kind": plan.kind.value,
                "total_minor": plan.total_minor, "currency": plan.currency}  # fmt: skip
        made_at = plan.decided_at or plan.created_at
        if plan.status not in (PlanStatus.REFUSED, PlanStatus.PENDING) and made_at >= since:
            yield "arrangement.made", f"evt_arrangement_{plan.id}", case.client_id, made_at, data
        if plan.status is PlanStatus.BROKEN and plan.ended_at and plan.ended_at >= since:
            yield "arrangement.broken", f"evt_broken_{plan.id}", case.client_id, plan.ended_at, data


def _statuses(db: Session, clients: list[int], since: datetime) -> Iterable[Event]:
    query = (
        select(StatusChange, Case)
        .join(Case, Case.id == StatusChange.case_id)
        .where(one_of(db, Case.client_id, clients), StatusChange.at >= since,
               StatusChange.to_status.in_(list(CLOSED)))
        .order_by(StatusChange.id)
    )  # fmt: skip
    for change, case in db.execute(query):
        data = {**_account(case), "status": change.to_status.value,
                "balance_minor": case.principal_minor + case.interest_minor + case.fees_minor,
                "currency": case.currency}  # fmt: skip
        if change.to_status is not CaseStatus.DISPUTED:
            data["close_reason"] = case.close_reason.value if case.close_reason else None
        yield CLOSED[change.to_status], f"evt_status_{change.id}", case.client_id, change.at, data


def _first_contacts(db: Session, clients: list[int], since: datetime) -> Iterable[Event]:
    earlier_link, earlier = aliased(LedgerCase), aliased(LedgerEntry)
    before = exists().where(
        earlier_link.case_id == LedgerCase.case_id,
        earlier_link.at < LedgerCase.at,
        earlier.id == earlier_link.entry_id,
        contacts.contacted(earlier),
    )
    query = (
        select(LedgerCase.case_id, LedgerCase.at, LedgerEntry.channel, Case)
        .join(LedgerEntry, LedgerEntry.id == LedgerCase.entry_id)
        .join(Case, Case.id == LedgerCase.case_id)
        .where(one_of(db, LedgerCase.client_id, clients), LedgerCase.at >= since,
               contacts.contacted(), ~before)
        .order_by(LedgerCase.at)
    )  # fmt: skip
    for case_id, at, channel, case in db.execute(query):
        data = {**_account(case), "at": at.isoformat(), "channel": channel}
        yield "account.first_contact", f"evt_first_contact_{case_id}", case.client_id, at, data


def _placements(db: Session, clients: list[int], since: datetime) -> Iterable[Event]:
    query = select(Placement).where(
        one_of(db, Placement.client_id, clients),
        Placement.finished_at >= since,
        Placement.status == PlacementStatus.COMPLETED,
    )
    for placement in db.scalars(query.order_by(Placement.id)):
        assert placement.finished_at is not None
        data = {"placement_id": placement.id, "kind": placement.kind.value,
                "file_name": placement.file_name, "accepted": placement.accepted,
                "rejected": placement.rejected, "replaced": placement.replaced}  # fmt: skip
        yield ("placement.completed", f"evt_placement_{placement.id}", placement.client_id,
               placement.finished_at, data)  # fmt: skip


def _acknowledged(db: Session, clients: list[int], since: datetime) -> Iterable[Event]:
    query = (
        select(Case.id, Case.client_id, Case.client_reference, Case.placement_id, Case.placed_at,
               Case.placed_minor, Case.currency)
        .where(one_of(db, Case.client_id, clients), Case.placed_at >= since)
        .order_by(Case.id)
        .execution_options(yield_per=2_000)
    )  # fmt: skip
    for row in db.execute(query):
        data = {"client_reference": row.client_reference, "case_id": row.id,
                "placement_id": row.placement_id, "placed_minor": row.placed_minor,
                "currency": row.currency}  # fmt: skip
        yield ("account.acknowledged", f"evt_acknowledged_{row.id}", row.client_id,
               row.placed_at, data)  # fmt: skip


def _return_files(db: Session, clients: list[int], since: datetime) -> Iterable[Event]:
    """Each of the last few finished days with returns (not today's, still open)."""
    today = clock.office_date()
    base = get_settings().public_url.rstrip("/")
    for client_id in clients:
        for back in range(1, RETURN_DAYS_LOOKED_AT + 1):
            day = today - timedelta(days=back)
            count = returns.count_on(db, client_id=client_id, day=day)
            if not count:
                continue
            _, ended = clock.office_span(day, day + timedelta(days=1))
            data = {"day": day.isoformat(), "accounts": count,
                    "url": f"{base}/api/v1/reports/returns/{day.isoformat()}"}  # fmt: skip
            yield (
                "returns.ready",
                f"evt_returns_{client_id}_{day.isoformat()}",
                client_id,
                ended,
                data,
            )
