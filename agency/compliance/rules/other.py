"""Australia, Canada (Ontario, Quebec), the United Kingdom, and the agency's own policy.

Outside the US the consumer's stated preferences (do-not-use, do-not-call, electronic
opt-out, cease, an attorney, inconvenient times) are not one regulation each; we honour
them all as our own policy, under ``AGENCY-PREFERENCES`` (Australia, Canada, any other
country) or, in the UK where CONC 7 requires it, under ``UK-CONC-POLICY``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import ClassVar

from agency.compliance.facts import AttemptChannel
from agency.compliance.rules.base import (
    COMMUNICATIONS,
    ELECTRONIC,
    NEVER,
    Context,
    Hours,
    Moment,
    Rule,
    Verdict,
    every_day,
    hours_block,
    inconvenient_block,
    later,
    minutes_of,
    window_block,
)
from agency.compliance.rules.us_federal import attorney_block, cease_block


def preferences_block(ctx: Context, m: Moment) -> Verdict:
    """The consumer's preferences: ``do_not_use`` (any channel, workplace points too),
    ``do_not_call`` (calls), ``opted_out`` (texts and e-mails), a cease (all but a
    cease-exception notice), an attorney for the debt — all for good — and stated
    inconvenient times (until the interval ends)."""
    point = ctx.point
    channel = ctx.channel
    if point.do_not_use:
        return NEVER
    if point.do_not_call and channel == "call":
        return NEVER
    if point.opted_out and channel in ("sms", "email"):
        return NEVER
    if cease_block(ctx, m) is not None or attorney_block(ctx) is not None:
        return NEVER
    return inconvenient_block(ctx, m)


@dataclass(frozen=True, slots=True)
class AgencyPreferences(Rule):
    """AGENCY-PREFERENCES — agency policy (no single regulation; in Australia the
    ACCC/ASIC guideline and in Canada the provincial acts expect it).

    See ``preferences_block``.
    """

    id: ClassVar[str] = "AGENCY-PREFERENCES"

    def check(self, ctx: Context, m: Moment) -> Verdict:
        return preferences_block(ctx, m)


@dataclass(frozen=True, slots=True)
class AuAcccFreq(Rule):
    """AU-ACCC-FREQ — ACCC/ASIC Debt collection guideline for collectors and creditors
    (2021), part 2 section 7 ("Contact frequency").

    Per account: 3 contacts (answered call, voicemail, text, e-mail, letter delivered)
    in 7 local days, or 10 in 30, block any channel until the oldest counted contact
    leaves the window.  Unanswered attempts are not contacts.
    """

    id: ClassVar[str] = "AU-ACCC-FREQ"
    week_limit: int = 3
    month_limit: int = 10

    def check(self, ctx: Context, m: Moment) -> Verdict:
        worst: Verdict = None
        for case_id in ctx.case_ids:
            contacts = ctx.contacts(case_id)
            worst = later(worst, window_block(ctx, m, contacts, self.week_limit, 7))
            worst = later(worst, window_block(ctx, m, contacts, self.month_limit, 30))
        return worst


@dataclass(frozen=True, slots=True)
class LocalHours(Rule):
    """Contact hours by local weekday (Monday first) with no contact on the holidays of
    ``holidays`` = (country, subdivision); channels outside ``hours_channels`` are only
    kept off holidays."""

    weekly: tuple[Hours | None, ...] = every_day(0, 1440)
    holidays: tuple[str, str | None] | None = None
    hours_channels: frozenset[AttemptChannel] = ELECTRONIC

    def check(self, ctx: Context, m: Moment) -> Verdict:
        week = self.weekly if ctx.channel in self.hours_channels else every_day(0, 1440)
        return hours_block(ctx, m, week, self.holidays)


@dataclass(frozen=True, slots=True)
class AuAcccHours(LocalHours):
    """AU-ACCC-HOURS — ACCC/ASIC Debt collection guideline, part 2 section 7 ("Contact
    hours").

    Calls and texts 07:30-21:00 on weekdays and 09:00-21:00 at weekends, in the state's
    zone(s); no call, text or e-mail on a national public holiday
    (``holidays.country_holidays("AU")``).  Australian DST runs October to April.
    """

    id: ClassVar[str] = "AU-ACCC-HOURS"
    channels: ClassVar[frozenset[AttemptChannel]] = ELECTRONIC
    weekly: tuple[Hours | None, ...] = ((450, 1260),) * 5 + ((540, 1260),) * 2
    holidays: tuple[str, str | None] | None = ("AU", None)
    hours_channels: frozenset[AttemptChannel] = frozenset({"call", "sms"})


@dataclass(frozen=True, slots=True)
class CaOnHours(LocalHours):
    """CA-ON-HOURS — Ontario, Collection and Debt Settlement Services Act, O. Reg. 74/95
    s.22(1)(c).

    Calls, texts and e-mails Monday-Saturday 07:00-21:00 and Sunday 13:00-17:00, never on
    an Ontario statutory holiday (``holidays.country_holidays("CA", subdiv="ON")``).
    """

    id: ClassVar[str] = "CA-ON-HOURS"
    channels: ClassVar[frozenset[AttemptChannel]] = ELECTRONIC
    weekly: tuple[Hours | None, ...] = ((420, 1260),) * 6 + ((780, 1020),)
    holidays: tuple[str, str | None] | None = ("CA", "ON")


@dataclass(frozen=True, slots=True)
class CaQcHours(LocalHours):
    """CA-QC-HOURS — Quebec, Act respecting the collection of certain debts (CQLR c
    R-2.2) s.3(8).

    Calls, texts and e-mails Monday-Saturday 08:00-20:00; never on Sundays or on a Quebec
    statutory holiday (``holidays.country_holidays("CA", subdiv="QC")``).
    """

    id: ClassVar[str] = "CA-QC-HOURS"
    channels: ClassVar[frozenset[AttemptChannel]] = ELECTRONIC
    weekly: tuple[Hours | None, ...] = ((480, 1200),) * 6 + (None,)
    holidays: tuple[str, str | None] | None = ("CA", "QC")


@dataclass(frozen=True, slots=True)
class CaOnFreq(Rule):
    """CA-ON-FREQ — Ontario, O. Reg. 74/95 s.22(1)(a), (d).

    Per debt, for calls, texts and e-mails (letters are exempt: they are the notice):
    no contact until 6 days after the written notice (``validation_sent_at``) was mailed
    — never while there is none; and once a conversation about the debt has happened, 3
    contacts (conversation, voicemail, e-mail delivered) in 7 local days block until the
    oldest leaves the window, unless a consent ([at, until), until null = 7 days) about
    the debt covers ``t``.
    """

    id: ClassVar[str] = "CA-ON-FREQ"
    channels: ClassVar[frozenset[AttemptChannel]] = ELECTRONIC
    notice_wait: timedelta = field(default=timedelta(days=6))
    limit: int = 3
    days: int = 7

    def check(self, ctx: Context, m: Moment) -> Verdict:
        t = m.t
        worst: Verdict = None
        for case in ctx.cases:
            sent = case.validation_sent_at
            if sent is None:
                return NEVER
            if t < sent + self.notice_wait:
                worst = later(worst, sent + self.notice_wait)
                continue
            if not any(
                e.channel == "call" and e.outcome == "conversation" and case.id in e.case_ids
                for e in ctx.history
            ):
                continue
            counted = sorted(
                (
                    e.at
                    for e in ctx.recent
                    if e.direction == "outbound"
                    and case.id in e.case_ids
                    and (
                        (e.channel == "call" and e.outcome in ("conversation", "voicemail"))
                        or (e.channel == "email" and e.outcome == "delivered")
                    )
                ),
                reverse=True,
            )
            verdict = window_block(ctx, m, counted, self.limit, self.days)
            if verdict is None:
                continue
            covered, soonest = _consent(ctx, case.id, t)
            if covered:
                continue
            if soonest is not None and soonest < verdict:
                verdict = soonest
            worst = later(worst, verdict)
        return worst


def _consent(ctx: Context, case_id: str, t: datetime) -> tuple[bool, Verdict]:
    soonest: Verdict = None
    for consent in ctx.facts.consents:
        if case_id not in consent.case_ids:
            continue
        until = consent.until or consent.at + timedelta(days=7)
        if consent.at <= t < until:
            return True, None
        if consent.at > t and (soonest is None or consent.at < soonest):
            soonest = consent.at
    return False, soonest


@dataclass(frozen=True, slots=True)
class UkConcPolicy(Rule):
    """UK-CONC-POLICY — FCA Handbook CONC 7.9.4 (no contact at unreasonable times or
    with unreasonable frequency), CONC 7.3 (treat customers in difficulty fairly).

    The FCA gives no numbers; the client's policy does: calls, texts and e-mails only
    between ``uk_hours_start`` and ``uk_hours_end`` (default 08:00-21:00) local; per
    debt ``uk_contacts_per_7_days`` contacts (default 3) in 7 local days block any
    channel; and every stated preference (see ``preferences_block``) is honoured under
    this id.
    """

    id: ClassVar[str] = "UK-CONC-POLICY"
    channels: ClassVar[frozenset[AttemptChannel]] = COMMUNICATIONS

    def check(self, ctx: Context, m: Moment) -> Verdict:
        policy = ctx.policy
        worst = preferences_block(ctx, m)
        if worst is NEVER:
            return worst
        if ctx.channel in ELECTRONIC:
            start = minutes_of(policy.uk_hours_start)
            end = minutes_of(policy.uk_hours_end) or 1440  # 00:00 as an end is midnight
            worst = later(worst, hours_block(ctx, m, every_day(start, end)))
        for case_id in ctx.case_ids:
            worst = later(
                worst,
                window_block(ctx, m, ctx.contacts(case_id), policy.uk_contacts_per_7_days, 7),
            )
        return worst


__all__ = [
    "AgencyPreferences",
    "AuAcccFreq",
    "AuAcccHours",
    "CaOnFreq",
    "CaOnHours",
    "CaQcHours",
    "LocalHours",
    "UkConcPolicy",
    "preferences_block",
]
