"""The cases domain's forms and values: the case list's filters, the accounts placed with
us (built by referral intake), the supervisor's assignment forms, and the case page's
action forms with ``read_action``, which refuses in the page's words."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal, TypeVar
from zoneinfo import ZoneInfo

from fastapi import Query
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from agency.cases.errors import CaseError
from agency.cases.models import AssignmentStrategy, CaseStatus, CloseReason
from agency.kit.forms import BlankIsNone, phrase
from agency.kit.params import MAX_ID, IdField


class CaseFilters(BaseModel):
    """The filters of a case list, from its query string."""

    model_config = ConfigDict(str_strip_whitespace=True, frozen=True)

    q: str | None = Field(default=None, max_length=100)
    status: CaseStatus | None = None
    client_id: IdField | None = None
    agent: Literal["me", "none"] | IdField | None = None
    # The supervisor's links (agency.cases.supervisor_views): a team's cases, cases with
    # neither agent nor team pool, workable now, held by a gate rule, open ones, and
    # today's activity of the holder.
    team_id: IdField | None = None
    unassigned: bool = False
    workable: bool = False
    hold_rule: str | None = Field(default=None, max_length=80)
    open_only: bool = False
    today: Literal["worked", "contacted", "promised"] | None = None
    # The agent's list: cases whose callback or promise falls due today (or is overdue).
    due_today: bool = False
    # A placement's result page: the accounts it placed.
    placement_id: IdField | None = None

    def kept(self, team_names: Mapping[int, str] | None = None) -> list[tuple[str, str, str]]:
        """The filters the list's filter bar has no control for — the supervisor's links
        and the due-today toggle — as (parameter, value, words): the bar carries them
        along when another filter changes, and shows each with a link that removes it."""
        names = team_names or {}
        found = []
        if self.team_id is not None:
            found.append(("team_id", str(self.team_id), f"team {names.get(self.team_id, '?')}"))
        if self.unassigned:
            found.append(("unassigned", "true", "unassigned"))
        if self.workable:
            found.append(("workable", "true", "workable now"))
        if self.hold_rule:
            found.append(("hold_rule", self.hold_rule, f"held by {self.hold_rule}"))
        if self.open_only:
            found.append(("open_only", "true", "open"))
        if self.today:
            found.append(("today", self.today, f"{self.today} today"))
        if self.due_today:
            found.append(("due_today", "true", "due today"))
        if self.placement_id is not None:
            found.append(("placement_id", str(self.placement_id), f"placement {self.placement_id}"))
        return found


def case_filters(
    q: Annotated[
        str | None, Query(max_length=100, description="reference or consumer name")
    ] = None,
    status: Annotated[CaseStatus | None, Query()] = None,
    client_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    agent: Annotated[
        str | None, Query(pattern=r"^(me|none|[0-9]{1,18})$", description="me, none or a user id")
    ] = None,
    team_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    unassigned: Annotated[bool, Query()] = False,
    workable: Annotated[bool, Query()] = False,
    hold_rule: Annotated[str | None, Query(max_length=80)] = None,
    open_only: Annotated[bool, Query()] = False,
    today: Annotated[Literal["worked", "contacted", "promised"] | None, Query()] = None,
    due_today: Annotated[bool, Query(description="callback or promise due today")] = False,
    placement_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="the placement that placed them")
    ] = None,
) -> CaseFilters:
    """FastAPI dependency; bad values are a 422 naming the parameter (a blank one never
    gets here: ``kit.params.BlankQueryValues`` drops it, so it means no filter)."""
    agent_value: Literal["me", "none"] | int | None
    if agent is None:
        agent_value = None
    elif agent in ("me", "none"):
        agent_value = "me" if agent == "me" else "none"
    else:
        agent_value = int(agent)
    return CaseFilters(
        q=q,
        status=status,
        client_id=client_id,
        agent=agent_value,
        team_id=team_id,
        unassigned=unassigned,
        workable=workable,
        hold_rule=hold_rule,
        open_only=open_only,
        today=today,
        due_today=due_today,
        placement_id=placement_id,
    )


# ---- accounts placed with us (built by referral intake, placed by cases.service) ------


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass(frozen=True, slots=True)
class PhoneEntry:
    e164: str
    kind: str
    line_type: str
    consent: bool
    timezones: tuple[str, ...] = ()


@dataclass(slots=True)
class Account:
    """A valid referral row, normalized.  Amounts are minor units of ``currency``."""

    row: int
    client_reference: str
    first_name: str
    last_name: str
    country: str
    currency: str
    principal: int
    interest: int
    fees: int
    amount_at_itemization: int
    timezones: tuple[str, ...]
    region: str | None = None
    postal_code: str | None = None
    date_of_birth: date | None = None
    national_id_hash: str | None = None
    email: str | None = None
    phones: list[PhoneEntry] = field(default_factory=list)
    address: str | None = None
    itemization_date: date | None = None
    itemization_type: str | None = None
    interest_since: int = 0
    fees_since: int = 0
    payments_since: int = 0
    credits_since: int = 0
    original_creditor: str | None = None
    current_creditor: str | None = None
    delinquency_date: date | None = None
    charge_off_date: date | None = None
    last_payment_date: date | None = None
    open_date: date | None = None
    statute_of_limitations_date: date | None = None
    product: str | None = None
    language: str | None = None
    notes: str | None = None
    warnings: list[RowError] = field(default_factory=list)

    @property
    def balance(self) -> int:
        return self.principal + self.interest + self.fees


@dataclass(frozen=True, slots=True)
class Placed:
    """What happened to one account of a placement."""

    row: int
    client_reference: str
    status: Literal["accepted", "replaced", "rejected"]
    case_id: int | None = None
    errors: tuple[RowError, ...] = ()


@dataclass(frozen=True, slots=True)
class PossiblePair:
    """An account that would be placed as a new consumer although it shares a phone or
    e-mail with another account of the client (``other_row`` when that one is in the same
    file), the names as placed."""

    row: int
    client_reference: str
    name: str
    other_row: int | None
    other_reference: str
    other_name: str
    channel: str


@dataclass(slots=True)
class Maintenance:
    """One maintenance instruction from a client: a file row or an API call."""

    row: int
    client_reference: str
    action: Literal["recall", "update", "adjust", "direct_payment"]
    amount: int | None = None  # minor units; signed for "adjust"
    effective_date: date | None = None
    reason: str | None = None
    contact: Account | None = None  # "update": the new contact data (names unused)


# ---- assignment: the supervisor's forms (assignment_rules, teams, reassign) ------------

_COUNTRY = r"^[A-Z]{2}$"
_REGION_CODE = r"^[A-Z0-9]{1,3}$"
_LANGUAGE = r"^[a-z]{2}$"
_CURRENCY = r"^[A-Z]{3}$"
_AREA = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")  # US, US-CA, AU-NSW


def _words(value: object) -> list[str]:
    """A list from a form's comma- or space-separated text (or an already parsed list)."""
    if isinstance(value, str):
        return [part for part in re.split(r"[\s,;]+", value) if part]
    if isinstance(value, list | tuple):
        return [str(part).strip() for part in value if str(part).strip()]
    return []


