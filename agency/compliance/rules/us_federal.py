"""United States, federal: FDCPA / Regulation F (12 CFR 1006) and the TCPA.

Each class is one rule id of ``shared/compliance-rules.md``; its docstring names the
regulation and section.  Parameters are dataclass fields with the catalogue's values as
defaults; ``packs.py`` decides which rules apply to whom.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import ClassVar

from agency.compliance.facts import AttemptChannel
from agency.compliance.rules.base import (
    COMMUNICATIONS,
    NEVER,
    PHONE_CHANNELS,
    Context,
    Moment,
    Rule,
    Verdict,
    day_start,
    every_day,
    hours_block,
    inconvenient_block,
    later,
    local_day,
    window_block,
)
from agency.compliance.validation import validation_period_end

_SMS_EMAIL: frozenset[AttemptChannel] = frozenset({"sms", "email"})
_CALL: frozenset[AttemptChannel] = frozenset({"call"})


@dataclass(frozen=True, slots=True)
class RegFTime(Rule):
    """US-REGF-TIME — 12 CFR 1006.6(b)(1)(i), (b)(4); FDCPA 805(a)(1).

    No communication or attempt in any channel before 08:00 or from 21:00 at the
    consumer's location, in *every* candidate zone (multi-zone is confidence C; the
    policy's ``all_candidate_zones`` narrows the zones instead).  DST-correct: local times
    come from zoneinfo.  A consent given directly for a specific time — a ``Consent``
    with an explicit ``until`` whose [at, until) contains ``t`` and that covers one of
    the attempt's cases — allows a *call* at an otherwise inconvenient hour; the default
    7-day consent (``until`` null) does not.
    """

    id: ClassVar[str] = "US-REGF-TIME"
    start: int = 8 * 60
    end: int = 21 * 60

    def check(self, ctx: Context, m: Moment) -> Verdict:
        verdict = hours_block(ctx, m, every_day(self.start, self.end))
        if verdict is None or ctx.channel != "call" or not ctx.facts.consents:
            return verdict
        t = m.t
        cases = ctx.case_ids
        soonest: Verdict = None
        for consent in ctx.facts.consents:
            if consent.until is None or not any(c in cases for c in consent.case_ids):
                continue
            if consent.at <= t < consent.until:
                return None
            if consent.at > t and (soonest is None or consent.at < soonest):
                soonest = consent.at
        return verdict if soonest is None or soonest > verdict else soonest


@dataclass(frozen=True, slots=True)
class RegFInconvenient(Rule):
    """US-REGF-INCONVENIENT — 12 CFR 1006.6(b)(1), comment 6(b)(1)-1.

    A time the consumer said is inconvenient blocks every channel: ``t``'s local time
    (in any candidate zone) inside a stated interval (start included, end excluded, may
    cross midnight; ``days`` is the local weekday of ``t``); waiting until the interval's
    end helps.
    """

    id: ClassVar[str] = "US-REGF-INCONVENIENT"

    def check(self, ctx: Context, m: Moment) -> Verdict:
        return inconvenient_block(ctx, m)


@dataclass(frozen=True, slots=True)
class RegF7in7(Rule):
    """US-REGF-7IN7 — 12 CFR 1006.14(b)(2)(i)(A), (b)(3).

    Per debt: 7 or more call attempts (all the person's numbers share one count; a call
    about several debts counts for each) in the 7 local days ending on ``t``'s day block
    the 8th call until the oldest counted one leaves the window (local midnight).
    Direct prior consent (1006.14(b)(3)(i)): each consent ([at, until), until null = at
    + 7 days, for its cases) takes the first call attempt made under it out of the count
    and is then used; an unused consent that covers ``t`` exempts the proposed call.
    Inbound calls and calls that never connected are not attempts.
    """

    id: ClassVar[str] = "US-REGF-7IN7"
    channels: ClassVar[frozenset[AttemptChannel]] = _CALL
    limit: int = 7
    days: int = 7

    def check(self, ctx: Context, m: Moment) -> Verdict:
        worst: Verdict = None
        consents = bool(ctx.facts.consents)
        for case_id in ctx.case_ids:
            if not consents:
                worst = later(
                    worst, window_block(ctx, m, ctx.calls(case_id), self.limit, self.days)
                )
                continue
            claims = ctx.claims
            if claims.covers(case_id, m.t):
                continue
            counted = claims.counted(ctx, case_id, conversations=False)
            verdict = window_block(ctx, m, counted, self.limit, self.days)
            worst = later(worst, _or_consent(verdict, claims.next_cover(case_id, m.t)))
        return worst


@dataclass(frozen=True, slots=True)
class RegF7DayConvo(Rule):
    """US-REGF-7DAY-CONVO — 12 CFR 1006.14(b)(2)(i)(B), (b)(3).

    After a telephone conversation about a debt (inbound or outbound) on local day D, no
    call about that debt until local day D + 7 (the conversation day is day 1, the next
    call is allowed on day 8).  A conversation about several debts starts the wait for
    each.  The consent exclusions of US-REGF-7IN7 apply: a conversation on a call a
    consent took out does not start the wait, and an unused consent covering ``t``
    exempts the proposed call.
    """

    id: ClassVar[str] = "US-REGF-7DAY-CONVO"
    channels: ClassVar[frozenset[AttemptChannel]] = _CALL
    days: int = 7

    def check(self, ctx: Context, m: Moment) -> Verdict:
        worst: Verdict = None
        consents = bool(ctx.facts.consents)
        for case_id in ctx.case_ids:
            if consents:
                claims = ctx.claims
                if claims.covers(case_id, m.t):
                    continue
                conversations = claims.counted(ctx, case_id, conversations=True)
            else:
                conversations = _conversations(ctx, case_id)
            if not conversations:
                continue
            verdict = window_block(ctx, m, conversations, 1, self.days)
            if consents:
                verdict = _or_consent(verdict, ctx.claims.next_cover(case_id, m.t))
            worst = later(worst, verdict)
        return worst


def _conversations(ctx: Context, case_id: str) -> list[datetime]:
    key = ("conv", case_id)
    found = ctx._cache.get(key)
    if found is None:
        found = ctx._cache[key] = sorted(
            (
                e.at
                for e in ctx.recent
                if e.channel == "call" and e.outcome == "conversation" and case_id in e.case_ids
            ),
            reverse=True,
        )
    return found


def _or_consent(verdict: Verdict, consent_start: Verdict) -> Verdict:
    """The rule clears at the count's bound or when a fresh consent starts, earlier wins."""
    if verdict is None or consent_start is None:
        return verdict
    return consent_start if consent_start < verdict else verdict


