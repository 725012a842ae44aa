"""The client's authority: four limits that never make an offer invalid but send one
beyond them to a supervisor, with one reason per limit passed (a short sentence for a
person that starts with the limit's key)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from agency.kit.scenarios import format_amount
from agency.payments.kinds import PlanKind
from agency.payments.schedule.amounts import percent_of
from agency.payments.schedule.dates import add_months
from agency.payments.schemas import Authority, ScheduledPayment

if TYPE_CHECKING:
    from agency.clients.models import Contract


def authority_of(contract: Contract) -> Authority:
    """The limits of a client contract (a missing limit is no limit)."""
    return Authority(
        settlement_floor=contract.settlement_floor,
        max_months=contract.max_months,
        min_installment_minor=contract.min_installment_minor,
        min_down_payment_percent=contract.min_down_payment_percent,
    )


def _percent(value: Decimal) -> str:
    return f"{value:.3f}"


def reasons(
    *,
    today: date,
    balance_minor: int,
    currency: str,
    authority: Authority,
    kind: PlanKind,
    total_minor: int,
    payments: tuple[ScheduledPayment, ...],
) -> tuple[str, ...]:
    """One reason per limit the computed offer passes, in the spec's order."""
    found: list[str] = []
    floor = authority.settlement_floor
    if (
        kind is PlanKind.SETTLEMENT
        and floor is not None
        and total_minor * 100 < floor * balance_minor
    ):
        found.append(
            f"settlement_floor: {percent_of(total_minor, balance_minor)}% of the balance "
            f"is below the client's floor of {_percent(floor)}%"
        )
    if authority.max_months is not None:
        limit = add_months(today, authority.max_months)
        last = payments[-1].due
        if last > limit:
            found.append(
                f"max_months: the last payment is due on {last.isoformat()}, later than "
                f"the client's limit of {authority.max_months} months ({limit.isoformat()})"
            )
    installments = [p.amount_minor for p in payments if not p.down_payment]
    least = authority.min_installment_minor
    if least is not None and len(installments) > 1 and min(installments[:-1]) < least:
        found.append(
            f"min_installment: an installment of {format_amount(min(installments[:-1]), currency)} "
            f"is below the client's minimum of {format_amount(least, currency)}"
        )
    share = authority.min_down_payment_percent
    # Only a settlement paid in more than one payment: a one-payment settlement needs none.
    if kind is PlanKind.SETTLEMENT and share is not None and len(payments) > 1:
        down = sum(p.amount_minor for p in payments if p.down_payment)
        if down * 100 < share * total_minor:
            found.append(_down_payment_reason(down, total_minor, currency, share))
    return tuple(found)


def _down_payment_reason(down: int, total: int, currency: str, share: Decimal) -> str:
    if down == 0:
        return (
            f"min_down_payment_percent: there is no down payment; the client asks for at "
            f"least {_percent(share)}% of the settlement"
        )
    return (
        f"min_down_payment_percent: a down payment of {format_amount(down, currency)} is "
        f"{percent_of(down, total)}% of the settlement, below the client's minimum of "
        f"{_percent(share)}%"
    )
