"""United States, state and city overlays: applied on top of the federal rules for the
consumer's state (and New York City); the strictest rule wins.

A history event whose contact point we do not know (null, or not one of the consumer's
points) is counted in every category a rule distinguishes (home and work, mobile or
not): the strict reading, which also keeps "more history never allows more".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from agency.compliance.facts import AttemptChannel, ContactPointFacts
from agency.compliance.rules.base import (
    COMMUNICATIONS,
    CONTACT_OUTCOMES,
    ELECTRONIC,
    NEVER,
    NOT_CONNECTED,
    PHONE_CHANNELS,
    Context,
    Moment,
    Rule,
    Verdict,
    day_start,
    every_day,
    hours_block,
    later,
    local_day,
    window_block,
)

_CALL: frozenset[AttemptChannel] = frozenset({"call"})


def _is_work(point: ContactPointFacts) -> bool:
    return point.workplace or point.kind == "work"


@dataclass(frozen=True, slots=True)
class MaCalls(Rule):
    """US-MA-CALLS — Massachusetts, 940 CMR 7.04(1)(f).

    Per debt, creditor-initiated telephone communications — an outbound call that
    reached the person or left a message (outcome conversation or voicemail) or an
    outbound text delivered — are limited to 2 in 7 local days to home, mobile and other
    personal numbers, and 2 in 30 days to work numbers (kind ``work`` or a workplace
    point).  An attempted call or text counts against the category of its own number.
    """

    id: ClassVar[str] = "US-MA-CALLS"
    channels: ClassVar[frozenset[AttemptChannel]] = PHONE_CHANNELS
    personal_limit: int = 2
    personal_days: int = 7
    work_limit: int = 2
    work_days: int = 30

    def check(self, ctx: Context, m: Moment) -> Verdict:
        work = _is_work(ctx.point)
        limit, days = (
            (self.work_limit, self.work_days) if work else (self.personal_limit, self.personal_days)
        )
        worst: Verdict = None
        for case_id in ctx.case_ids:
            counted = []
            for e in ctx.recent:
                if e.direction != "outbound" or case_id not in e.case_ids:
                    continue
                if e.channel == "call":
                    if e.outcome not in ("conversation", "voicemail"):
                        continue
                elif e.channel != "sms" or e.outcome != "delivered":
                    continue
                point = ctx.point_of(e)
                if point is not None and _is_work(point) != work:
                    continue
                counted.append(e.at)
            counted.sort(reverse=True)
            worst = later(worst, window_block(ctx, m, counted, limit, days))
        return worst


@dataclass(frozen=True, slots=True)
class WaFreq(Rule):
    """US-WA-FREQ — Washington, RCW 19.16.250(13).

    Per *person* (every debt, every point): 3 contacts in 7 local days block any channel;
    at a workplace point (workplace flag or kind ``work``) 1 contact there in 7 days
    blocks; to a number of kind ``mobile``, 2 call attempts or texts to mobile numbers on
    the local day block calls and texts until local midnight; calls to a number of kind
    ``home`` only from 07:30 to 21:00.  (The "replies excepted" allowance is not
    modelled: counting replies too is the strict side.)
    """

    id: ClassVar[str] = "US-WA-FREQ"
    channels: ClassVar[frozenset[AttemptChannel]] = COMMUNICATIONS
    week_limit: int = 3
    workplace_limit: int = 1
    mobile_daily_limit: int = 2
    home_start: int = 7 * 60 + 30
    home_end: int = 21 * 60

    def check(self, ctx: Context, m: Moment) -> Verdict:
        worst = window_block(ctx, m, ctx.contacts(None), self.week_limit, 7)
        point = ctx.point
        if _is_work(point):
            at_work = []
            for e in ctx.recent:
                if e.direction == "outbound" and e.outcome in CONTACT_OUTCOMES:
                    known = ctx.point_of(e)
                    if known is None or _is_work(known):
                        at_work.append(e.at)
            at_work.sort(reverse=True)
            worst = later(worst, window_block(ctx, m, at_work, self.workplace_limit, 7))
        channel = ctx.channel
        if point.kind == "mobile" and channel in PHONE_CHANNELS:
            today = []
            for e in ctx.recent:
                if (
                    e.direction == "outbound"
                    and e.channel in PHONE_CHANNELS
                    and e.outcome not in NOT_CONNECTED
                ):
                    known = ctx.point_of(e)
                    if known is None or known.kind == "mobile":
                        today.append(e.at)
            today.sort(reverse=True)
            worst = later(worst, window_block(ctx, m, today, self.mobile_daily_limit, 1))
        if point.kind == "home" and channel == "call":
            worst = later(worst, hours_block(ctx, m, every_day(self.home_start, self.home_end)))
        return worst


@dataclass(frozen=True, slots=True)
class NyDfs(Rule):
    """US-NY-DFS — New York State, 23 NYCRR 1.6.

    Per debt: 3 outbound call attempts, or 1 outbound conversation, in 7 local days
    block a call until they leave the window.  Texts and e-mails need the consumer's
    written consent, which the point's ``consent`` stands for; without it they are
    blocked for good.
    """

    id: ClassVar[str] = "US-NY-DFS"
    channels: ClassVar[frozenset[AttemptChannel]] = ELECTRONIC
    attempt_limit: int = 3
    conversation_limit: int = 1
    days: int = 7

    def check(self, ctx: Context, m: Moment) -> Verdict:
        if ctx.channel != "call":
            return None if ctx.point.consent else NEVER
        worst: Verdict = None
        for case_id in ctx.case_ids:
            worst = later(
                worst, window_block(ctx, m, ctx.calls(case_id), self.attempt_limit, self.days)
            )
            conversations = sorted(
                (
                    e.at
                    for e in ctx.recent
                    if e.channel == "call"
                    and e.direction == "outbound"
                    and e.outcome == "conversation"
                    and case_id in e.case_ids
                ),
                reverse=True,
            )
            worst = later(
                worst, window_block(ctx, m, conversations, self.conversation_limit, self.days)
            )
        return worst


@dataclass(frozen=True, slots=True)
class NycFreq(Rule):
    """US-NYC-FREQ — New York City, 6 RCNY 5-77(h)(2) (B/C: the limit is the policy's
    ``nyc_communications_per_7_days``, default 2).

    For a consumer whose ZIP code is in one of the five boroughs: per debt, that many
    contacts in 7 local days block any further communication until the oldest leaves
    the window — except legally required notices (the validation notice, the debt
    verification, a cease-exception notice).
    """

    id: ClassVar[str] = "US-NYC-FREQ"
    channels: ClassVar[frozenset[AttemptChannel]] = COMMUNICATIONS
    days: int = 7

    def check(self, ctx: Context, m: Moment) -> Verdict:
        template = ctx.template
        if template is not None and (
            template.validation_notice or template.debt_verification or template.cease_exception
        ):
            return None
        limit = ctx.policy.nyc_communications_per_7_days
        worst: Verdict = None
        for case_id in ctx.case_ids:
            worst = later(worst, window_block(ctx, m, ctx.contacts(case_id), limit, self.days))
        return worst


__all__ = ["MaCalls", "NyDfs", "NycFreq", "WaFreq", "day_start", "local_day"]