def cease_block(ctx: Context, m: Moment) -> Verdict:
    """Cease received by ``t`` blocks every channel but a cease-exception template."""
    received = ctx.consumer.cease_received_at
    if received is None or received > m.t:
        return None
    template = ctx.template
    if template is not None and template.cease_exception:
        return None
    return NEVER


def attorney_block(ctx: Context) -> Verdict:
    attorney = ctx.consumer.attorney
    if attorney is None:
        return None
    if attorney.case_ids is None or any(c in attorney.case_ids for c in ctx.case_ids):
        return NEVER
    return None


@dataclass(frozen=True, slots=True)
class RegFCease(Rule):
    """US-REGF-CEASE — 12 CFR 1006.6(c); FDCPA 805(c).

    From ``cease_received_at`` on (a written refusal to pay or request to stop), every
    channel is blocked except a template that is a cease exception (collection is ending,
    or a specific remedy will be used).  Waiting never helps; a cease received after
    ``t`` does not block ``t`` but makes every later instant hopeless.
    """

    id: ClassVar[str] = "US-REGF-CEASE"

    def check(self, ctx: Context, m: Moment) -> Verdict:
        return cease_block(ctx, m)


@dataclass(frozen=True, slots=True)
class RegFMedium(Rule):
    """US-REGF-MEDIUM — 12 CFR 1006.14(h).

    ``do_not_use`` on the attempt's contact point blocks every channel (unless the point
    is a workplace: then it means the employer forbids contact, US-REGF-WORKPLACE);
    ``do_not_call`` blocks calls only.  Never retried.  The "one reply in the medium to a
    message the consumer started there" allowance is deliberately not implemented:
    blocking is always compliant, and it would let added history turn a block into an
    allow.
    """

    id: ClassVar[str] = "US-REGF-MEDIUM"

    def check(self, ctx: Context, m: Moment) -> Verdict:
        point = ctx.point
        if point.do_not_use and not point.workplace:
            return NEVER
        if point.do_not_call and ctx.channel == "call":
            return NEVER
        return None


