"""The scenario file of ``payment-schedules.md``, read exactly, and the schedule written
back in the spec's output format.  Every refusal is a PaymentError whose ``field`` is
the path into the document (``offer.count``; ``""`` for the document as a whole)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from agency.kit.json_input import JsonInputError, load_json
from agency.kit.money import MoneyError, check_currency
from agency.payments.kinds import Frequency, PlanKind
from agency.payments.schedule.amounts import format_amount, parse_amount, parse_percent
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
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_COUNTRY = re.compile(r"[A-Z]{2}")
_REGION = re.compile(r"[A-Z0-9]{1,3}")  # as the addresses hold it
_CURRENCY = re.compile(r"[A-Z]{3}")


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
    """The JSON of a file or request body: at most 64 KiB, nested as the format is
    (``kit.json_input``: numbers exact, no duplicate keys, no NUL)."""
    if len(raw) > MAX_SCENARIO_BYTES:
        raise JsonInputError("", f"the scenario is larger than {MAX_SCENARIO_BYTES // 1024} KiB")
    return load_json(raw, max_depth=_DEPTH, max_items=_ITEMS)


def _path(section: str, key: str) -> str:
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,59}", key) is None:
        key = f"[{json.dumps(key[:60])}]"
        return f"{section}{key}"
    return f"{section}.{key}" if section else key


def _section(value: Any, section: str) -> dict[str, Any]:
    """The object at ``section``, its keys checked; absent optional keys read as null."""
    if not isinstance(value, dict):
        raise PaymentError(section, "must be a JSON object")
    required, optional = _KEYS[section]
    for key in value:
        if key not in required and key not in optional:
            raise PaymentError(_path(section, key), "unknown key")
    for key in required:
        if value.get(key) is None:
            raise PaymentError(_path(section, key), "is required")
    return {key: value.get(key) for key in required + optional}


def _date(value: Any, path: str) -> date:
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise PaymentError(path, "must be a date written YYYY-MM-DD")


def _choice(value: Any, path: str, kind: type[_E]) -> _E:
    names = [member.value for member in kind]
    if not isinstance(value, str) or value not in names:
        raise PaymentError(path, "must be one of " + ", ".join(names))
    return kind(value)


def _whole(value: Any, path: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise PaymentError(path, f"must be a whole number from {low} to {high}")
    return value


def _currency(value: Any) -> str:
    if isinstance(value, str) and _CURRENCY.fullmatch(value):
        try:
            return check_currency(value)
        except MoneyError:
            pass
    raise PaymentError("case.currency", 'must be an ISO 4217 currency code such as "USD"')


def parse_scenario(document: Any) -> Scenario:
    """A scenario from a JSON document already read (``kit.json_input.load_json``)."""
    if not isinstance(document, dict):
        raise PaymentError("", "the scenario must be a JSON object")
    top = _section(document, "")
    today = _date(top["today"], "today")
    case = _section(top["case"], "case")
    currency = _currency(case["currency"])
    balance = parse_amount(case["balance"], currency, "case.balance")
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
        return None if raw is None else parse_percent(raw, f"authority.{key}")

    months = limits["max_months"]
    least = limits["min_installment"]
    return Authority(
        settlement_floor=percent("settlement_floor"),
        max_months=None if months is None else _whole(months, "authority.max_months", 1, 120),
        min_installment_minor=(
            None if least is None else parse_amount(least, currency, "authority.min_installment")
        ),
        min_down_payment_percent=percent("min_down_payment_percent"),
    )


def _offer(offer: dict[str, Any], currency: str) -> Offer:
    down = offer["down_payment"]
    if down is not None:
        down_keys = _section(down, "offer.down_payment")
        down = DownPayment(
            amount_minor=parse_amount(down_keys["amount"], currency, "offer.down_payment.amount"),
            due=_date(down_keys["due"], "offer.down_payment.due"),
        )
    total, count, installment = offer["total"], offer["count"], offer["installment"]
    frequency = offer["frequency"]
    return Offer(
        kind=_choice(offer["kind"], "offer.kind", PlanKind),
        first_due=_date(offer["first_due"], "offer.first_due"),
        total_minor=None if total is None else parse_amount(total, currency, "offer.total"),
        frequency=None if frequency is None else _choice(frequency, "offer.frequency", Frequency),
        count=None if count is None else _whole(count, "offer.count", 1, 120),
        installment_minor=(
            None
            if installment is None
            else parse_amount(installment, currency, "offer.installment")
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
