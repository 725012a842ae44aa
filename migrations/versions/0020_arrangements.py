"""arrangements: an installment remembers the date it was moved from (the consumer may
move their next installment's date once); an arrangement keeps the token of the form
that made it (the same form posted twice makes one); the plan statuses gain pending and
refused (0019 added them to the model, not to the column's check)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


OLD_STATUSES = ("active", "kept", "broken", "cancelled")
NEW_STATUSES = ("pending", "active", "kept", "broken", "cancelled", "refused")


def _statuses(values: Sequence[str]) -> str:
    return "status IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def _plan_status_check(values: Sequence[str]) -> None:
    name = op.f("ck_payment_plans_plan_status")
    with op.batch_alter_table("payment_plans", schema=None) as batch_op:
        batch_op.drop_constraint(name, type_="check")
        batch_op.create_check_constraint(name, _statuses(values))


def upgrade() -> None:
    _plan_status_check(NEW_STATUSES)
    with op.batch_alter_table("installments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("moved_from", sa.Date(), nullable=True))
    with op.batch_alter_table("payment_plans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("form_key", sa.String(length=40), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_payment_plans_form_key"), ["form_key"])


def downgrade() -> None:
    op.execute(
        "UPDATE payment_plans SET status = 'cancelled' WHERE status IN ('pending', 'refused')"
    )
    _plan_status_check(OLD_STATUSES)
    with op.batch_alter_table("payment_plans", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_payment_plans_form_key"), type_="unique")
        batch_op.drop_column("form_key")
    with op.batch_alter_table("installments", schema=None) as batch_op:
        batch_op.drop_column("moved_from")
