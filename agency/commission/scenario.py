"""The scenario file of ``commission-scenarios.md``, read exactly, and its entries and
statement written back in the spec's output format.  Every refusal is a
``JsonInputError`` whose path points into the document (``contract.tiers[1].rate``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from agency.commission.kinds import PaidTo, Remittance, ReversalReason, Stage
from agency.commission.rules import (
    CaseFacts,
    Entry,
    FeeSchedule,
    NoTier,
    Tier,
    rate_payment,
    reversal_entry,
    statement,
)
from agency.kit import scenarios
from agency.kit.json_input import JsonInputError
from agency.kit.scenarios import (
    amount_at,
    currency_at,
    date_at,
    format_amount,
    format_percent,
    keys_of,
    percent_at,
    whole_at,
)

MAX_SCENARIO_BYTES = 1024 * 1024
MAX_TIERS = 50
MAX_PAYMENTS = 10_000
MAX_ID = 64
MAX_AGE_DAYS = 36_600  # a hundred years
_DEPTH = 5  # the document, the contract, its tiers, a tier, a tier's range
_E = TypeVar("_E", Remittance, Stage, PaidTo, ReversalReason)


@dataclass(frozen=True, slots=True)
class Movement:
    """A payment (``amount_minor`` and ``paid_to``) or a reversal (``reverses``), as the
    scenario gives it; ``index`` is its place in the list."""

    index: int
    id: str
    on: date
    amount_minor: int | None = None
    paid_to: PaidTo | None = None
    reverses: str | None = None


@dataclass(frozen=True, slots=True)
class Scenario:
    schedule: FeeSchedule
    case: CaseFacts
    movements: tuple[Movement, ...]
    start: date
    end: date


def read_document(raw: bytes) -> Any:
    """At most 1 MiB, nested as the format is, at most 10,000 payments."""
    return scenarios.read_document(
        raw, max_bytes=MAX_SCENARIO_BYTES, max_depth=_DEPTH, max_items=MAX_PAYMENTS
    )


def _choice(value: Any, path: str, kind: type[_E]) -> _E:
    names = [member.value for member in kind]
    if not isinstance(value, str) or value not in names:
        raise JsonInputError(path, "must be one of " + ", ".join(names))
    return kind(value)


def _list(value: Any, path: str, least: int, most: int) -> list[Any]:
    if not isinstance(value, list):
        raise JsonInputError(path, "must be a JSON list")
    if not least <= len(value) <= most:
        raise JsonInputError(path, f"must hold from {least} to {most} items")
    return value


def schedule_of(value: Any, path: str) -> FeeSchedule:
    """A fee schedule in the format of the scenario's ``contract`` (the editor's too)."""
    contract = keys_of(
        value, path, ("currency", "tiers"), ("remittance", "minimum_fee", "legal_rate")
    )
    currency = currency_at(contract["currency"], f"{path}.currency")
    tiers = tuple(
        tier_of(raw, f"{path}.tiers[{n}]", currency)
        for n, raw in enumerate(_list(contract["tiers"], f"{path}.tiers", 1, MAX_TIERS))
    )
    fee, legal, remittance = contract["minimum_fee"], contract["legal_rate"], contract["remittance"]
    return FeeSchedule(
        currency=currency,
        tiers=tiers,
        remittance=(
            Remittance.NET
            if remittance is None
            else _choice(remittance, f"{path}.remittance", Remittance)
        ),
        minimum_fee_minor=(
            0 if fee is None else amount_at(fee, currency, f"{path}.minimum_fee", zero=True)
        ),
        legal_rate=None if legal is None else percent_at(legal, f"{path}.legal_rate"),
    )


def parse_scenario(document: Any) -> Scenario:
    """A scenario from a JSON document already read (``read_document``)."""
    top = keys_of(document, "", ("contract", "case", "payments", "period"))
    schedule = schedule_of(top["contract"], "contract")
    currency = schedule.currency
    case = _case(top["case"], currency)
    period = keys_of(top["period"], "period", ("from", "to"))
    start, end = date_at(period["from"], "period.from"), date_at(period["to"], "period.to")
    if end < start:
        raise JsonInputError("period.to", "must be on or after period.from")
    movements = _movements(_list(top["payments"], "payments", 0, MAX_PAYMENTS), case, currency)
    return Scenario(schedule, case, movements, start, end)


def _range(value: Any, path: str, read: Any) -> tuple[int, int | None]:
    """``[min, max]``, both ends included, ``null`` for no upper end."""
    if not isinstance(value, list) or len(value) != 2:
        raise JsonInputError(path, "must be a list of two: [min, max] (max null for no end)")
    low = read(value[0], f"{path}[0]")
    high = None if value[1] is None else read(value[1], f"{path}[1]")
    if high is not None and high < low:
        raise JsonInputError(f"{path}[1]", "must not be less than the minimum")
    return low, high


def tier_of(value: Any, path: str, currency: str) -> Tier:
    keys = keys_of(value, path, ("rate",), ("placement_age_days", "placed_balance", "stage"))
    age, balance, stage = keys["placement_age_days"], keys["placed_balance"], keys["stage"]
    return Tier(
        rate=percent_at(keys["rate"], f"{path}.rate"),
        placement_age_days=(
            None
            if age is None
            else _range(
                age,
                f"{path}.placement_age_days",
                lambda raw, at: whole_at(raw, at, 0, MAX_AGE_DAYS),
            )
        ),
        placed_balance_minor=(
            None
            if balance is None
            else _range(
                balance,
                f"{path}.placed_balance",
                lambda raw, at: amount_at(raw, currency, at, zero=True),
            )
        ),
        stage=None if stage is None else _choice(stage, f"{path}.stage", Stage),
    )


def _case(value: Any, currency: str) -> CaseFacts:
    keys = keys_of(
        value, "case", ("placed_on", "placed_balance"), ("legal_on", "stage", "escalated_on")
    )
    placed_on = date_at(keys["placed_on"], "case.placed_on")
    legal_on = None if keys["legal_on"] is None else date_at(keys["legal_on"], "case.legal_on")
    if legal_on is not None and legal_on < placed_on:
        raise JsonInputError("case.legal_on", "must be on or after case.placed_on")
    stage = (
        Stage.COLLECTION if keys["stage"] is None else _choice(keys["stage"], "case.stage", Stage)
    )
    escalated = keys["escalated_on"]
    escalated_on = None if escalated is None else date_at(escalated, "case.escalated_on")
    if escalated_on is not None and stage is not Stage.EARLY:
        raise JsonInputError("case.escalated_on", 'is only for a case whose stage is "early"')
    if escalated_on is not None and escalated_on < placed_on:
        raise JsonInputError("case.escalated_on", "must be on or after case.placed_on")
    return CaseFacts(
        placed_on=placed_on,
        placed_balance_minor=amount_at(keys["placed_balance"], currency, "case.placed_balance"),
        legal_on=legal_on,
        stage=stage,
        escalated_on=escalated_on,
    )


def _id(value: Any, path: str) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_ID or not value.isprintable():
        raise JsonInputError(path, f"must be a text of 1 to {MAX_ID} printable characters")
    return value


def _movements(items: list[Any], case: CaseFacts, currency: str) -> tuple[Movement, ...]:
    """Payments and reversals, each checked; ids unique; a reversal names a payment
    before it in time (or the same day), once."""
    movements: list[Movement] = []
    seen: dict[str, int] = {}
    for n, item in enumerate(items):
        path = f"payments[{n}]"
        is_reversal = isinstance(item, dict) and "reverses" in item
        if is_reversal:
            keys = keys_of(item, path, ("id", "on", "reverses", "reason"))
            _choice(keys["reason"], f"{path}.reason", ReversalReason)
            movement = Movement(
                n,
                _id(keys["id"], f"{path}.id"),
                date_at(keys["on"], f"{path}.on"),
                reverses=_id(keys["reverses"], f"{path}.reverses"),
            )
        else:
            keys = keys_of(item, path, ("id", "on", "amount", "paid_to"))
            movement = Movement(
                n,
                _id(keys["id"], f"{path}.id"),
                date_at(keys["on"], f"{path}.on"),
                amount_minor=amount_at(keys["amount"], currency, f"{path}.amount"),
                paid_to=_choice(keys["paid_to"], f"{path}.paid_to", PaidTo),
            )
            if movement.on < case.placed_on:
                raise JsonInputError(f"{path}.on", "must be on or after case.placed_on")
        if movement.id in seen:
            raise JsonInputError(f"{path}.id", f"is also payments[{seen[movement.id]}]'s id")
        seen[movement.id] = n
        movements.append(movement)
    _check_reversals(movements)
    return tuple(movements)


def _check_reversals(movements: list[Movement]) -> None:
    by_id = {movement.id: movement for movement in movements}
    reversed_by: dict[str, int] = {}
    for movement in movements:
        if movement.reverses is None:
            continue
        path = f"payments[{movement.index}]"
        target = by_id.get(movement.reverses)
        if target is None:
            raise JsonInputError(f"{path}.reverses", "names no payment of the scenario")
        if target.reverses is not None:
            raise JsonInputError(
                f"{path}.reverses", "names a reversal: a reversal cannot be reversed"
            )
        if movement.on < target.on:
            raise JsonInputError(f"{path}.on", f"is before the payment it reverses ({target.id})")
        if target.id in reversed_by:
            raise JsonInputError(
                f"{path}.reverses",
                f"{target.id} is reversed already by payments[{reversed_by[target.id]}]",
            )
        reversed_by[target.id] = movement.index


def entries_of(scenario: Scenario) -> list[Entry]:
    """One entry per payment and reversal, in date order (ties in the order given)."""
    payments: dict[str, Entry] = {}
    entries: list[Entry] = []
    in_order = sorted(scenario.movements, key=lambda movement: (movement.on, movement.index))
    for movement in (m for m in scenario.movements if m.reverses is None):
        assert movement.amount_minor is not None and movement.paid_to is not None
        try:
            rated = rate_payment(
                scenario.schedule, scenario.case, movement.on, movement.amount_minor
            )
        except NoTier as exc:
            raise JsonInputError(f"payments[{movement.index}]", f"{movement.id}: {exc}") from None
        payments[movement.id] = Entry(
            id=movement.id,
            on=movement.on,
            paid_to=movement.paid_to,
            amount_minor=movement.amount_minor,
            rate=rated.rate,
            tier=rated.tier,
            commission_minor=rated.commission_minor,
        )
    for movement in in_order:
        if movement.reverses is None:
            entries.append(payments[movement.id])
        else:
            entries.append(
                reversal_entry(payments[movement.reverses], id=movement.id, on=movement.on)
            )
    return entries


def run_scenario(document: Any) -> dict[str, Any]:
    """The output object for a scenario document (the command's work)."""
    scenario = parse_scenario(document)
    entries = entries_of(scenario)
    currency = scenario.schedule.currency
    totals = statement(
        entries,
        start=scenario.start,
        end=scenario.end,
        remittance=scenario.schedule.remittance,
    )

    def amount(minor: int) -> str:
        return format_amount(minor, currency)

    return {
        "currency": currency,
        "entries": [
            {
                "id": entry.id,
                "on": entry.on.isoformat(),
                "paid_to": entry.paid_to.value,
                "amount": amount(entry.amount_minor),
                "rate": format_percent(entry.rate),
                "tier": entry.tier,
                "commission": amount(entry.commission_minor),
            }
            | ({"reverses": entry.reverses} if entry.reverses is not None else {})
            for entry in entries
        ],
        "statement": {
            "from": totals.start.isoformat(),
            "to": totals.end.isoformat(),
            "remittance": totals.remittance.value,
            "collected_agency": amount(totals.collected_agency_minor),
            "collected_client": amount(totals.collected_client_minor),
            "commission": amount(totals.commission_minor),
            "remit": amount(totals.remit_minor),
            "invoice": amount(totals.invoice_minor),
        },
    }
