"""Scheduled report e-mails: a merchant user chooses daily, weekly or monthly, and the
files to attach (the tables as CSV or XLSX, the overview as PDF).  Each hour the job
sends every subscription whose period has ended and was not sent yet: the summary in
the body, the period's recoveries and the overview's tables attached.

They go through the outreach e-mail provider (SMTP, or the sandbox), not the compliance
gate: they are the agency's business mail to its client's staff, not a communication
with a consumer, and they carry no consumer's personal data beyond the client's own
references (none: the tables are totals)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.auth import service as auth_service
from agency.config import get_settings
from agency.kit import clock, numbers
from agency.kit.forms import FormError
from agency.outreach import providers
from agency.outreach.channels.base import Attachment, Outgoing, ProviderError
from agency.outreach.models import MessageChannel
from agency.reporting import exports, figures, tables
from agency.reporting.models import ReportSubscription
from agency.reporting.scope import scope_for

log = logging.getLogger("agency.reporting")
FREQUENCIES = {"daily": "every day", "weekly": "every Monday", "monthly": "on the 1st"}
FILES = {"csv": "tables as CSV", "xlsx": "tables as XLSX", "pdf": "the overview as PDF"}


def of_user(db: Session, *, user_id: int) -> ReportSubscription | None:
    return db.scalar(select(ReportSubscription).where(ReportSubscription.user_id == user_id))


def save(db: Session, *, user_id: int, client_id: int, frequency: str,
         attachments: list[str]) -> ReportSubscription | None:  # fmt: skip
    """Set (or, with frequency "never", end) the user's subscription."""
    errors = {}
    if frequency not in (*FREQUENCIES, "never"):
        errors["frequency"] = "must be daily, weekly, monthly or never"
    unknown = sorted(set(attachments) - set(FILES))
    if unknown:
        errors["attachments"] = f"include unknown ones: {', '.join(unknown)}"
    if errors:
        raise FormError(errors)
    found = of_user(db, user_id=user_id)
    if frequency == "never":
        if found is not None:
            db.delete(found)
            db.flush()
        return None
    if found is None:
        found = ReportSubscription(user_id=user_id, client_id=client_id)
        db.add(found)
    if found.frequency != frequency:
        found.last_sent_for = last_period(frequency, clock.office_date())[
            1
        ]  # from the next period on
    found.frequency = frequency
    found.attachments = sorted(set(attachments))
    db.flush()
    return found


def last_period(frequency: str, today: date) -> tuple[date, date]:
    """The last whole period before ``today``: yesterday, last Monday to Sunday, or last
    month."""
    if frequency == "daily":
        return today - timedelta(days=1), today - timedelta(days=1)
    if frequency == "weekly":
        end = today - timedelta(days=today.weekday() + 1)
        return end - timedelta(days=6), end
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


@dataclass(frozen=True, slots=True)
class Sent:
    subscription_id: int
    period: tuple[date, date]


def send_due(db: Session) -> list[Sent]:
    """Send every subscription whose last period is not sent yet; a failed send is left
    for the next run."""
    today = clock.office_date()
    done = []
    for subscription in list(
        db.scalars(select(ReportSubscription).order_by(ReportSubscription.id))
    ):
        period = last_period(subscription.frequency, today)
        if subscription.last_sent_for is not None and subscription.last_sent_for >= period[1]:
            continue
        try:
            _send(db, subscription, period)
        except ProviderError as exc:
            log.warning("scheduled report %s not sent: %s", subscription.id, exc)
            continue
        subscription.last_sent_for = period[1]
        db.flush()
        done.append(Sent(subscription.id, period))
    return done


def _send(db: Session, subscription: ReportSubscription, period: tuple[date, date]) -> None:
    user = auth_service.get_user(db, user_id=subscription.user_id)
    if user is None or not user.is_active or user.client_id != subscription.client_id:
        raise ProviderError("the user can no longer receive the client's reports", transient=False)
    scope = scope_for(db, client_id=subscription.client_id, currency=None)
    overview = figures.overview(db, client_id=scope.client.id, currency=scope.currency,
                                today=scope.today)  # fmt: skip
    days, totals = figures.recoveries(db, client_id=scope.client.id, currency=scope.currency,
                                      start=period[0], end=period[1])  # fmt: skip
    found = [tables.recoveries_table(days, totals), tables.months_table(overview),
             tables.ageing_table(overview)]  # fmt: skip
    span = period[0].isoformat() if period[0] == period[1] else f"{period[0]} to {period[1]}"
    lines = [
        f"{scope.client.name}: your {subscription.frequency} report for {span}.",
        "",
        f"Collected in the period: {numbers.money(totals.net)} ({totals.payments} payments, "
        f"{totals.reversals} reversals); our commission {numbers.money(totals.commission)}.",
        f"Since you began placing: {numbers.money(overview.totals.placed)} placed, "
        f"{numbers.money(overview.totals.collected)} collected"
        + (
            f" ({overview.totals.liquidation} %)."
            if overview.totals.liquidation is not None
            else "."
        ),
        f"Open now: {overview.open_cases} accounts, {numbers.money(overview.open_balance)}.",
        "",
        f"The reports themselves: {get_settings().public_url.rstrip('/')}/portal",
        "Change or stop this e-mail under Overview → Scheduled e-mail.",
    ]
    stem = f"{scope.client.code}-{span.replace(' to ', '_')}"
    title = f"{scope.client.name}: report for {span}"
    currency = scope.currency
    attached = []
    for kind in subscription.attachments:
        if kind == "csv":
            attached += [Attachment(f"{stem}-{t.name}.csv", "text/csv",
                                    exports.csv_bytes(t, currency)) for t in found]  # fmt: skip
        elif kind == "xlsx":
            xlsx = exports.xlsx_bytes(found, currency)
            attached.append(Attachment(f"{stem}.xlsx", exports.XLSX_TYPE, xlsx))
        elif kind == "pdf":
            pdf = exports.pdf_bytes(title, f"amounts in {currency}", found, currency)
            attached.append(Attachment(f"{stem}.pdf", exports.PDF_TYPE, pdf))
    settings = get_settings()
    domain = settings.agency_email.partition("@")[2] or "agency"
    outgoing = Outgoing(
        key=f"report-{subscription.id}-{period[1].isoformat()}@{domain}",
        to=user.email,
        sender=settings.agency_email,
        subject=f"{scope.client.name}: {subscription.frequency} report, {span}",
        body="\n".join(lines),
        attachments=tuple(attached),
    )
    providers.provider(providers.name_for(MessageChannel.EMAIL)).send(outgoing)
