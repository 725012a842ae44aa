"""A client's book for the partner reports, made through the real paths — cases placed
in two months, a call and a text reply, promises and a refused plan, payments to us and
to the client, a reversal, a recall — and the raw recomputation the aggregates must
equal, written here from the base rows without the refresh's queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.cases import actions, status
from agency.cases.models import Case, CaseStatus
from agency.clients.models import Client
from agency.commission.kinds import PaidTo
from agency.commission.models import CommissionEntry
from agency.compliance import service as compliance
from agency.compliance.models import EntryKind, LedgerCase, LedgerEntry, Source
from agency.kit import clock
from agency.payments.kinds import PlanKind, PlanStatus
from agency.payments.models import PaymentMethod, PaymentPlan, ReversalKind
from agency.payments.posting.post import post_payment
from agency.payments.posting.reverse import reverse_payment
from agency.payments.schemas import PaymentInput
from agency.reporting.models import DAY_MEASURES, ReportDay, ReportInventory
from tests.fixtures.compliance import Debtor, make_debtor
from tests.fixtures.factories import ClientFactory, ContractFactory, UserFactory

# Placed late on 31 October in New York: already 1 November in UTC (the agency's zone
# decides the month).
LATE_OCTOBER = datetime(2026, 11, 1, 2, 30, tzinfo=UTC)
MID_NOVEMBER = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)
CALLED = datetime(2026, 11, 17, 16, 0, tzinfo=UTC)  # a Tuesday, 10:00 in Chicago
PAID = datetime(2026, 11, 18, 17, 0, tzinfo=UTC)
LATER = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)


@dataclass
class Book:
    client: Client
    october: list[Debtor]
    november: list[Debtor]


def place(client: Client, at: datetime, principal: int) -> Debtor:
    with clock.frozen(at):
        debtor = make_debtor(client=client)
    debtor.case.placed_at = at
    debtor.case.principal_minor = principal
    debtor.case.interest_minor = 0
    debtor.case.placed_minor = principal
    return debtor


def pay(db: Session, debtor: Debtor, minor: int, at: datetime, *, direct: bool = False) -> int:
    payment = PaymentInput(amount_minor=minor, currency="USD", method=PaymentMethod.CARD,
                           received_on=at.date(), to_client=direct)  # fmt: skip
    with clock.frozen(at):
        return post_payment(db, case_id=debtor.case.id, payment=payment, by_user_id=None).id


def call(db: Session, debtor: Debtor, outcome: str, at: datetime) -> None:
    agent = UserFactory(role=Role.AGENT)
    with clock.frozen(at):
        attempt = compliance.gate(db, consumer_id=debtor.consumer.id, channel="call",
                                  contact_point_id=debtor.phone.id, case_ids=[debtor.case.id],
                                  actor_id=agent.id, source=Source.AGENT)  # fmt: skip
        assert attempt.allowed, attempt.blocked_by
        actions.record_call_outcome(db, case=debtor.case, actor_id=agent.id,
                                    attempt_id=attempt.entry.id, outcome=outcome)  # fmt: skip


def reply(db: Session, debtor: Debtor, at: datetime) -> None:
    with clock.frozen(at):
        compliance.record_inbound(db, consumer_id=debtor.consumer.id, channel="sms",
                                  contact_point_id=debtor.phone.id, case_ids=[debtor.case.id],
                                  outcome="conversation", actor_id=None)  # fmt: skip


def plan(db: Session, debtor: Debtor, kind: PlanKind, state: PlanStatus, at: datetime) -> None:
    with clock.frozen(at):
        db.add(PaymentPlan(case_id=debtor.case.id, currency="USD", total_minor=5_000, kind=kind,
                           status=state))  # fmt: skip
        db.flush()


def make_book(db: Session, client: Client | None = None) -> Book:
    client = client or ClientFactory(industry="Streaming")
    ContractFactory(client=client)  # a flat 25 %
    october = [place(client, LATE_OCTOBER, 100_000), place(client, LATE_OCTOBER, 50_000)]
    november = [place(client, MID_NOVEMBER, 20_000)]
    db.flush()
    call(db, october[0], "right_party_contact", CALLED)
    call(db, october[1], "no_answer", CALLED)
    reply(db, november[0], CALLED + timedelta(hours=1))
    plan(db, october[0], PlanKind.PROMISE, PlanStatus.ACTIVE, CALLED)
    plan(db, november[0], PlanKind.PLAN, PlanStatus.REFUSED, CALLED)
    pay(db, october[0], 10_000, PAID)
    bounced = pay(db, october[1], 4_000, PAID)
    with clock.frozen(PAID + timedelta(hours=2)):
        reverse_payment(db, payment_id=bounced, kind=ReversalKind.NSF, reason="bounced",
                        effective_on=None, by_user_id=None)  # fmt: skip
    pay(db, november[0], 2_000, PAID, direct=True)
    return Book(client, october, november)


def later_changes(db: Session, book: Book) -> None:
    """A second wave: a payment, a settlement, a call reaching someone, a recall."""
    pay(db, book.october[0], 5_000, LATER)
    plan(db, book.november[0], PlanKind.SETTLEMENT, PlanStatus.ACTIVE, LATER)
    call(db, book.october[1], "conversation", LATER)
    with clock.frozen(LATER):
        status.change(db, case=book.november[0].case, to=CaseStatus.RECALLED,
                      reason="recalled by the client", by_user_id=None)  # fmt: skip
        db.flush()


Key = tuple[int, str, date, date]


def _local(at: datetime) -> date:
    return at.astimezone(clock.office_zone()).date()


def raw_days(db: Session) -> dict[Key, dict[str, int]]:
    """The days recomputed from the base rows, one row at a time, in Python."""
    cases = {c.id: c for c in db.scalars(select(Case))}
    days: defaultdict[Key, dict[str, int]] = defaultdict(lambda: dict.fromkeys(DAY_MEASURES, 0))

    def key(case: Case, day: date) -> Key:
        return (case.client_id, case.currency, _local(case.placed_at).replace(day=1), day)

    for case in cases.values():
        row = days[key(case, _local(case.placed_at))]
        row["placed_cases"] += 1
        row["placed_minor"] += case.placed_minor
    firsts: dict[tuple[str, int], datetime] = {}
    for entry, link in db.execute(
        select(LedgerEntry, LedgerCase).join(LedgerCase, LedgerCase.entry_id == LedgerEntry.id)
    ):
        inbound = entry.kind is EntryKind.INBOUND
        outcome = entry.kind is EntryKind.OUTCOME
        said = (entry.detail or {}).get("agent_outcome")
        for measure, counts in (
            ("contacted", inbound or (outcome and entry.outcome == "conversation")),
            ("reached", inbound or (outcome and said == "right_party_contact")),
        ):
            if counts:
                seen = firsts.get((measure, link.case_id))
                firsts[(measure, link.case_id)] = min(seen, link.at) if seen else link.at
    for (measure, case_id), at in firsts.items():
        days[key(cases[case_id], _local(at))][measure] += 1
    for p in db.scalars(select(PaymentPlan)):
        if p.status is not PlanStatus.REFUSED:
            name = "promises" if p.kind is PlanKind.PROMISE else "plans"
            days[key(cases[p.case_id], _local(p.created_at))][name] += 1
    for e in db.scalars(select(CommissionEntry)):
        row = days[key(cases[e.case_id], e.on)]
        if e.reversal_id is None:
            row["payments"] += 1
            row["payments_minor"] += e.amount_minor
        else:
            row["reversals"] += 1
            row["reversals_minor"] -= e.amount_minor
        if e.paid_to is PaidTo.CLIENT:
            row["direct_minor"] += e.amount_minor
        row["commission_minor"] += e.commission_minor
    return dict(days)


def raw_inventory(db: Session) -> dict[tuple[int, str, date, str], tuple[int, int]]:
    found: defaultdict[tuple[int, str, date, str], list[int]] = defaultdict(lambda: [0, 0])
    for c in db.scalars(select(Case)):
        row = found[(c.client_id, c.currency, _local(c.placed_at).replace(day=1), c.status.value)]
        row[0] += 1
        row[1] += c.principal_minor + c.interest_minor + c.fees_minor
    return {k: (v[0], v[1]) for k, v in found.items()}


def stored_days(db: Session) -> dict[Key, dict[str, int]]:
    return {
        (r.client_id, r.currency, r.placed_month, r.day): {m: getattr(r, m) for m in DAY_MEASURES}
        for r in db.scalars(select(ReportDay))
    }


def stored_inventory(db: Session) -> dict[tuple[int, str, date, str], tuple[int, int]]:
    return {
        (r.client_id, r.currency, r.placed_month, r.status): (r.cases, r.balance_minor)
        for r in db.scalars(select(ReportInventory))
    }