class RuleForm(BaseModel):
    """An assignment rule as a supervisor enters it.  Balances are in major units of
    ``balance_currency`` (e.g. ``250.00`` USD, ``30000`` JPY; the client's currency when a
    client is chosen and none is given); empty conditions match anything.  ``agent_ids`` arrives
    as a comma-separated list (the view joins the ticked boxes)."""

    model_config = ConfigDict(str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=120)
    strategy: AssignmentStrategy
    is_active: bool = False
    client_id: Annotated[IdField | None, BlankIsNone] = None
    min_balance: Annotated[Decimal | None, BlankIsNone] = Field(
        default=None, ge=0, max_digits=15, decimal_places=3
    )
    max_balance: Annotated[Decimal | None, BlankIsNone] = Field(
        default=None, ge=0, max_digits=15, decimal_places=3
    )
    balance_currency: Annotated[str | None, BlankIsNone] = Field(
        default=None, pattern=_CURRENCY, description="a three-letter currency code, such as USD"
    )
    country: Annotated[str | None, BlankIsNone] = Field(
        default=None, pattern=_COUNTRY, description="a two-letter country code, such as US"
    )
    region: Annotated[str | None, BlankIsNone] = Field(
        default=None,
        pattern=_REGION_CODE,
        description="a region code of one to three letters or digits, such as CA",
    )
    language: Annotated[str | None, BlankIsNone] = Field(
        default=None, pattern=_LANGUAGE, description="a two-letter language code, such as en"
    )
    min_age_days: Annotated[int | None, BlankIsNone] = Field(default=None, ge=0, le=36500)
    max_age_days: Annotated[int | None, BlankIsNone] = Field(default=None, ge=0, le=36500)
    team_id: Annotated[IdField | None, BlankIsNone] = None
    agent_ids: list[IdField] = Field(default_factory=list, max_length=500)

    @field_validator("country", "region", "balance_currency", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("language", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("agent_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        return _words(value)


class TeamForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=80)


class AgentProfileForm(BaseModel):
    """An agent's team, capacity (most open cases held; empty = no limit) and skills:
    languages (ISO 639-1, e.g. ``en, es``) and regions (``US``, ``US-CA``, ``AU-NSW``)."""

    model_config = ConfigDict(str_strip_whitespace=True)

    team_id: Annotated[IdField | None, BlankIsNone] = None
    capacity: Annotated[int | None, BlankIsNone] = Field(default=None, ge=0, le=1_000_000)
    languages: list[str] = Field(default_factory=list, max_length=20)
    regions: list[str] = Field(default_factory=list, max_length=100)

    @field_validator("languages", mode="before")
    @classmethod
    def _split_languages(cls, value: object) -> list[str]:
        languages = [word.lower() for word in _words(value)]
        bad = [word for word in languages if not re.fullmatch(_LANGUAGE, word)]
        if bad:
            raise ValueError(f"must be two-letter codes such as en or es (not {bad[0]})")
        return sorted(set(languages))

    @field_validator("regions", mode="before")
    @classmethod
    def _split_regions(cls, value: object) -> list[str]:
        regions = [word.upper() for word in _words(value)]
        bad = [word for word in regions if not _AREA.fullmatch(word)]
        if bad:
            raise ValueError(f"must be countries or regions such as US or US-CA (not {bad[0]})")
        return sorted(set(regions))


class ReassignForm(BaseModel):
    """Where cases go (``agent:<id>`` or ``team:<id>``, a team's shared pool) and why."""

    model_config = ConfigDict(str_strip_whitespace=True)

    to: str = Field(min_length=1, max_length=40)
    reason: str = Field(min_length=1, max_length=500)

    @field_validator("to")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if not re.fullmatch(r"(agent|team):[0-9]{1,18}", value):
            raise ValueError("must be an agent or a team from the list")
        return value

    @property
    def target(self) -> tuple[int | None, int | None]:
        """(agent id, team id): exactly one is set."""
        kind, _, number = self.to.partition(":")
        return (int(number), None) if kind == "agent" else (None, int(number))


class RebalanceForm(BaseModel):
    """Spread an agent's open book over other agents (``limit``: how many, empty = all)."""

    model_config = ConfigDict(str_strip_whitespace=True)

    from_agent_id: IdField
    to_agent_ids: list[IdField] = Field(default_factory=list, max_length=500)
    reason: str = Field(min_length=1, max_length=500)
    limit: Annotated[int | None, BlankIsNone] = Field(default=None, ge=1, le=1_000_000)

    @field_validator("to_agent_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        return _words(value)


# ---- the case page's action forms (agency.cases.action_views, agency.cases.recording) --
#
# Each reads the text the page posts (every control, blank ones too; one not posted at
# all reads as blank) and refuses with the words the page shows: a field's ``title`` is
# how the sentence names it ("date: a date, YYYY-MM-DD").  The first refusal is shown.

_LONGEST_ID = 18  # digits: a larger number names no row (kit.params.MAX_ID)


def _chosen_id(value: object) -> int:
    raw = str(value).strip()
    if not raw.isdecimal() or len(raw) > _LONGEST_ID:
        raise ValueError("choose one")
    return int(raw)


def _day(value: object) -> date:
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError("a date, YYYY-MM-DD") from None


ChosenId = Annotated[int, BeforeValidator(_chosen_id)]
OptionalId = Annotated[ChosenId | None, BlankIsNone]
Day = Annotated[date, BeforeValidator(_day)]


class ActionForm(BaseModel):
    """What every action form shares: a control not posted reads as left blank."""

    model_config = ConfigDict(frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _absent_is_blank(cls, data: object) -> object:
        if not isinstance(data, Mapping):
            return data
        blank = {info.alias or name: "" for name, info in cls.model_fields.items()}
        return {**blank, **data}


class CallForm(ActionForm):
    """Ask the gate for a call (no phone chosen: the consumer's best number)."""

    contact_point_id: OptionalId = Field(title="phone")


class OutcomeForm(ActionForm):
    """What became of an allowed call (``outcome`` is checked by the action)."""

    attempt_id: ChosenId = Field(title="attempt")
    outcome: str = Field(title="outcome")


class CallbackForm(ActionForm):
    """A callback the consumer agreed to, at their local time in ``zone``: one of their
    zones (validation context ``zones``: a function that reads them, called only
    here; the first when none is chosen)."""

    zone: str = Field(title="time")
    due_at: datetime = Field(title="time")
    contact_point_id: OptionalId = Field(title="phone")

    @field_validator("zone", mode="before")
    @classmethod
    def _consumer_zone(cls, value: object, info: ValidationInfo) -> str:
        zones = list((info.context or {})["zones"]())
        zone = str(value or zones[0])
        if zone not in zones:
            raise ValueError("choose one of the consumer's time zones")
        return zone

    @field_validator("due_at", mode="before")
    @classmethod
    def _local_time(cls, value: object) -> datetime:
        try:
            local = datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise ValueError("a date and time, YYYY-MM-DD HH:MM") from None
        if local.tzinfo is not None:
            raise ValueError("give the consumer's local time")
        return local

    @property
    def at(self) -> datetime:
        """The callback's instant: ``due_at`` in ``zone``."""
        return self.due_at.replace(tzinfo=ZoneInfo(self.zone))


class DisputeForm(ActionForm):
    written: bool = Field(title="written")
    received: Day = Field(title="received")

    @field_validator("written", mode="before")
    @classmethod
    def _ticked(cls, value: object) -> bool:
        return value in ("on", "true", "1", "yes")


class CeaseForm(ActionForm):
    received: Day = Field(title="received")


class AttorneyForm(ActionForm):
    """The attorney's name and how to reach them (compliance checks what is given)."""

    attorney_name: str = Field(title="attorney name")
    attorney_phone: Annotated[str | None, BlankIsNone] = Field(title="attorney")
    attorney_email: Annotated[str | None, BlankIsNone] = Field(title="attorney")
    attorney_address: Annotated[str | None, BlankIsNone] = Field(title="attorney")


class InconvenientTimeForm(ActionForm):
    """Local times the consumer said are inconvenient; ``days`` 0 = Monday, none ticked
    = every day (compliance checks the times)."""

    start: str = Field(alias="from", title="inconvenient time")
    end: str = Field(alias="to", title="inconvenient time")
    days: list[int] | None = Field(title="inconvenient time")

    @field_validator("days", mode="before")
    @classmethod
    def _weekdays(cls, value: object) -> list[int] | None:
        ticked = [str(day) for day in value] if isinstance(value, list) else []
        if any(not day.isdigit() for day in ticked):
            raise ValueError("days are Monday to Sunday")
        return [int(day) for day in ticked] or None


class PointForm(ActionForm):
    """A workplace restriction on one of the consumer's contact points."""

    contact_point_id: ChosenId = Field(title="contact point")


class PhoneForm(ActionForm):
    """A wrong number: one of the consumer's phones."""

    contact_point_id: ChosenId = Field(title="phone")


class DeceasedForm(ActionForm):
    """The consumer has died (this closes the case): nothing to fill in."""


class BankruptcyForm(ActionForm):
    """The consumer filed for bankruptcy (this closes the case): nothing to fill in."""


class NoteForm(ActionForm):
    body: str = Field(title="note")


def _close_reason(value: object) -> CloseReason | None:
    try:
        return None if value is None else CloseReason(str(value))
    except ValueError:
        raise ValueError("choose one") from None


class StatusForm(ActionForm):
    """A person's decision on the status, with a reason (and a close reason to close)."""

    to: CaseStatus = Field(title="status")
    close_reason: Annotated[CloseReason | None, BeforeValidator(_close_reason), BlankIsNone] = (
        Field(title="close reason")
    )
    reason: str = Field(title="reason")

    @field_validator("to", mode="before")
    @classmethod
    def _status(cls, value: object) -> CaseStatus:
        try:
            return CaseStatus(str(value))
        except ValueError:
            raise ValueError("choose the new status") from None


A = TypeVar("A", bound=ActionForm)


def read_action(form: type[A], values: Mapping[str, object], **context: object) -> A:
    """``values`` as ``form``, or ``CaseError`` naming the first field refused."""
    try:
        return form.model_validate(dict(values), context=context)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0])
        info = form.model_fields.get(name) or next(
            (f for f in form.model_fields.values() if f.alias == name), None
        )
        cause = (error.get("ctx") or {}).get("error")
        message = str(cause) if isinstance(cause, ValueError) else phrase(error)
        raise CaseError((info.title if info else None) or name, message) from None
