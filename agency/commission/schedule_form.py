"""The fee schedule editor's form: rows of tiers (rate, placement age from–to, placed
balance from–to, stage), the legal rate, the minimum fee, net or gross, the day it
starts and why, read into the scenario format's ``contract`` object that
``schedules.publish`` takes; and a sample payment the draft is explained on.  Blank
rows are left out; every refusal names the form's own field (``tier-2-age_to``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from agency.commission.clearing import CLEARING_DAYS_MAX, DEFAULT_CLEARING_DAYS
from agency.commission.kinds import Remittance, Stage
from agency.commission.models import FeeScheduleVersion
from agency.kit.scenarios import format_amount

TIER_ROWS_MIN = 4
TIER_ROWS_MAX = 20
COLUMNS = ("rate", "age_from", "age_to", "balance_from", "balance_to", "stage")
_WHOLE = re.compile(r"\d{1,5}")
_PATH = re.compile(r"schedule\.tiers\[(\d+)\](?:\.(\w+)(?:\[(\d)\])?)?")
_KEYS = {"placement_age_days": "age", "placed_balance": "balance"}
_TOP = {"minimum_fee": "minimum_fee", "legal_rate": "legal_rate", "remittance": "remittance"}


@dataclass(frozen=True, slots=True)
class Draft:
    """The form read: the scenario-format terms, the form row of each tier, and the
    errors of fields that are not values of the format at all (a non-number age)."""

    terms: dict[str, Any]
    rows: tuple[int, ...]  # tier index -> form row number
    errors: dict[str, str]
    clearing_card_days: int = DEFAULT_CLEARING_DAYS["card"]
    clearing_ach_days: int = DEFAULT_CLEARING_DAYS["ach"]


def field(row: int, column: str) -> str:
    return f"tier-{row}-{column}"


def row_count(values: dict[str, str]) -> int:
    """As many rows as the form had, two blank ones more, within bounds."""
    used = [n for n in range(1, TIER_ROWS_MAX + 1) if any(values.get(field(n, c)) for c in COLUMNS)]
    return min(TIER_ROWS_MAX, max(TIER_ROWS_MIN, (max(used) if used else 0) + 2))


def values_of(version: FeeScheduleVersion | None, flat_rate: str, today: date) -> dict[str, str]:
    """The form filled with the version in force (or the contract's flat rate as one
    tier), to start the next version from."""
    values = {
        "effective_from": today.isoformat(),
        "remittance": Remittance.NET.value,
        "clearing_card_days": str(DEFAULT_CLEARING_DAYS["card"]),
        "clearing_ach_days": str(DEFAULT_CLEARING_DAYS["ach"]),
    }
    tiers: list[dict[str, Any]] = [{"rate": flat_rate}]
    if version is not None:
        tiers = version.tiers
        values["clearing_card_days"] = str(version.clearing_card_days)
        values["clearing_ach_days"] = str(version.clearing_ach_days)
        values["remittance"] = version.remittance.value
        values["legal_rate"] = "" if version.legal_rate is None else f"{version.legal_rate:.3f}"
        fee = version.minimum_fee_minor
        values["minimum_fee"] = format_amount(fee, version.currency) if fee else ""
    for n, tier in enumerate(tiers, start=1):
        values[field(n, "rate")] = str(tier["rate"])
        for key, prefix in _KEYS.items():
            band = tier.get(key)
            if band is not None:
                values[field(n, f"{prefix}_from")] = str(band[0])
                values[field(n, f"{prefix}_to")] = "" if band[1] is None else str(band[1])
        values[field(n, "stage")] = tier.get("stage") or ""
    return values


def read(values: dict[str, str], currency: str) -> Draft:
    """The posted form as a draft (see the module's docstring)."""
    tiers: list[dict[str, Any]] = []
    rows: list[int] = []
    errors: dict[str, str] = {}
    for n in range(1, TIER_ROWS_MAX + 1):
        cells = {c: values.get(field(n, c), "").strip() for c in COLUMNS}
        if not any(cells.values()):
            continue
        tier: dict[str, Any] = {"rate": cells["rate"] or None}
        if not cells["rate"]:
            errors[field(n, "rate")] = "is required for a tier"
        if cells["age_from"] or cells["age_to"]:
            low, high = cells["age_from"] or "0", cells["age_to"]
            for column, text in (("age_from", low), ("age_to", high)):
                if text and not _WHOLE.fullmatch(text):
                    errors[field(n, column)] = "must be a whole number of days"
            if not any(field(n, c) in errors for c in ("age_from", "age_to")):
                tier["placement_age_days"] = [int(low), int(high) if high else None]
        if cells["balance_from"] or cells["balance_to"]:
            tier["placed_balance"] = [cells["balance_from"] or "0", cells["balance_to"] or None]
        if cells["stage"]:
            tier["stage"] = cells["stage"]
        tiers.append(tier)
        rows.append(n)
    if not tiers:
        errors[field(1, "rate")] = "is required: a schedule has at least one tier"
    terms: dict[str, Any] = {
        "currency": currency,
        "remittance": values.get("remittance") or None,
        "minimum_fee": values.get("minimum_fee", "").strip() or None,
        "legal_rate": values.get("legal_rate", "").strip() or None,
        "tiers": tiers,
    }
    clearing = {}
    for name in ("clearing_card_days", "clearing_ach_days"):
        text = values.get(name, "").strip()
        if text.isdigit() and len(text) <= 2 and int(text) <= CLEARING_DAYS_MAX:
            clearing[name] = int(text)
        else:
            errors[name] = f"must be a whole number of business days, 0 to {CLEARING_DAYS_MAX}"
    return Draft(terms, tuple(rows), errors, **clearing)


def field_of(path: str, rows: tuple[int, ...]) -> str:
    """The form field a refusal's path (``schedule.tiers[1].placement_age_days[1]``) is
    about; ``__all__`` for none."""
    found = _PATH.fullmatch(path)
    if found is not None:
        index, key, end = int(found.group(1)), found.group(2), found.group(3)
        row = rows[index] if index < len(rows) else 1
        if key in _KEYS:
            return field(row, f"{_KEYS[key]}_{'to' if end == '1' else 'from'}")
        return field(row, key if key in ("rate", "stage") else "rate")
    top = path.removeprefix("schedule.")
    own = (
        "effective_from",
        "reason",
        "sample_age",
        "sample_balance",
        "sample_amount",
        "clearing_card_days",
        "clearing_ach_days",
    )
    return _TOP.get(top, top if top in own else "__all__")


STAGE_CHOICES = [("", "any stage")] + [(s.value, s.value) for s in Stage]
REMITTANCE_CHOICES = [
    (Remittance.NET.value, "net (we keep our commission)"),
    (Remittance.GROSS.value, "gross (we invoice our commission)"),
]
