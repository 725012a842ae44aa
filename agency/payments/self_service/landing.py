"""What the account page shows: who we are and for whom, the itemized balance, the plan
with its next payment (and how far it may move), the documents to download."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from agency.kit.money import Money
from agency.outreach import validation_notices
from agency.payments.models import Installment, InstallmentStatus, PaymentPlan, PlanStatus
from agency.payments.repository import self_service as repo
from agency.payments.self_service.account import account
from agency.payments.self_service.pages import Visit
from agency.payments.self_service.text import locale_of

UNPAID = (InstallmentStatus.DUE, InstallmentStatus.MISSED)


@dataclass(frozen=True, slots=True)
class Document:
    href: str
    label: str


@dataclass(frozen=True, slots=True)
class PlanView:
    id: int
    pending: bool
    next_id: int | None
    next_amount: str | None
    next_date: date | None
    installments: tuple[tuple[date, str, str], ...]  # due, amount, status


def next_unpaid(plan: PaymentPlan) -> Installment | None:
    return next((i for i in plan.installments if i.status in UNPAID), None)


def plan_view(plan: PaymentPlan | None, lang: str) -> PlanView | None:
    if plan is None:
        return None
    loc = locale_of("es" if lang == "es" else "en")
    nxt = next_unpaid(plan)

    def owed(i: Installment) -> str:
        return Money(i.amount_minor - i.paid_minor, plan.currency).format(loc)

    return PlanView(
        id=plan.id,
        pending=plan.status is PlanStatus.PENDING,
        next_id=nxt.id if nxt else None,
        next_amount=owed(nxt) if nxt else None,
        next_date=nxt.due_date if nxt else None,
        installments=tuple(
            (i.due_date, Money(i.amount_minor, plan.currency).format(loc), i.status.value)
            for i in plan.installments
            if i.status is not InstallmentStatus.CANCELLED
        ),
    )


def documents(db: Session, visit: Visit) -> list[Document]:
    w, loc = visit.w, locale_of(visit.lang)
    found = [
        Document(f"{visit.base}/notice/{doc.id}", w.validation_notice)
        for doc in validation_notices.kept_notices(db, case_id=visit.case.id)
    ]
    for payment in repo.payments_kept(db, visit.case.id):
        label = w("receipt_of", amount=payment.amount.format(loc), date=payment.received_on)
        found.append(Document(f"{visit.base}/receipts/{payment.id}", label))
    return found


def landing_context(db: Session, visit: Visit) -> dict[str, Any]:
    case = visit.case
    return {
        "base": visit.base,
        "case": case,
        "client_name": case.client.name,
        "creditor": case.current_creditor or case.client.name,
        "account": account(db, case, visit.lang),
        "plan": plan_view(repo.shown_plan(db, case.id), visit.lang),
        "documents": documents(db, visit),
        "is_open": case.status.is_open,
    }
