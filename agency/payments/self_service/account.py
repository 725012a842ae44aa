"""What the consumer's page shows of the account: the balance with its itemization
(posting's ``itemized``: what was placed, paid and is still open in each bucket), the
smallest payment the contract accepts, and amounts typed on the page read exactly."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from agency.cases.models import Case
from agency.kit.money import Money, minor_digits
from agency.payments.posting.balance import itemized
from agency.payments.self_service.text import Lang, Words, locale_of


@dataclass(frozen=True, slots=True)
class Row:
    key: str  # principal, interest, fees (the catalogue's words)
    placed: str
    paid: str
    open: str


@dataclass(frozen=True, slots=True)
class Account:
    balance: Money
    rows: tuple[Row, ...]
    placed_total: str
    paid_total: str
    open_total: str
    minimum: Money  # the smallest payment accepted (the whole balance when less)


def account(db: Session, case: Case, lang: Lang) -> Account:
    items = itemized(db, case_id=case.id)
    loc = locale_of(lang)
    rows = tuple(
        Row(b.name, b.placed.format(loc), b.paid.format(loc), b.open.format(loc))
        for b in items.buckets
    )
    balance = items.open
    least = case.contract.min_payment_minor or 1
    return Account(
        balance=balance,
        rows=rows,
        placed_total=items.placed.format(loc),
        paid_total=Money(sum(b.paid.minor for b in items.buckets), case.currency).format(loc),
        open_total=balance.format(loc),
        minimum=Money(min(least, balance.minor) if balance.minor > 0 else least, case.currency),
    )


AMOUNT = re.compile(r"-?[0-9]+(\.[0-9]+)?")


class AmountRefused(ValueError):
    """An amount the page refuses, in the consumer's words."""


def read_amount(text: str, *, currency: str, account: Account, w: Words, lang: Lang) -> Money:
    """The amount typed, exactly: no more decimals than the currency has, more than zero,
    at least the contract's minimum (or the whole balance), at most the balance."""
    digits = minor_digits(currency)
    raw = text.strip().replace(",", "") if lang == "en" else text.strip().replace(" ", "")
    if lang == "es" and raw.count(",") == 1 and "." not in raw:
        raw = raw.replace(",", ".")
    if not raw:
        raise AmountRefused(w.need_amount)
    if len(raw) > 20 or not AMOUNT.fullmatch(raw):  # plain digits: no 1e3, no NaN
        raise AmountRefused(w("bad_amount", digits=digits))
    value = Decimal(raw)
    scaled = value.scaleb(digits)
    if scaled != scaled.to_integral_value():
        raise AmountRefused(w("bad_amount", digits=digits))
    minor = int(scaled)
    loc = locale_of(lang)
    if minor <= 0:
        raise AmountRefused(w.amount_positive)
    if minor > account.balance.minor:
        raise AmountRefused(w("amount_over_balance", balance=account.balance.format(loc)))
    if minor < account.minimum.minor:
        raise AmountRefused(w("amount_below_min", minimum=account.minimum.format(loc)))
    return Money(minor, currency)
