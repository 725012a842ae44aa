"""The scenario file of ``payment-schedules.md``, read exactly, and the schedule written
back in the spec's output format.  Every refusal is a PaymentError whose ``field`` is
the path into the document (``offer.count``; ``""`` for the document as a whole)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from agency.kit import scenarios
from agency.kit.json_input import JsonInputError
from agency.kit.scenarios import amount_at, date_at, format_amount, percent_at, whole_at
from agency.payments.kinds import Frequency, PlanKind
from agency.payments.schemas import Authority, DownPayment, Offer, PaymentError, Schedule

MAX_SCENARIO_BYTES = 64 * 1024
_E = TypeVar("_E", PlanKind, Frequency)
_DEPTH = 3  # the document, its sections, the down payment
_ITEMS = 16

_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {  # section: (required, optional)
    "": (("today", "case", "offer"), ("authority",)),
    "case": (("balance", "currency", "country"), ("region",)),
    "authority": (
        (),
        ("settlement_floor", "max_months", "min_installment", "min_down_payment_percent"),
    ),
    "offer": (
        ("kind", "first_due"),
        ("total", "frequency", "count", "installment", "down_payment"),
    ),
    "offer.down_payment": (("amount", "due"), ()),
}
_COUNTRY = re.compile(r"[A-Z]{2}")
_REGION = re.compile(r"[A-Z0-9]{1,3}")  # as the addresses hold it


@dataclass(frozen=True, slots=True)
class Scenario:
    """What ``rules.compute`` takes, read from one scenario document."""

    today: date
    balance_minor: int
    currency: str
    country: str
    region: str | None
    authority: Authority
    offer: Offer


def read_document(raw: bytes) -> Any:
    """The JSON of a file or request body: at most 64 KiB, nested as the format is."""
    return scenarios.read_document(
        raw, max_bytes=MAX_SCENARIO_BYTES, max_depth=_DEPTH, max_items=_ITEMS
    )


def _section(value: Any, section: str) -> dict[str, Any]:
    """The object at ``section``, its keys checked; absent optional keys read as null."""
    required, optional = _KEYS[section]
    return scenarios.keys_of(value, section, required, optional)


def _choice(value: Any, path: str, kind: type[_E]) -> _E:
    names = [member.value for member in kind]
    if not isinstance(value, str) or value not in names:
        raise PaymentError(path, "must be one of " + ", ".join(names))
    return kind(value)


def parse_scenario(document: Any) -> Scenario:
    """A scenario from a JSON document already read (``kit.json_input.load_json``)."""
    try:
        return _scenario(document)
    except JsonInputError as exc:
        raise PaymentError(exc.path, exc.reason) from None


def _scenario(document: Any) -> Scenario:
    if not isinstance(document, dict):
        raise PaymentError("", "the scenario must be a JSON object")
    top = _section(document, "")
    today = date_at(top["today"], "today")
    case = _section(top["case"], "case")
    currency = scenarios.currency_at(case["currency"], "case.currency")
    balance = amount_at(case["balance"], currency, "case.balance")
    country, region = case["country"], case["region"]
    if not isinstance(country, str) or not _COUNTRY.fullmatch(country):
        raise PaymentError("case.country", 'must be an ISO 3166 country code such as "US"')
    if region is not None and (not isinstance(region, str) or not _REGION.fullmatch(region)):
        raise PaymentError("case.region", 'must be a subdivision code such as "NY" or "SCT"')
    authority = _authority(top["authority"], currency)
    offer = _offer(_section(top["offer"], "offer"), currency)
    return Scenario(today, balance, currency, country, region, authority, offer)


def _authority(value: Any, currency: str) -> Authority:
    if value is None:
        return Authority()
    limits = _section(value, "authority")

    def percent(key: str) -> Decimal | None:
        raw = limits[key]
        return None if raw is None else percent_at(raw, f"authority.{key}")

    months = limits["max_months"]
    least = limits["min_installment"]
    return Authority(
        settlement_floor=percent("settlement_floor"),
        max_months=None if months is None else whole_at(months, "authority.max_months", 1, 120),
        min_installment_minor=(
            None if least is None else amount_at(least, currency, "authority.min_installment")
        ),
        min_down_payment_percent=percent("min_down_payment_percent"),
    )


def _offer(offer: dict[str, Any], currency: str) -> Offer:
    down = offer["down_payment"]
    if down is not None:
        down_keys = _section(down, "offer.down_payment")
        down = DownPayment(
            amount_minor=amount_at(down_keys["amount"], currency, "offer.down_payment.amount"),
            due=date_at(down_keys["due"], "offer.down_payment.due"),
        )
    total, count, installment = offer["total"], offer["count"], offer["installment"]
    frequency = offer["frequency"]
    return Offer(
        kind=_choice(offer["kind"], "offer.kind", PlanKind),
        first_due=date_at(offer["first_due"], "offer.first_due"),
        total_minor=None if total is None else amount_at(total, currency, "offer.total"),
        frequency=None if frequency is None else _choice(frequency, "offer.frequency", Frequency),
        count=None if count is None else whole_at(count, "offer.count", 1, 120),
        installment_minor=(
            None if installment is None else amount_at(installment, currency, "offer.installment")
        ),
        down_payment=down,
    )


def schedule_to_json(schedule: Schedule) -> dict[str, Any]:
    """The output object of the spec, its keys in the spec's order."""
    currency = schedule.currency
    return {
        "kind": schedule.kind.value,
        "currency": currency,
        "total": format_amount(schedule.total_minor, currency),
        "needs_approval": schedule.needs_approval,
        "reasons": list(schedule.reasons),
        "payments": [
            {
                "due": payment.due.isoformat(),
                "amount": format_amount(payment.amount_minor, currency),
                "down_payment": payment.down_payment,
            }
            for payment in schedule.payments
        ],
    }


def run_scenario(document: Any) -> dict[str, Any]:
    """The output object for a scenario document (the command's and the API's work)."""
    from agency.payments.schedule.rules import compute

    scenario = parse_scenario(document)
    return schedule_to_json(
        compute(
            today=scenario.today,
            balance_minor=scenario.balance_minor,
            currency=scenario.currency,
            country=scenario.country,
            region=scenario.region,
            authority=scenario.authority,
            offer=scenario.offer,
        )
    )
