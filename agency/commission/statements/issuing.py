"""Issuing a closed period's statements: one per currency the client's entries are in
(its own currency always, even with no lines), each listing its entries
(``queries.list_lines``) and keeping its totals; and the remittance each owes the
client.  Re-issuing after a re-open gives the next issue, which replaces the one
before.  Flushes, never commits."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.commission.kinds import RemittanceMethod
from agency.commission.models import CommissionPeriod, RemittancePayout, Statement
from agency.commission.statements import queries
from agency.commission.statements.totals import totals_of


def issue_statements(
    db: Session,
    period: CommissionPeriod,
    *,
    client_currency: str,
    method: RemittanceMethod,
    by_user_id: int | None,
) -> list[Statement]:
    currencies = {client_currency} | queries.currencies_due(db, period.client_id, period.ends_on)
    return [_issue(db, period, currency, method, by_user_id) for currency in sorted(currencies)]


def _issue(
    db: Session,
    period: CommissionPeriod,
    currency: str,
    method: RemittanceMethod,
    by_user_id: int | None,
) -> Statement:
    earlier = db.scalar(
        select(Statement)
        .where(Statement.period_id == period.id, Statement.currency == currency)
        .order_by(Statement.issue.desc())
        .limit(1)
    )
    issue = earlier.issue + 1 if earlier is not None else 1
    statement = Statement(
        period_id=period.id,
        client_id=period.client_id,
        currency=currency,
        issue=issue,
        replaces_id=earlier.id if earlier is not None else None,
        current=True,
        reference=f"S{period.id}-{currency}-{issue}",
        issued_by_id=by_user_id,
    )
    db.add(statement)
    db.flush()
    queries.list_lines(db, statement, period.starts_on, period.ends_on)
    carried = queries.carried_in(db, period.client_id, currency, period.starts_on)
    for name, value in asdict(totals_of(queries.groups(db, statement.id), carried)).items():
        setattr(statement, name, value)
    if statement.remittance_due_minor > 0:
        db.add(
            RemittancePayout(
                statement_id=statement.id,
                client_id=statement.client_id,
                method=method,
                amount_minor=statement.remittance_due_minor,
                currency=currency,
                reference=statement.reference,
            )
        )
    db.flush()
    return statement
