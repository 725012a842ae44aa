"""A case's balance itemized for the pages: per bucket, what was owed before any payment
(the open bucket plus what payments not reversed took from it), what those payments
paid, and what is open now; with the totals of payments and of reversals."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from agency.cases.models import Case
from agency.kit.money import Money
from agency.payments.repository import posting as repo
from agency.payments.schemas import PaymentError


@dataclass(frozen=True, slots=True)
class Bucket:
    name: str  # fees, interest, principal
    placed: Money
    paid: Money
    open: Money


@dataclass(frozen=True, slots=True)
class Itemization:
    """The case's buckets (principal, interest, fees) and the totals of its payments:
    ``payments`` every payment posted, ``reversed`` those taken back, ``paid`` the rest."""

    currency: str
    buckets: tuple[Bucket, ...]
    payments: Money
    reversed: Money

    @property
    def paid(self) -> Money:
        return self.payments - self.reversed

    @property
    def open(self) -> Money:
        return Money(sum(b.open.minor for b in self.buckets), self.currency)

    @property
    def placed(self) -> Money:
        return Money(sum(b.placed.minor for b in self.buckets), self.currency)


def itemized(db: Session, *, case_id: int) -> Itemization:
    """The case's itemized balance (``Itemization``); ``PaymentError`` for no such case."""
    case = db.get(Case, case_id)
    if case is None:
        raise PaymentError("case", "no such case")
    paid = {"fees": 0, "interest": 0, "principal": 0}
    total = reversed_total = 0
    for payment in repo.payments_of_case(db, case_id):
        total += payment.amount_minor
        if payment.reversal is not None:
            reversed_total += payment.amount_minor
            continue
        paid["fees"] += payment.fees_minor
        paid["interest"] += payment.interest_minor
        paid["principal"] += payment.principal_minor
    open_now = {
        "fees": case.fees_minor,
        "interest": case.interest_minor,
        "principal": case.principal_minor,
    }
    money = case.currency
    return Itemization(
        currency=money,
        buckets=tuple(
            Bucket(
                name=name,
                placed=Money(open_now[name] + paid[name], money),
                paid=Money(paid[name], money),
                open=Money(open_now[name], money),
            )
            for name in ("principal", "interest", "fees")
        ),
        payments=Money(total, money),
        reversed=Money(reversed_total, money),
    )