@dataclass(frozen=True, slots=True)
class RegFAttorney(Rule):
    """US-REGF-ATTORNEY — 12 CFR 1006.6(b)(2); FDCPA 805(a)(2).

    A known attorney whose ``case_ids`` is null (every debt) or includes one of the
    attempt's debts blocks contact with the consumer; never retried.
    """

    id: ClassVar[str] = "US-REGF-ATTORNEY"

    def check(self, ctx: Context, m: Moment) -> Verdict:
        return attorney_block(ctx)


@dataclass(frozen=True, slots=True)
class RegFWorkplace(Rule):
    """US-REGF-WORKPLACE — 12 CFR 1006.6(b)(3), 1006.22(f)(3).

    A point marked ``workplace`` and ``do_not_use`` means the employer forbids contact
    there: every channel blocked.  E-mail to an address of kind ``work`` is blocked unless
    the consumer used it with us (``used_by_consumer``), when the policy's
    ``block_work_email`` (C) is on.  Never retried.
    """

    id: ClassVar[str] = "US-REGF-WORKPLACE"

    def check(self, ctx: Context, m: Moment) -> Verdict:
        point = ctx.point
        if point.workplace and point.do_not_use:
            return NEVER
        if (
            ctx.channel == "email"
            and point.kind == "work"
            and not point.used_by_consumer
            and ctx.policy.block_work_email
        ):
            return NEVER
        return None


def confirmation_allowed(ctx: Context) -> bool:
    """One opt-out confirmation text may follow a revocation (FCC 24-24): the template is
    the opt-out confirmation, the channel sms, and no outbound text went to the number
    at or after the revocation."""
    point = ctx.point
    template = ctx.template
    revoked = point.consent_revoked_at
    if revoked is None or ctx.channel != "sms" or template is None:
        return False
    if not template.opt_out_confirmation:
        return False
    return not any(
        e.channel == "sms"
        and e.direction == "outbound"
        and e.contact_point == point.id
        and e.at >= revoked
        for e in ctx.history
    )


@dataclass(frozen=True, slots=True)
class RegFEOptOut(Rule):
    """US-REGF-EOPTOUT — 12 CFR 1006.6(e).

    A text or e-mail to an ``opted_out`` number/address is blocked for good (except the
    single opt-out confirmation text US-TCPA-REVOKE allows after a revocation), and a
    text or e-mail template must tell the consumer how to opt out.
    """

    id: ClassVar[str] = "US-REGF-EOPTOUT"
    channels: ClassVar[frozenset[AttemptChannel]] = _SMS_EMAIL

    def check(self, ctx: Context, m: Moment) -> Verdict:
        if ctx.point.opted_out and not confirmation_allowed(ctx):
            return NEVER
        template = ctx.template
        if template is not None and not template.opt_out_instruction:
            return NEVER
        return None


@dataclass(frozen=True, slots=True)
class RegFValidation(Rule):
    """US-REGF-VALIDATION — 12 CFR 1006.34(a)(1).

    The validation notice goes with the first communication about a debt or within 5
    days after it.  Per debt: no notice sent by ``t`` (``validation_sent_at`` null or
    later than ``t``) and the first outbound contact about the debt in history more than
    5 local days before ``t`` (in any zone) -> every communication but the validation
    notice is blocked.  A notice recorded as sent later than ``t`` makes that instant the
    bound; otherwise waiting never helps.  See ``validation.validation_period_end``.
    """

    id: ClassVar[str] = "US-REGF-VALIDATION"
    days: int = 5

    def check(self, ctx: Context, m: Moment) -> Verdict:
        template = ctx.template
        if template is not None and template.validation_notice:
            return None
        worst: Verdict = None
        t = m.t
        for case in ctx.cases:
            sent = case.validation_sent_at
            if sent is not None and sent <= t:
                continue
            first = ctx.first_contact(case.id)
            if first is None:
                continue
            late = any(m.day[i] - local_day(first, tz) > self.days for i, tz in enumerate(ctx.tzs))
            if late:
                worst = later(worst, sent if sent is not None else NEVER)
        return worst


