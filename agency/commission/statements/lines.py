"""A statement's lines as its files print them: the consumer's reference masked to its
last four characters, amounts in the currency's digits, what each line is in words."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy.orm import Session

from agency.cases import service as cases
from agency.commission.kinds import LineRole, PaidTo
from agency.commission.statements.queries import line_rows
from agency.kit.masking import last_four
from agency.kit.scenarios import format_amount, format_percent

ROLE_WORDS = {
    LineRole.PERIOD: "in period",
    LineRole.ADJUSTMENT: "adjustment",
    LineRole.RELEASED: "cleared now",
}


@dataclass(frozen=True, slots=True)
class PrintedLine:
    number: int
    kind: str  # "payment" or "reversal"
    role: str
    on: str
    case: str
    consumer_reference: str
    amount: str
    paid_to: str
    rate: str
    tier: str
    commission: str
    remitted: str  # "yes" / "no" (money paid to us); "" for direct payments
    clears_on: str

    def cells(self) -> tuple[str, ...]:
        """The line's values in the files' column order (the CSV adds the currency
        after the amount)."""
        return (
            str(self.number),
            self.kind,
            self.role,
            self.on,
            self.case,
            self.consumer_reference,
            self.amount,
            self.paid_to,
            self.rate,
            self.tier,
            self.commission,
            self.remitted,
            self.clears_on,
        )


def printed_lines(db: Session, statement_id: int, currency: str) -> Iterator[PrintedLine]:
    number = 0
    for chunk in line_rows(db, statement_id):
        references = cases.references_of(db, [row.case_id for row in chunk])
        for row in chunk:
            number += 1
            to_us = row.paid_to is PaidTo.AGENCY
            yield PrintedLine(
                number=number,
                kind="reversal" if row.reversal else "payment",
                role=ROLE_WORDS[row.role],
                on=row.on.isoformat(),
                case=str(row.case_id),
                consumer_reference=last_four(references.get(row.case_id, "")),
                amount=format_amount(row.amount_minor, currency),
                paid_to="us" if to_us else "client (direct)",
                rate=format_percent(row.rate),
                tier=row.tier,
                commission=format_amount(row.commission_minor, currency),
                remitted=("yes" if row.remitted else "no") if to_us else "",
                clears_on=row.clears_on.isoformat() if to_us else "",
            )
