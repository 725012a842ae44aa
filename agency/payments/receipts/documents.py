"""A payment's receipt and a plan's confirmation as PDFs, made on demand from the rows
(a payment is never edited, a reversal is its own row: the same rows give the same
bytes), laid out as outreach's letters are (``letter_pdf``: the agency's letterhead,
the date and the account's reference, the consumer's name and postal address in the
envelope's window, the footer), in the consumer's language.

A receipt states the creditor, the account, the amount, the day it was received, the
method, the payment's reference, how it was applied across fees, interest and
principal, and the balance after it; a reversed payment's receipt says it was
reversed, when and why.  A confirmation states the arrangement, its total and every
payment with its state.  Both end with the mini-Miranda (these come from a debt
collector) and, as every letter, the consumer's self-service link (a QR code and the
URL).  Staff download them from the case (``views``); the consumer's page calls
the same functions."""

from __future__ import annotations

from datetime import date

from babel.dates import format_date
from sqlalchemy.orm import Session

from agency.cases.models import Case, Channel
from agency.kit import clock
from agency.kit.money import Money
from agency.outreach.composing import agency_contact, self_service_url
from agency.outreach.letter_pdf import LetterContent, address_lines, render_letter
from agency.outreach.payment_words import KINDS, METHODS
from agency.outreach.templating import LOCALES, MINI_MIRANDA, Language
from agency.payments.models import Payment, PaymentPlan
from agency.payments.receipts import facts
from agency.payments.receipts.sending import language_of
from agency.payments.receipts.wording import REVERSAL_KINDS, STATUSES, WORDS
from agency.payments.repository import receipts as repo


class NotOnCase(LookupError):
    """No such payment or plan on this case."""


def _case(db: Session, case_id: int) -> Case:
    case = repo.case_to_write_to(db, case_id)
    if case is None:
        raise NotOnCase(f"case {case_id} does not exist")
    return case


def _language(case: Case) -> Language:
    return "es" if language_of(case) == "es" else "en"


def _letter(case: Case, language: Language, *, on_day: date, subject: str, body: str) -> bytes:
    addresses = [p for p in case.consumer.contact_points if p.channel is Channel.ADDRESS]
    return render_letter(
        LetterContent(
            language=language,
            on=on_day,
            letterhead=agency_contact(),
            recipient=case.consumer_name,
            address_lines=address_lines(addresses[0].value) if addresses else (),
            reference=case.client_reference,
            subject=subject,
            body=body,
            self_service_link=self_service_url(case_id=case.id, consumer_id=case.consumer_id),
        )
    ).pdf


def _head(case: Case, language: Language) -> list[str]:
    words = WORDS[language]
    return [
        f"{words['creditor']}: {case.current_creditor or case.client.name}\n"
        f"{words['account']}: {case.client_reference}\n"
        f"{words['consumer']}: {case.consumer_name}"
    ]


def _tail(language: Language) -> list[str]:
    agency = agency_contact()
    return [
        WORDS[language]["questions"].format(phone=agency.phone, email=agency.email),
        MINI_MIRANDA[language],
    ]


def receipt_pdf(db: Session, *, case_id: int, payment_id: int) -> bytes:
    """The receipt of payment ``payment_id`` of case ``case_id``; NotOnCase when the
    payment is not this case's."""
    case = _case(db, case_id)
    payment = repo.payment(db, payment_id)
    if payment is None or payment.case_id != case.id:
        raise NotOnCase(f"payment {payment_id} is not on case {case_id}")
    language = _language(case)
    return _letter(
        case,
        language,
        on_day=payment.posted_at.astimezone(clock.office_zone()).date(),
        subject=WORDS[language]["reversed_title" if payment.reversal else "receipt"],
        body="\n\n".join(_receipt_body(db, case, payment, language)),
    )


def _receipt_body(db: Session, case: Case, payment: Payment, language: Language) -> list[str]:
    words, locale = WORDS[language], LOCALES[language]
    stated = facts.payment_facts(db, case=case, payment=payment)

    def money(minor: int) -> str:
        return Money(minor, payment.currency).format(locale)

    lines = [
        f"{words['amount']}: {payment.amount.format(locale)}",
        f"{words['received']}: {format_date(payment.received_on, 'long', locale=locale)}",
        f"{words['method']}: {METHODS[language].get(payment.method.value, payment.method.value)}",
    ]
    if stated.reference:
        lines.append(f"{words['reference']}: {stated.reference}")
    applied = words["allocation"].format(
        fees=money(payment.fees_minor),
        interest=money(payment.interest_minor),
        principal=money(payment.principal_minor),
    )
    balance = f"{words['balance_after']}: {stated.balance_after.format(locale)}"
    body = [*_head(case, language), "\n".join(lines), f"{applied}\n{balance}"]
    reversal = payment.reversal
    if reversal is not None:
        kind = REVERSAL_KINDS[language].get(reversal.kind.value, reversal.kind.value)
        body.append(
            words["reversed"].format(
                on=format_date(reversal.effective_on, "long", locale=locale),
                kind=kind,
                amount=money(reversal.amount_minor),
            )
        )
    else:
        body.append(words["thanks"])
    return body + _tail(language)


def confirmation_pdf(db: Session, *, case_id: int, plan_id: int) -> bytes:
    """The confirmation of plan ``plan_id`` of case ``case_id`` (a promise, a plan or
    a settlement); NotOnCase when the plan is not this case's."""
    case = _case(db, case_id)
    plan = repo.plan(db, plan_id)
    if plan is None or plan.case_id != case.id:
        raise NotOnCase(f"plan {plan_id} is not on case {case_id}")
    language = _language(case)
    kind = KINDS[language].get(plan.kind.value, plan.kind.value)
    return _letter(
        case,
        language,
        on_day=plan.created_at.astimezone(clock.office_zone()).date(),
        subject=WORDS[language]["confirmation"].format(kind=kind),
        body="\n\n".join(_confirmation_body(case, plan, language)),
    )


def _confirmation_body(case: Case, plan: PaymentPlan, language: Language) -> list[str]:
    words, locale = WORDS[language], LOCALES[language]
    summary = [
        f"{words['total']}: {plan.total.format(locale)}",
        f"{words['status']}: {STATUSES[language].get(plan.status.value, plan.status.value)}",
    ]
    if plan.balance_minor is not None:
        summary.append(
            f"{words['balance']}: {Money(plan.balance_minor, plan.currency).format(locale)}"
        )
    schedule = [words["schedule"] + ":"]
    for number, installment in enumerate(plan.installments, start=1):
        day = format_date(installment.due_date, "long", locale=locale)
        amount = Money(installment.amount_minor, plan.currency).format(locale)
        status = installment.status.value
        state = STATUSES[language][status] if status == "cancelled" else words[status]
        schedule.append(f"{number}. {day}: {amount} ({state})")
    return [*_head(case, language), "\n".join(summary), "\n".join(schedule), *_tail(language)]