def within_validation_period(
    disputed: datetime | date, sent_at: datetime | None, zones: Iterable[tzinfo]
) -> bool:
    """Whether a dispute received at ``disputed`` (an instant, or the day it came) falls
    within the validation period (US-REGF-DISPUTE-HOLD): the notice was not sent yet (the
    period has not begun), or the dispute's local date is on or before the period's end
    in one of the consumer's ``zones``."""
    if sent_at is None:
        return True
    return any(
        (disputed.astimezone(tz).date() if isinstance(disputed, datetime) else disputed)
        <= validation_period_end(sent_at.astimezone(tz))
        for tz in zones
    )


@dataclass(frozen=True, slots=True)
class RegFDisputeHold(Rule):
    """US-REGF-DISPUTE-HOLD — FDCPA 809(b); 12 CFR 1006.38(d)(2).

    Per debt: a *written* dispute received by ``t`` within the validation period
    (``validation_sent_at`` null, or the dispute's local date on or before
    ``validation_period_end`` in some candidate zone) stops collection — every channel,
    credit reporting included — until the verification is sent, except the debt
    verification and validation notice themselves.  The bound is ``verification_sent_at``
    when that is after ``t``; otherwise waiting never helps.  Oral or late disputes do not
    block.
    """

    id: ClassVar[str] = "US-REGF-DISPUTE-HOLD"
    channels: ClassVar[frozenset[AttemptChannel]] = COMMUNICATIONS | {"credit_report"}

    def check(self, ctx: Context, m: Moment) -> Verdict:
        template = ctx.template
        if template is not None and (template.debt_verification or template.validation_notice):
            return None
        worst: Verdict = None
        t = m.t
        for case in ctx.cases:
            disputed = case.disputed_at
            if disputed is None or not case.dispute_written or disputed > t:
                continue
            verified = case.verification_sent_at
            if verified is not None and verified <= t:
                continue
            if not within_validation_period(disputed, case.validation_sent_at, ctx.tzs):
                continue
            worst = later(worst, verified if verified is not None else NEVER)
        return worst


@dataclass(frozen=True, slots=True)
class RegFTimeBarred(Rule):
    """US-REGF-TIMEBARRED — 12 CFR 1006.26(b).

    On a time-barred debt no message may threaten suit: a template that threatens suit
    is blocked for good when any of the attempt's debts is time-barred.
    """

    id: ClassVar[str] = "US-REGF-TIMEBARRED"

    def check(self, ctx: Context, m: Moment) -> Verdict:
        template = ctx.template
        if template is None or not template.threatens_suit:
            return None
        return NEVER if any(case.time_barred for case in ctx.cases) else None


@dataclass(frozen=True, slots=True)
class RegFPassive(Rule):
    """US-REGF-PASSIVE — 12 CFR 1006.30(a).

    Credit reporting (channel ``credit_report``, gate only) is blocked per debt unless
    we had a conversation about it, or an outbound letter or e-mail about it was
    delivered at least 14 days before ``t`` with no ``failed`` event for the same point
    after it.  The bound is such a delivery + 14 days.
    """

    id: ClassVar[str] = "US-REGF-PASSIVE"
    channels: ClassVar[frozenset[AttemptChannel]] = frozenset({"credit_report"})
    wait: timedelta = timedelta(days=14)

    def check(self, ctx: Context, m: Moment) -> Verdict:
        worst: Verdict = None
        t = m.t
        history = ctx.history
        for case_id in ctx.case_ids:
            if any(
                e.channel == "call" and e.outcome == "conversation" and case_id in e.case_ids
                for e in history
            ):
                continue
            ready: Verdict = None
            for sent in history:
                if (
                    sent.channel not in ("letter", "email")
                    or sent.direction != "outbound"
                    or sent.outcome != "delivered"
                    or case_id not in sent.case_ids
                ):
                    continue
                if any(
                    e.outcome == "failed"
                    and e.contact_point == sent.contact_point
                    and e.at > sent.at
                    for e in history
                ):
                    continue
                when = sent.at + self.wait
                if ready is None or when < ready:
                    ready = when
            if ready is not None and ready <= t:
                continue
            worst = later(worst, ready if ready is not None else NEVER)
        return worst


