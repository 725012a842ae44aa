"""The facts the compliance rules decide on, and the decision they return.

Plain frozen dataclasses, no database: the engine (``engine.evaluate``) is a pure function
of these.  Two producers build them — the scenario reader (``scenario.py``: the JSON
format of ``../shared/compliance-rules.md``, for ``agency compliance evaluate`` and the
"what if" tools) and the gate (``gather.py``: from the database) — so the field names and
meanings follow the scenario format exactly.  Fields the scenario format does not have
(marked *gate only*) default to values that change nothing.

All datetimes are timezone-aware; the engine compares instants, and turns them into the
consumer's local calendar itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from agency.compliance.templates import Template

# A contact point's channel: the values of ``agency.cases.models.Channel``.
ContactChannel = Literal["phone", "email", "address"]
AttemptChannel = Literal["call", "sms", "email", "letter", "credit_report"]
"""How an attempt reaches the person.  ``credit_report`` (gate only) is furnishing the
debt to a credit bureau, which US-REGF-PASSIVE governs; the scenario format does not
accept it."""
Direction = Literal["outbound", "inbound"]
Outcome = Literal["not_connected", "no_answer", "voicemail", "conversation", "delivered", "failed"]

CHANNELS: tuple[AttemptChannel, ...] = ("call", "sms", "email", "letter")
OUTCOMES: tuple[Outcome, ...] = (
    "not_connected",
    "no_answer",
    "voicemail",
    "conversation",
    "delivered",
    "failed",
)
# The ledger's outcome for an allowed attempt taken back before anything left (the gate,
# asked again at send time, said no): history leaves such an attempt out.  Not a contact
# outcome, so not one a scenario or an agent can give.
WITHDRAWN = "withdrawn"
# The channel of contact point each attempt channel needs.
POINT_CHANNEL: dict[AttemptChannel, ContactChannel] = {
    "call": "phone",
    "sms": "phone",
    "email": "email",
    "letter": "address",
}


# A contact point's flags, as ``ContactPointFacts`` and the ``ContactPoint`` row name them.
POINT_FLAGS = ("consent", "opted_out", "do_not_call", "do_not_use", "workplace")


@dataclass(frozen=True, slots=True)
class ContactPointFacts:
    id: str
    channel: ContactChannel
    value: str | None = None
    # phone: mobile, home, work, other; email: personal, work; address: home, work
    kind: str = "other"
    consent: bool = False
    opted_out: bool = False
    do_not_call: bool = False
    do_not_use: bool = False
    workplace: bool = False
    # gate only: when consent on this number was revoked (US-TCPA-REVOKE); one
    # confirmation text may follow it.
    consent_revoked_at: datetime | None = None
    # gate only: the consumer has written to us from this address/number themselves
    # (US-REGF-WORKPLACE allows e-mail to an employer's address they used with us).
    used_by_consumer: bool = False


@dataclass(frozen=True, slots=True)
class Attorney:
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    case_ids: tuple[str, ...] | None = None  # None: every case


@dataclass(frozen=True, slots=True)
class InconvenientTime:
    """A stated inconvenient time in consumer local time: ``start`` included, ``end``
    excluded (an interval may cross midnight); ``days`` Monday=0, None = every day."""

    start: time
    end: time
    days: frozenset[int] | None = None


@dataclass(frozen=True, slots=True)
class ConsumerFacts:
    country: str  # ISO 3166-1 alpha-2
    contact_points: tuple[ContactPointFacts, ...]
    region: str | None = None  # without the country prefix: IL, NSW, ON
    postal_code: str | None = None
    stated_timezone: str | None = None
    attorney: Attorney | None = None
    cease_received_at: datetime | None = None
    inconvenient_times: tuple[InconvenientTime, ...] = ()
    # gate only: candidate zones already derived (stored on the consumer at intake); when
    # None the engine derives them from the signals above.
    timezones: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class CaseFacts:
    id: str
    validation_sent_at: datetime | None = None
    disputed_at: datetime | None = None
    dispute_written: bool = False
    verification_sent_at: datetime | None = None
    time_barred: bool = False


@dataclass(frozen=True, slots=True)
class HistoryEvent:
    at: datetime
    channel: AttemptChannel
    direction: Direction
    contact_point: str | None
    case_ids: tuple[str, ...]
    outcome: Outcome


@dataclass(frozen=True, slots=True)
class Consent:
    """Direct prior consent to be called about ``case_ids``; ``until`` None = 7 days."""

    at: datetime
    case_ids: tuple[str, ...]
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Attempt:
    at: datetime
    channel: AttemptChannel
    contact_point: str
    case_ids: tuple[str, ...]
    automated: bool = False
    template: str | None = None  # None: no template check
    # A stored template's own traits (outreach derives them from its text at save time);
    # None: the traits of the built-in template ``template`` names.
    traits: Template | None = None  # gate only


@dataclass(frozen=True, slots=True)
class Policy:
    """A client's values for the rules the catalogue marks C or *policy*.

    Compliance officers change these per client (stored, versioned and audited by
    ``policies``); the defaults are the catalogue's.
    """

    # US-REGF-TIME: an attempt must be allowed in every candidate zone (C).
    all_candidate_zones: bool = True
    # US-REGF-WORKPLACE: no e-mail to an employer-provided address unless the consumer
    # used it with us (C).
    block_work_email: bool = True
    # US-NYC-FREQ: communications per debt in 7 days (C).
    nyc_communications_per_7_days: int = 2
    # AGENCY-ELECTRONIC-CAP: texts and e-mails per person per debt in 7 days.
    sms_per_7_days: int = 3
    emails_per_7_days: int = 3
    # UK-CONC-POLICY: the numbers the FCA leaves to us.
    uk_hours_start: time = time(8, 0)
    uk_hours_end: time = time(21, 0)
    uk_contacts_per_7_days: int = 3


@dataclass(frozen=True, slots=True)
class Facts:
    consumer: ConsumerFacts
    cases: tuple[CaseFacts, ...]
    attempt: Attempt
    now: datetime
    history: tuple[HistoryEvent, ...] = ()
    consents: tuple[Consent, ...] = ()
    policy: Policy = field(default_factory=Policy)


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    blocked_by: tuple[str, ...]  # rule ids, sorted
    next_allowed_at: datetime | None  # None when allowed, or when waiting cannot help
    rule_set: str
    timezones: tuple[str, ...]
