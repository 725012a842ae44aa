"""Realistic, repeatable demo data: three clients, one user per role, ~2,000 cases.

Seeded Faker, so every run draws the same people, amounts and statuses; dates are laid
out backwards from today so the data always looks current.  Loading twice changes
nothing: the demo clients' codes mark the data as present.

Clients, contracts and users are made through their services; consumers and cases are
written as rows, because this is a seeding tool: placing real accounts (matching,
validation, dedupe) belongs to referral intake.  Each case is written as ``new`` and moved
to its drawn status through the status machine, so it has its transition, and a final one
its close reason, like any other.

The four demo agents work in one team ("Early-stage") with profiles (capacity,
languages, regions); the open cases are given out by real assignment rules (AU and UK
accounts by skill, large US balances by least balance, fresh US placements to the
team's shared pool, the rest round robin), with some left for the supervisor.  Promises,
callbacks and notes are recorded through the agent's actions.

The outbox shows the whole loop in the sandbox: the demo's templates (``outreach.
demo_templates``: a first notice and a payment reminder for every channel, in English and
Spanish) and a few messages queued through the real outbox on US cases, each to the
first case the gate allows it for: two texts and two e-mails that end delivered, an
e-mail to an address at ``undeliverable.example`` that ends undelivered, a payment
reminder (the debt-collector line only) that the gate blocks as a first communication,
and a letter, in a print batch.  They are queued and sent at the last weekday 13:00 New
York time before the demo is loaded (10:00 on the Pacific coast), under a frozen clock:
inside every US consumer's calling hours, whatever the hour the demo is run, and their
timestamps say that moment, as the gate's ledger does (it decided at that time).  Queued
in the load's transaction; sent (``send_outbox``), once it has committed, as the sending
job would, and settled by the sandbox's own job.

A contact strategy ("US early stage", ``outreach.strategies.demo``) is published, with a
rule on the demo client's contract left off for the supervisor to switch on.

Phone numbers come from the ranges regulators reserve for fiction (US 555-01xx, UK
07700 900xxx, AU 0491 570xxx) and e-mail addresses from example domains, so no demo
row can ever reach a real person.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from faker import Faker
from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.auth import service as auth_service
from agency.auth.models import Role
from agency.auth.schemas import NewUserForm
from agency.cases import actions, assignment, assignment_rules, queue, teams
from agency.cases import service as cases_service
from agency.cases import status as case_status
from agency.cases.models import (
    AssignmentStrategy,
    Case,
    CaseStatus,
    Channel,
    Consumer,
    ContactPoint,
    ItemizationType,
)
from agency.cases.schemas import AgentProfileForm, RuleForm, TeamForm
from agency.clients import service as clients_service
from agency.clients.models import Client, Contract
from agency.clients.schemas import ClientForm, ContractForm
from agency.commission.statements import periods, remittance_settings
from agency.compliance import integrity
from agency.compliance import service as compliance_service
from agency.compliance.models import FactKind, Source
from agency.db import session_scope
from agency.kit import clock
from agency.kit.phones import parse_phone
from agency.kit.timezones import candidate_zones
from agency.outreach import composing, demo_templates, letters, outbox, providers, sending
from agency.outreach.models import (
    MessageChannel,
    MessageStatus,
    MessageTemplate,
    OutboxMessage,
    TemplateVersion,
)
from agency.outreach.strategies import demo as demo_strategy
from agency.payments.arrangements import making
from agency.payments.models import PaymentMethod, PlanKind
from agency.payments.posting.post import post_payment
from agency.payments.schemas import Offer, PaymentInput
from agency.reporting import refresh as report_refresh
from agency.worker import drain

DEMO_PASSWORD = "demo-password"  # noqa: S105 (published demo login)
SEED = 20261121

DEMO_USERS: list[tuple[str, str, Role, str | None]] = [
    ("admin@example.com", "Ada Admin", Role.ADMIN, None),
    ("supervisor@example.com", "Sam Supervisor", Role.SUPERVISOR, None),
    ("agent@example.com", "Alex Agent", Role.AGENT, None),
    ("agent2@example.com", "Bea Okafor", Role.AGENT, None),
    ("agent3@example.com", "Chris Lindqvist", Role.AGENT, None),
    ("agent4@example.com", "Dana Whitfield", Role.AGENT, None),
    ("compliance@example.com", "Casey Compliance", Role.COMPLIANCE, None),
    ("merchant@example.com", "Morgan Merchant", Role.MERCHANT, "DEMO"),
    ("merchant.au@example.com", "Aroha Ngata", Role.MERCHANT, "AUDEMO"),
    ("merchant.uk@example.com", "Harriet Cole", Role.MERCHANT, "UKDEMO"),
]
# Each demo user's office, whose zone their screens show times in: the agency's staff in
# New York, one agent in its Chicago office, the merchants at their clients'.
DEMO_USER_ZONES = {
    "agent4@example.com": "America/Chicago",
    "merchant.au@example.com": "Australia/Sydney",
    "merchant.uk@example.com": "Europe/London",
}
DEMO_OFFICE_ZONE = "America/New_York"


@dataclass(frozen=True)
class ClientSpec:
    code: str
    name: str
    legal_name: str
    industry: str
    country: str
    currency: str
    locale: str
    cases: int
    product: str
    principal_range: tuple[int, int]  # minor units
    rate: Decimal
    floor: Decimal


CLIENTS = [
    ClientSpec(
        "DEMO",
        "Streamline Media",
        "Streamline Media, Inc.",
        "Subscription",
        "US",
        "USD",
        "en_US",
        1100,
        "subscription",
        (1_999, 59_900),
        Decimal("25"),
        Decimal("60"),
    ),
    ClientSpec(
        "AUDEMO",
        "Southern Cross Energy",
        "Southern Cross Energy Pty Ltd",
        "Utility",
        "AU",
        "AUD",
        "en_AU",
        450,
        "utility",
        (8_000, 250_000),
        Decimal("22.5"),
        Decimal("70"),
    ),
    ClientSpec(
        "UKDEMO",
        "Thames Credit",
        "Thames Credit Limited",
        "Consumer lending",
        "GB",
        "GBP",
        "en_GB",
        450,
        "personal loan",
        (30_000, 1_500_000),
        Decimal("30"),
        Decimal("55"),
    ),
]

# Area codes per state, so a phone's area code agrees with the address (as real data does).
US_AREA_CODES = {
    "CA": ["213", "415", "619"],
    "TX": ["214", "512", "713"],
    "NY": ["212", "518", "716"],
    "FL": ["305", "407", "813"],
    "IL": ["312", "217"],
    "PA": ["215", "412"],
    "OH": ["216", "614"],
    "GA": ["404", "912"],
    "NC": ["704", "919"],
    "MI": ["313", "616"],
    "WA": ["206", "509"],
    "AZ": ["480", "602"],
    "MA": ["617", "413"],
    "CO": ["303", "719"],
    "MN": ["612", "651"],
}
AU_POSTCODES = {
    "NSW": (2000, 2599),
    "VIC": (3000, 3999),
    "QLD": (4000, 4999),
    "SA": (5000, 5799),
    "WA": (6000, 6797),
    "TAS": (7000, 7799),
    "ACT": (2600, 2618),
    "NT": (800, 899),
}
UK_REGIONS = ["ENG"] * 8 + ["SCT", "WLS", "NIR"]

TEAM = "Early-stage"
# (e-mail, capacity, languages, regions): the agents' profiles.
AGENT_PROFILES = [
    ("agent@example.com", 600, ["en", "es"], ["US"]),
    ("agent2@example.com", 600, ["en"], ["US"]),
    ("agent3@example.com", 500, ["en"], ["AU"]),
    ("agent4@example.com", 500, ["en"], ["GB"]),
]
NOTES = [
    "Consumer asked for the itemization to be sent again by e-mail.",
    "Spoke to the consumer: between jobs, asked to be called after payday.",
    "Left a voicemail with the callback number only (no debt details).",
    "Consumer says the balance is wrong; asked for the last statement.",
    "Consumer prefers e-mail; phone calls at work are not convenient.",
    "Checked the placement file: the address matches the client's records.",
]

STATUS_WEIGHTS = {
    CaseStatus.NEW: 30,
    CaseStatus.ACTIVE: 25,
    CaseStatus.CONTACTED: 12,
    CaseStatus.PROMISE: 7,
    CaseStatus.PLAN: 8,
    CaseStatus.DISPUTED: 3,
    CaseStatus.HOLD: 2,
    CaseStatus.PAID: 5,
    CaseStatus.SETTLED: 3,
    CaseStatus.RECALLED: 3,
    CaseStatus.CLOSED: 2,
}


def is_loaded(db: Session) -> bool:
    return all(clients_service.get_client_by_code(db, code=spec.code) for spec in CLIENTS)


def load(db: Session) -> bool:
    """Load the demo data unless it is already there; returns whether it loaded."""
    if is_loaded(db):
        return False
    rng = random.Random(SEED)  # noqa: S311 (repeatable demo data, not security)
    today = clock.now().date()
    clients = {spec.code: _client(db, spec, today) for spec in CLIENTS}
    users: dict[str, int] = {}
    agent_ids = []
    for email, name, role, client_code in DEMO_USERS:
        user = auth_service.create_user(
            db,
            data=NewUserForm(
                email=email,
                full_name=name,
                role=role,
                is_active=True,
                password=DEMO_PASSWORD,
                client_id=clients[client_code][0].id if client_code else None,
            ),
        )
        auth_service.set_time_zone(
            db, user=user, time_zone=DEMO_USER_ZONES.get(email, DEMO_OFFICE_ZONE)
        )
        users[email] = user.id
        if role is Role.AGENT:
            agent_ids.append(user.id)
    to_assign: list[Case] = []
    drawn: list[tuple[Case, CaseStatus]] = []
    for spec in CLIENTS:
        client, contract = clients[spec.code]
        assign, statuses = _cases(db, rng, spec, client, contract, today)
        to_assign += assign
        drawn += statuses
    db.flush()
    _move_to_drawn_statuses(db, drawn)
    _assignment(db, users, [case.id for case in to_assign])
    _contact_history(db, rng, agent_ids, clients["DEMO"][0].id)
    _agents_work(db, random.Random(SEED + 1), users["supervisor@example.com"])  # noqa: S311
    _outbox(db, demo_templates.save_all(db), clients["DEMO"][0])
    demo_strategy.load(db, contract=clients["DEMO"][1], by_user_id=users["supervisor@example.com"])
    _last_months_statement(db, clients["DEMO"][0], to_assign, today)
    integrity.verify_ledger(db)
    report_refresh.rebuild_all(db)  # the merchants' reports from the first page view
    return True


def _last_months_statement(db: Session, client: Client, cases: list[Case], today: date) -> None:
    """The demo client paid by ACH, monthly: last month's payments (card, ACH, and one
    paid to the client directly) on its statement, closed, its remittance due."""
    remittance_settings.save_settings(
        db,
        client_id=client.id,
        values=remittance_settings.RemittanceInput(
            frequency="monthly", method="ach", account_name=client.name[:22],
            routing_number="021000021", account_number="000123456789",
        ),
        by_user_id=None,
    )  # fmt: skip
    first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    period = periods.open_first(db, client_id=client.id, starts_on=first, today=today)
    methods = [PaymentMethod.CARD, PaymentMethod.ACH, PaymentMethod.CARD, PaymentMethod.DIRECT]
    for n, case in enumerate(c for c in cases if c.status.is_open and c.client_id == client.id):
        if n == len(methods):
            break
        method = methods[n]
        payment = PaymentInput(
            amount_minor=min(case.balance.minor, 2_500 * (n + 1)), currency=case.currency,
            method=method, received_on=first + timedelta(days=5 + 7 * n),
            to_client=method is PaymentMethod.DIRECT,
        )  # fmt: skip
        post_payment(db, case_id=case.id, payment=payment, by_user_id=None)
    periods.close(db, client_id=client.id, period_id=period.id, client_currency=client.currency,
                  today=today, by_user_id=None)  # fmt: skip


# The demo's messages, each to its own case: (channel, template key, the one rule the
# gate must block it by, None: it must allow it).
OUTBOX_PLAN: list[tuple[MessageChannel, str, str | None]] = [
    (MessageChannel.SMS, demo_templates.FIRST_NOTICE, None),
    (MessageChannel.SMS, demo_templates.FIRST_NOTICE, None),
    (MessageChannel.EMAIL, demo_templates.FIRST_NOTICE, None),
    (MessageChannel.EMAIL, demo_templates.FIRST_NOTICE, None),
    (MessageChannel.EMAIL, demo_templates.FIRST_NOTICE, None),  # to an undeliverable address
    # The debt-collector line only: no first communication.
    (MessageChannel.SMS, demo_templates.PAYMENT_REMINDER, "US-FDCPA-MINIMIRANDA"),
    (MessageChannel.LETTER, demo_templates.FIRST_NOTICE, None),
]
UNDELIVERABLE = 4  # the plan's step whose e-mail goes to an address that bounces
OUTBOX_HOUR = time(13)  # New York: 10:00 in California, within every US calling window
POINT_OF = {
    MessageChannel.SMS: Channel.PHONE,
    MessageChannel.EMAIL: Channel.EMAIL,
    MessageChannel.LETTER: Channel.ADDRESS,
}


def outbox_moment(now: datetime) -> datetime:
    """The last weekday 13:00 New York time at least an hour before ``now``."""
    zone = ZoneInfo(DEMO_OFFICE_ZONE)
    local = now.astimezone(zone) - timedelta(hours=1)
    day = local.date() if local.time() >= OUTBOX_HOUR else local.date() - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return datetime.combine(day, OUTBOX_HOUR, zone)


def _outbox(
    db: Session, versions: Mapping[tuple[MessageChannel, str, str], TemplateVersion], client: Client
) -> None:
    """The demo's messages (``OUTBOX_PLAN``) queued through the outbox at
    ``outbox_moment``, each to the next active case, placed a day before, that the gate
    answers as planned; ``send_outbox`` sends them once this commits."""
    at = outbox_moment(clock.now())
    candidates = iter(
        db.scalars(
            select(Case)
            .where(
                Case.client_id == client.id,
                Case.status == CaseStatus.ACTIVE,
                Case.placed_at < at - timedelta(days=1),
            )
            .order_by(Case.id)
        )
    )
    with clock.frozen(at):
        for step, (channel, key, blocked_by) in enumerate(OUTBOX_PLAN):
            version = versions[channel, key, "en"]
            template = db.get(MessageTemplate, version.template_id)
            assert template is not None
            for case in candidates:
                point = next(
                    p for p in case.consumer.contact_points if p.channel is POINT_OF[channel]
                )
                draft = composing.draft_for(
                    version, template, case=case, client_name=client.name, point=point
                )
                decision = outbox.decision_now(
                    db,
                    case_id=case.id,
                    consumer_id=case.consumer_id,
                    contact_point_id=point.id,
                    draft=draft,
                )
                if decision.allowed != (blocked_by is None) or tuple(decision.blocked_by) != (
                    () if blocked_by is None else (blocked_by,)
                ):
                    continue
                if step == UNDELIVERABLE:
                    point = _undeliverable_address(db, case)
                    draft = composing.draft_for(
                        version, template, case=case, client_name=client.name, point=point
                    )
                outbox.queue(
                    db,
                    case_id=case.id,
                    consumer_id=case.consumer_id,
                    client_id=case.client_id,
                    contact_point_id=point.id,
                    to_address=point.value,
                    draft=draft,
                    provider=providers.PRINT if channel is MessageChannel.LETTER else "sandbox",
                    by_user_id=None,
                    source=Source.STRATEGY,
                    send_now=False,
                )
                break
    db.flush()


def _undeliverable_address(db: Session, case: Case) -> ContactPoint:
    """A second personal e-mail address of the case's consumer, one the sandbox cannot
    deliver to."""
    point = ContactPoint(
        source_client_id=case.client_id,
        channel=Channel.EMAIL,
        kind="personal",
        value=f"{case.first_name}.{case.last_name}".lower().replace(" ", "").replace("'", "")
        + "@undeliverable.example",
    )
    case.consumer.contact_points.append(point)
    db.flush()
    return point


def send_outbox() -> None:
    """Send the messages the demo queued (those pending, no job yet), in transactions of
    their own as the sending job does, at the moment they were queued; the letters then
    go into a print batch.  With in-process jobs the sandbox's delivery reports are
    waited for; with a worker, it brings them."""
    with session_scope() as db:
        queued = db.execute(
            select(OutboxMessage.id, OutboxMessage.created_at).where(
                OutboxMessage.status == MessageStatus.PENDING, OutboxMessage.job_at.is_(None)
            )
        ).all()
    if not queued:
        return
    with clock.frozen(max(created for _id, created in queued) + timedelta(minutes=1)):
        sending.deliver_batch([message_id for message_id, _created in queued])
        drain()
        with session_scope() as db:
            letters.make_batch(db, by_user_id=None)


def _move_to_drawn_statuses(db: Session, drawn: list[tuple[Case, CaseStatus]]) -> None:
    """Each new case to the status drawn for it, recorded; a closed one for one of the
    reasons a person decides, in turn."""
    reasons = case_status.DECIDED_CLOSE_REASONS
    for n, (case, to) in enumerate(drawn):
        if to is not CaseStatus.NEW:
            case_status.change(
                db,
                case=case,
                to=to,
                reason=f"demo data: placed as {to.value}",
                by_user_id=None,
                close_reason=reasons[n % len(reasons)] if to is CaseStatus.CLOSED else None,
            )
    db.flush()


def _assignment(db: Session, users: Mapping[str, int], case_ids: list[int]) -> None:
    """The team, its agents' profiles, the rules, and the cases given out by them (those
    not in ``case_ids`` stay unassigned: the supervisor's to place)."""
    team = teams.save_team(db, data=TeamForm(name=TEAM))
    for email, capacity, languages, regions in AGENT_PROFILES:
        teams.update_agent(
            db,
            user_id=users[email],
            data=AgentProfileForm(
                team_id=team.id, capacity=capacity, languages=languages, regions=regions
            ),
        )
    us_agents = [users["agent@example.com"], users["agent2@example.com"]]
    rules = [
        RuleForm(
            name="Australian accounts: skill match",
            strategy=AssignmentStrategy.SKILL_MATCH,
            country="AU",
            team_id=team.id,
            is_active=True,
        ),
        RuleForm(
            name="UK accounts: skill match",
            strategy=AssignmentStrategy.SKILL_MATCH,
            country="GB",
            team_id=team.id,
            is_active=True,
        ),
        RuleForm(
            name="US balances of 400.00 and more: least balance",
            strategy=AssignmentStrategy.LEAST_BALANCE,
            country="US",
            min_balance=Decimal("400.00"),
            balance_currency="USD",
            agent_ids=us_agents,
            is_active=True,
        ),
        RuleForm(
            name="US placements of the last 60 days: team pool",
            strategy=AssignmentStrategy.TEAM_POOL,
            country="US",
            max_age_days=60,
            team_id=team.id,
            is_active=True,
        ),
        RuleForm(
            name="Everything else: round robin",
            strategy=AssignmentStrategy.ROUND_ROBIN,
            agent_ids=us_agents,
            is_active=True,
        ),
    ]
    for rule in rules:
        assignment_rules.create_rule(db, data=rule, by_user_id=users["supervisor@example.com"])
    assignment.assign_cases(db, case_ids=case_ids)
    db.flush()