@dataclass(frozen=True, slots=True)
class FdcpaMiniMiranda(Rule):
    """US-FDCPA-MINIMIRANDA — FDCPA 807(11); 12 CFR 1006.18(e).

    Template check (attempts without a template are not checked): the first
    communication about a debt (no earlier outbound contact about it) needs the full
    mini-Miranda; later ones at least the "from a debt collector" line.  Never retried.
    (Every collector template carries the full one; see ``templates``.)
    """

    id: ClassVar[str] = "US-FDCPA-MINIMIRANDA"

    def check(self, ctx: Context, m: Moment) -> Verdict:
        template = ctx.template
        if template is None or template.full_mini_miranda:
            return None
        if not template.debt_collector_line:
            return NEVER
        if any(ctx.first_contact(case_id) is None for case_id in ctx.case_ids):
            return NEVER
        return None


@dataclass(frozen=True, slots=True)
class TcpaConsent(Rule):
    """US-TCPA-CONSENT — 47 USC 227(b)(1)(A)(iii); FCC 15-72.

    An automated (autodialed or prerecorded) call to a number of kind ``mobile``, or an
    automated text to any number (a number that takes texts is treated as wireless),
    needs prior express consent on that number; without it, blocked for good.
    """

    id: ClassVar[str] = "US-TCPA-CONSENT"
    channels: ClassVar[frozenset[AttemptChannel]] = PHONE_CHANNELS

    def check(self, ctx: Context, m: Moment) -> Verdict:
        if not ctx.attempt.automated or ctx.point.consent:
            return None
        if ctx.channel == "sms" or ctx.point.kind == "mobile":
            return NEVER
        return None


@dataclass(frozen=True, slots=True)
class TcpaRevoke(Rule):
    """US-TCPA-REVOKE — FCC 24-24; 47 CFR 64.1200(a)(10)-(12).

    From ``consent_revoked_at`` on the number (a STOP reply, see ``replies``), texts and
    automated calls to it are blocked for good, except one ``opt-out-confirmation``
    text when no outbound text went to the number at or after the revocation.
    """

    id: ClassVar[str] = "US-TCPA-REVOKE"
    channels: ClassVar[frozenset[AttemptChannel]] = PHONE_CHANNELS

    def check(self, ctx: Context, m: Moment) -> Verdict:
        revoked = ctx.point.consent_revoked_at
        if revoked is None or revoked > m.t:
            return None
        if ctx.channel == "call" and not ctx.attempt.automated:
            return None
        return None if confirmation_allowed(ctx) else NEVER


@dataclass(frozen=True, slots=True)
class AgencyElectronicCap(Rule):
    """AGENCY-ELECTRONIC-CAP — 12 CFR 1006.14(a) (harassment in any medium); client policy.

    Per debt: as many delivered outbound texts (e-mails) in the 7 local days ending on
    ``t``'s day as the policy's ``sms_per_7_days`` (``emails_per_7_days``) block the next
    text (e-mail) until the oldest counted one leaves the window.
    """

    id: ClassVar[str] = "AGENCY-ELECTRONIC-CAP"
    channels: ClassVar[frozenset[AttemptChannel]] = _SMS_EMAIL
    days: int = 7

    def check(self, ctx: Context, m: Moment) -> Verdict:
        channel = ctx.channel
        limit = ctx.policy.sms_per_7_days if channel == "sms" else ctx.policy.emails_per_7_days
        worst: Verdict = None
        for case_id in ctx.case_ids:
            worst = later(
                worst, window_block(ctx, m, ctx.delivered(channel, case_id), limit, self.days)
            )
        return worst


__all__ = [
    "AgencyElectronicCap",
    "FdcpaMiniMiranda",
    "RegF7DayConvo",
    "RegF7in7",
    "RegFAttorney",
    "RegFCease",
    "RegFDisputeHold",
    "RegFEOptOut",
    "RegFInconvenient",
    "RegFMedium",
    "RegFPassive",
    "RegFTime",
    "RegFTimeBarred",
    "RegFValidation",
    "RegFWorkplace",
    "TcpaConsent",
    "TcpaRevoke",
    "attorney_block",
    "cease_block",
    "confirmation_allowed",
    "day_start",
]
