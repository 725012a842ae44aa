"""The template variables of a payment receipt and a plan confirmation (``payment.*`` and
``arrangement.*`` in ``templating.VARIABLES``), written in the template's language: the
facts come in as money and dates (outreach sits below payments and never reads its
tables; payments hands the facts over), and go out as ready-made strings.  A message
that is neither a receipt nor a confirmation has them all empty."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Final

from babel.dates import format_date

from agency.kit.money import Money

PAYMENT_VARIABLES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "payment.amount": "A receipt's payment, as money: $250.00 (empty in other messages).",
        "payment.date": "The day the payment was received, in words.",
        "payment.method": "How it was paid, in the template's language: card, bank "
        "account (ACH), bank transfer, cheque, cash, or paid to the creditor.",
        "payment.reference": "The payment's reference (its provider's or ours); empty "
        "when it has none.",
        "payment.balance_after": "What was still owed on the account once the payment "
        "was credited, as money.",
        "arrangement.kind": "A confirmation's arrangement, in words: promise to pay, "
        "payment plan or settlement (empty in other messages).",
        "arrangement.total": "What the arrangement pays in all, as money (a settlement's "
        "total is less than the balance).",
        "arrangement.installments": "How many payments the arrangement has, as a number: 3.",
        "arrangement.next_date": "The day the next payment is due, in words.",
        "arrangement.next_amount": "The next payment due, as money.",
        "arrangement.schedule": "Every payment of the arrangement on one line: "
        "'October 15, 2026: $411.52; November 15, 2026: $411.52' (a long plan's last "
        "payments summed up).",
    }
)
"""The receipt's and the confirmation's variables, dotted name -> what it holds."""

METHODS: Final[Mapping[str, Mapping[str, str]]] = MappingProxyType(
    {
        "en": MappingProxyType(
            {
                "card": "card",
                "ach": "bank account (ACH)",
                "bank_transfer": "bank transfer",
                "cheque": "cheque",
                "cash": "cash",
                "direct": "paid to the creditor",
            }
        ),
        "es": MappingProxyType(
            {
                "card": "tarjeta",
                "ach": "cuenta bancaria (ACH)",
                "bank_transfer": "transferencia bancaria",
                "cheque": "cheque",
                "cash": "efectivo",
                "direct": "pagado al acreedor",
            }
        ),
    }
)
KINDS: Final[Mapping[str, Mapping[str, str]]] = MappingProxyType(
    {
        "en": MappingProxyType(
            {"promise": "promise to pay", "plan": "payment plan", "settlement": "settlement"}
        ),
        "es": MappingProxyType(
            {
                "promise": "promesa de pago",
                "plan": "plan de pagos",
                "settlement": "acuerdo de liquidación",
            }
        ),
    }
)
_MORE: Final[Mapping[str, str]] = MappingProxyType(
    {
        "en": "and {count} more payments, {total} in all",
        "es": "y {count} pagos más, {total} en total",
    }
)
SEPARATOR: Final = "; "
# A variable holds at most this many characters (``templating.MAX_VALUE``).
MAX_SCHEDULE = 500


@dataclass(frozen=True, slots=True)
class PaymentFacts:
    """A payment as its receipt states it.  ``method``: a payment method's value (card,
    ach, bank_transfer, cheque, cash, direct)."""

    amount: Money
    received_on: date
    method: str
    reference: str | None
    balance_after: Money


@dataclass(frozen=True, slots=True)
class ArrangementFacts:
    """An arrangement as its confirmation states it: ``kind`` a plan kind's value
    (promise, plan, settlement), its payments in date order, and the next one due."""

    kind: str
    total: Money
    payments: tuple[tuple[date, Money], ...]
    next_due: date | None
    next_amount: Money | None


def _day(day: date, locale: str) -> str:
    return str(format_date(day, "long", locale=locale))


def _words(table: Mapping[str, Mapping[str, str]], language: str, value: str) -> str:
    return table[language].get(value, value.replace("_", " "))


def schedule_lines(facts: ArrangementFacts, *, language: str, locale: str) -> str:
    """The payments, ``SEPARATOR`` between them, in at most ``MAX_SCHEDULE`` characters:
    when they do not all fit, the first ones that do, then the rest summed up."""
    lines = [f"{_day(on, locale)}: {amount.format(locale)}" for on, amount in facts.payments]
    if len(SEPARATOR.join(lines)) <= MAX_SCHEDULE:
        return SEPARATOR.join(lines)

    def summary(start: int) -> str:
        rest = [amount for _, amount in facts.payments[start:]]
        total = sum(rest, Money(0, facts.total.currency))
        return _MORE[language].format(count=len(rest), total=total.format(locale))

    shown: list[str] = []
    for number, line in enumerate(lines):
        if len(SEPARATOR.join([*shown, line, summary(number + 1)])) > MAX_SCHEDULE:
            break
        shown.append(line)
    return SEPARATOR.join([*shown, summary(len(shown))])


def _empty(group: str) -> dict[str, str]:
    return {
        name.partition(".")[2]: "" for name in PAYMENT_VARIABLES if name.startswith(group + ".")
    }


def payment_values(facts: PaymentFacts | None, *, language: str, locale: str) -> dict[str, str]:
    """The ``payment.*`` members, empty when ``facts`` is None."""
    if facts is None:
        return _empty("payment")
    return {
        "amount": facts.amount.format(locale),
        "date": _day(facts.received_on, locale),
        "method": _words(METHODS, language, facts.method),
        "reference": facts.reference or "",
        "balance_after": facts.balance_after.format(locale),
    }


def arrangement_values(
    facts: ArrangementFacts | None, *, language: str, locale: str
) -> dict[str, str]:
    """The ``arrangement.*`` members, empty when ``facts`` is None."""
    if facts is None:
        return _empty("arrangement")
    return {
        "kind": _words(KINDS, language, facts.kind),
        "total": facts.total.format(locale),
        "installments": str(len(facts.payments)),
        "next_date": "" if facts.next_due is None else _day(facts.next_due, locale),
        "next_amount": "" if facts.next_amount is None else facts.next_amount.format(locale),
        "schedule": schedule_lines(facts, language=language, locale=locale),
    }


SAMPLE_PAYMENT: Final = PaymentFacts(
    amount=Money(25_000, "USD"),
    received_on=date(2026, 9, 30),
    method="card",
    reference="PAY-20931",
    balance_after=Money(98_456, "USD"),
)
SAMPLE_ARRANGEMENT: Final = ArrangementFacts(
    kind="plan",
    total=Money(123_456, "USD"),
    payments=(
        (date(2026, 10, 15), Money(41_152, "USD")),
        (date(2026, 11, 15), Money(41_152, "USD")),
        (date(2026, 12, 15), Money(41_152, "USD")),
    ),
    next_due=date(2026, 10, 15),
    next_amount=Money(41_152, "USD"),
)
"""The previews' receipt and confirmation (the sample case's balance, $1,234.56)."""