def _agents_work(db: Session, rng: random.Random, supervisor_id: int) -> None:
    """Promises for the cases in promise, callbacks for some contacted ones, and notes,
    through the agent's actions, now (after the contact history)."""
    now = clock.now()
    open_cases = list(
        db.scalars(
            select(Case)
            .where(
                Case.status.in_([CaseStatus.ACTIVE, CaseStatus.CONTACTED, CaseStatus.PROMISE]),
                Case.assigned_agent_id.is_not(None),
            )
            .order_by(Case.id)
        )
    )
    zones_by_consumer = {
        consumer.id: compliance_service.consumer_zones(db, consumer=consumer)
        for consumer in db.scalars(
            select(Consumer).where(Consumer.id.in_({c.consumer_id for c in open_cases}))
        )
    }
    for case in open_cases:
        agent = case.assigned_agent_id or supervisor_id
        zones = zones_by_consumer[case.consumer_id]
        if case.status is CaseStatus.PROMISE and case.balance.minor > 0:
            due = actions.local_today(zones, now) + timedelta(days=rng.randint(1, 25))
            amount = max(100, case.balance.minor // rng.choice([1, 2, 3, 4]))
            offer = Offer(kind=PlanKind.PROMISE, first_due=due, total_minor=amount)
            making.propose(db, case_id=case.id, offer=offer, by_user_id=agent)
        elif case.status is CaseStatus.CONTACTED and rng.random() < 0.25:
            day = actions.local_today(zones, now) + timedelta(days=rng.randint(1, 5))
            local = datetime.combine(day, time(rng.randint(9, 17)), ZoneInfo(zones[0]))
            actions.record_callback(db, case=case, actor_id=agent, due_at=local)
        if rng.random() < 0.08:
            ago = timedelta(days=rng.randint(0, 20), minutes=rng.randint(0, 600))
            with clock.frozen(max(case.placed_at, now - ago)):
                actions.add_note(db, case=case, actor_id=agent, body=rng.choice(NOTES))
    db.flush()


def _contact_history(
    db: Session, rng: random.Random, agent_ids: list[int], policy_client_id: int
) -> None:
    """Three weeks of contact through the real compliance gate, so the ledger, its
    blocked attempts and the officers' workspace have something true to show: calls,
    texts and e-mails at all hours (the gate blocks the ones it must), outcomes, and the
    facts consumers give us (validation notices, disputes, stop requests, attorneys)."""
    open_cases = list(
        db.scalars(
            select(Case)
            .where(Case.status.in_([CaseStatus.ACTIVE, CaseStatus.CONTACTED, CaseStatus.PROMISE]))
            .order_by(Case.id)
        )
    )
    chosen = rng.sample(open_cases, min(240, len(open_cases)))
    points: dict[int, dict[Channel, int]] = {}
    for point in db.scalars(
        select(ContactPoint).where(ContactPoint.consumer_id.in_({c.consumer_id for c in chosen}))
    ):
        points.setdefault(point.consumer_id, {})[point.channel] = point.id
    start = clock.now() - timedelta(days=21)
    plan: list[tuple[datetime, int, Callable[[], object]]] = []
    for n, case in enumerate(chosen):
        mine = points[case.consumer_id]
        agent = case.assigned_agent_id or agent_ids[n % len(agent_ids)]
        plan.append(
            (start + timedelta(hours=rng.randint(0, 24)), n, _fact(db, case, "validation_sent"))
        )
        for _ in range(rng.randint(2, 9)):
            at = start + timedelta(days=rng.randint(2, 20), minutes=rng.randint(0, 24 * 60 - 1))
            channel = rng.choices(["call", "sms", "email"], [6, 3, 1])[0]
            point_id = mine[Channel.EMAIL if channel == "email" else Channel.PHONE]
            plan.append((at, n, _attempt(db, rng, case, channel, point_id, agent)))
        roll = rng.random()
        at = start + timedelta(days=rng.randint(3, 20), hours=rng.randint(0, 23))
        if roll < 0.04:
            plan.append((at, n, _fact(db, case, "dispute", detail={"written": True})))
        elif roll < 0.07:
            plan.append((at, n, _fact(db, case, "cease")))
        elif roll < 0.09:
            attorney = {"name": "Morgan Counsel LLP", "phone": "+13125550199"}
            plan.append((at, n, _fact(db, case, "attorney", detail=attorney)))
        elif roll < 0.13:
            plan.append((at, n, _fact(db, case, "do_not_call", point_id=mine[Channel.PHONE])))
    plan.append(
        (
            start + timedelta(days=10),
            -1,
            lambda: compliance_service.set_policy(
                db,
                client_id=policy_client_id,
                values={"sms_per_7_days": 2},
                reason="The client asked for at most two texts a week per account.",
                actor_id=None,
            ),
        )
    )
    for at, _n, action in sorted(plan, key=lambda step: (step[0], step[1])):
        with clock.frozen(at):
            action()


def _attempt(
    db: Session, rng: random.Random, case: Case, channel: str, point_id: int, agent: int
) -> Callable[[], object]:
    def attempt() -> None:
        result = compliance_service.gate(
            db,
            consumer_id=case.consumer_id,
            channel=channel,  # type: ignore[arg-type]
            contact_point_id=point_id,
            case_ids=[case.id],
            actor_id=agent if channel == "call" else None,
            source=Source.AGENT if channel == "call" else Source.STRATEGY,
        )
        if result.allowed:
            outcomes = (
                ["no_answer", "voicemail", "conversation", "not_connected"]
                if channel == "call"
                else ["delivered", "delivered", "failed"]
            )
            compliance_service.record_outcome(
                db,
                attempt_id=result.entry.id,
                outcome=rng.choice(outcomes),  # type: ignore[arg-type]
                actor_id=result.entry.actor_id,
                source=result.entry.source,
            )

    return attempt


def _fact(
    db: Session,
    case: Case,
    kind: str,
    *,
    point_id: int | None = None,
    detail: Mapping[str, object] | None = None,
) -> Callable[[], object]:
    per_case = kind in ("validation_sent", "dispute", "attorney")
    return lambda: compliance_service.record_fact(
        db,
        consumer_id=case.consumer_id,
        kind=FactKind(kind),
        case_id=case.id if per_case else None,
        contact_point_id=point_id,
        actor_id=None,
        source=Source.SYSTEM if kind == "validation_sent" else Source.CONSUMER,
        detail=detail,
    )


def _client(db: Session, spec: ClientSpec, today: date) -> tuple[Client, Contract]:
    client = clients_service.save_client(
        db,
        data=ClientForm(
            code=spec.code,
            name=spec.name,
            legal_name=spec.legal_name,
            industry=spec.industry,
            country=spec.country,
            currency=spec.currency,
            is_active=True,
        ),
    )
    clients_service.save_contract(
        db,
        client=client,
        data=ContractForm(
            reference=f"{spec.code}-2024",
            currency=spec.currency,
            contingency_rate=spec.rate + Decimal(5),
            settlement_floor=spec.floor,
            effective_from=date(today.year - 2, 1, 1),
            effective_to=date(today.year - 1, 12, 31),
        ),
    )
    contract = clients_service.save_contract(
        db,
        client=client,
        data=ContractForm(
            reference=f"{spec.code}-{today.year}",
            currency=spec.currency,
            contingency_rate=spec.rate,
            settlement_floor=spec.floor,
            effective_from=date(today.year, 1, 1),
        ),
    )
    return client, contract


def _consumer(
    fake: Faker, rng: random.Random, spec: ClientSpec, n: int, client_id: int
) -> tuple[Consumer, list[tuple[ContactPoint, compliance_service.Flags]]]:
    """A consumer with a phone, an e-mail and an address, and the phone's and e-mail's
    compliance flags as drawn (written once the points have ids)."""
    first, last = fake.first_name(), fake.last_name()
    if spec.country == "US":
        region = rng.choice(list(US_AREA_CODES))
        postal = fake.zipcode_in_state(region)
        phone = f"+1{rng.choice(US_AREA_CODES[region])}55501{rng.randrange(100):02d}"
        kind = rng.choice(["mobile", "mobile", "home"])
    elif spec.country == "AU":
        region = rng.choice(list(AU_POSTCODES))
        low, high = AU_POSTCODES[region]
        postal = f"{rng.randint(low, high):04d}"
        phone, kind = f"+61491570{rng.randrange(1000):03d}", "mobile"
    else:
        region = rng.choice(UK_REGIONS)
        postal = fake.postcode()
        phone, kind = f"+447700900{rng.randrange(1000):03d}", "mobile"
    # Zones and line type as intake derives them (fictional numbers parse like real ones,
    # except the UK drama range, which phonenumbers calls invalid: it stays "mobile").
    parsed = parse_phone(phone, spec.country)
    consumer = Consumer(
        first_name=first,
        last_name=last,
        country=spec.country,
        region=region,
        postal_code=postal,
        language="en",
        date_of_birth=fake.date_of_birth(minimum_age=21, maximum_age=80),
        timezones=list(
            candidate_zones(
                country=spec.country,
                region=region,
                postal_code=postal,
                phone_zones=parsed.timezones if parsed else (),
            )
        ),
    )
    domain = rng.choice(["example.com", "example.net", "example.org"])
    mobile = ContactPoint(
        source_client_id=client_id,
        channel=Channel.PHONE,
        kind=kind,
        value=phone,
        line_type=parsed.line_type if parsed else "mobile",
    )
    mobile_flags = compliance_service.Flags(
        consent=rng.random() < 0.6, do_not_call=rng.random() < 0.03
    )
    email = ContactPoint(
        source_client_id=client_id,
        channel=Channel.EMAIL,
        kind="personal",
        value=f"{first}.{last}{n}@{domain}".lower().replace(" ", "").replace("'", ""),
    )
    email_flags = compliance_service.Flags(opted_out=rng.random() < 0.05)
    consumer.contact_points = [
        mobile,
        email,
        ContactPoint(
            source_client_id=client_id,
            channel=Channel.ADDRESS,
            kind="home",
            value=f"{fake.street_address()}, {fake.city()} {region} {postal}",
        ),
    ]
    return consumer, [(mobile, mobile_flags), (email, email_flags)]


def _cases(
    db: Session,
    rng: random.Random,
    spec: ClientSpec,
    client: Client,
    contract: Contract,
    today: date,
) -> tuple[list[Case], list[tuple[Case, CaseStatus]]]:
    """The client's cases, new and unassigned; returns those the rules are to give out,
    and each case with the status drawn for it."""
    fake = Faker(spec.locale)
    fake.seed_instance(SEED + len(spec.code))
    statuses, weights = zip(*STATUS_WEIGHTS.items(), strict=True)
    made = 0
    n = 0
    to_assign = []
    drawn = []
    flags: list[tuple[ContactPoint, compliance_service.Flags]] = []
    while made < spec.cases:
        n += 1
        consumer, point_flags = _consumer(fake, rng, spec, n, client.id)
        flags += point_flags
        db.add(consumer)
        for _ in range(2 if rng.random() < 0.08 else 1):
            made += 1
            status = rng.choices(statuses, weights)[0]
            principal = rng.randint(*spec.principal_range)
            interest = rng.randint(0, principal // 8)
            fees = rng.choice([0, 0, 1_500, 2_500, 3_900])
            placed = principal + interest + fees
            if status in (CaseStatus.PAID, CaseStatus.SETTLED):
                principal = interest = fees = 0
            placed_days_ago = rng.randint(0, 420)
            charge_off = today - timedelta(days=placed_days_ago + rng.randint(30, 200))
            placed_at = clock.now() - timedelta(days=placed_days_ago, minutes=rng.randint(0, 600))
            assigned = status is not CaseStatus.NEW or rng.random() < 0.3
            case = Case(
                client_id=client.id,
                contract_id=contract.id,
                consumer=consumer,
                client_reference=f"{spec.code[:2]}{100000 + made:07d}",
                **cases_service.as_placed(consumer),
                currency=spec.currency,
                principal_minor=principal,
                interest_minor=interest,
                fees_minor=fees,
                placed_minor=placed,
                itemization_date=charge_off,
                itemization_type=ItemizationType.CHARGE_OFF,
                itemization_amount_minor=placed - interest - fees if principal else placed,
                original_creditor=spec.legal_name,
                product=spec.product,
                delinquency_date=charge_off - timedelta(days=rng.randint(60, 180)),
                charge_off_date=charge_off,
                status=CaseStatus.NEW,
                placed_at=placed_at,
                # Reached once, halfway through its life so far, if the status says so.
                last_contact_at=placed_at + (clock.now() - placed_at) / 2
                if status in (CaseStatus.CONTACTED, CaseStatus.PROMISE, CaseStatus.PLAN)
                else None,
            )
            case.priority = queue.priority(case) if status.is_open else 0
            db.add(case)
            drawn.append((case, status))
            if assigned:
                to_assign.append(case)
    db.flush()
    compliance_service.set_at_placement(db, flags={point.id: f for point, f in flags})
    return to_assign, drawn
