"""assignment rules: a balance band has a currency

A rule's band was entered in major units with two decimals and compared with a case's
balance in whatever currency the case was in: a yen case was measured against a band
meant in dollars, and a band could not be entered in yen at all.  The band is now in
``balance_currency``'s minor units and takes only cases in that currency.

Existing bands take their client's currency (rescaled from the two decimals they were
entered with to that currency's), or USD for a rule with no client.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from babel.numbers import get_currency_precision

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("assignment_rules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("balance_currency", sa.String(length=3), nullable=True))
    db = op.get_bind()
    rules = db.execute(
        sa.text(
            "SELECT r.id, r.min_balance_minor, r.max_balance_minor, c.currency"
            " FROM assignment_rules r LEFT JOIN clients c ON c.id = r.client_id"
            " WHERE r.min_balance_minor IS NOT NULL OR r.max_balance_minor IS NOT NULL"
        )
    ).all()
    for rule_id, low, high, client_currency in rules:
        currency = client_currency or "USD"
        shift = int(get_currency_precision(currency)) - 2

        def rescaled(minor: int | None, shift: int = shift) -> int | None:
            if minor is None:
                return None
            return minor * 10**shift if shift >= 0 else minor // 10**-shift

        db.execute(
            sa.text(
                "UPDATE assignment_rules SET balance_currency = :currency,"
                " min_balance_minor = :low, max_balance_minor = :high WHERE id = :id"
            ),
            {"currency": currency, "low": rescaled(low), "high": rescaled(high), "id": rule_id},
        )
    with op.batch_alter_table("assignment_rules", schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f("ck_assignment_rules_balance_band_currency"),
            "(min_balance_minor IS NULL AND max_balance_minor IS NULL)"
            " OR balance_currency IS NOT NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("assignment_rules", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_assignment_rules_balance_band_currency"), type_="check")
        batch_op.drop_column("balance_currency")
