"""The trust page as the admin uses it: the bank's file uploaded through the rendered
form, the reconciliation for the span chosen, a refused transfer into trust and a
recorded one out, and a bad file named by its line."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.commission.kinds import Frequency, RemittanceMethod, TrustKind
from agency.commission.models import ClientRemittance
from agency.commission.statements import periods
from agency.commission.trust.models import TrustMovement
from agency.kit import clock
from tests.commission.conftest import close, noon, post
from tests.fixtures.factories import CaseFactory, ClientFactory, ContractFactory, UserFactory
from tests.fixtures.forms import forms_of
from tests.fixtures.web import csrf_token, sign_in


@pytest.fixture(autouse=True)
def on_december_6() -> Iterator[None]:
    with clock.frozen(noon(date(2026, 12, 6))):
        yield


def test_an_admin_reconciles_the_trust_account(client: TestClient, db: Session) -> None:
    sign_in(client, db, UserFactory(role=Role.ADMIN))
    merchant = ClientFactory(name="Acme Telecom")
    db.add(ClientRemittance(client_id=merchant.id, frequency=Frequency.MONTHLY,
                            method=RemittanceMethod.CHEQUE, cheque_payee="Acme",
                            cheque_address="1 Main St"))  # fmt: skip
    case = CaseFactory(
        contract=ContractFactory(client=merchant), principal_minor=10**7, region="NC"
    )
    period = periods.open_first(db, client_id=merchant.id, starts_on=date(2026, 11, 1),
                                today=date(2026, 12, 6))  # fmt: skip
    payment = post(db, case, 10_000, date(2026, 11, 10))
    close(db, merchant, period, date(2026, 12, 1))
    db.commit()
    page = client.get("/admin/trust?from=2026-11-01&to=2026-11-30")
    assert page.status_code == 200
    assert "1 differences" in page.text and f"P{payment}" in page.text  # not at the bank yet
    [form] = [f for f in forms_of(page.text) if f.id == "import-form"]
    data = {name: value for name, value in form.pairs if name not in ("file", "csrf_token")}
    csv_bytes = f"date,amount,reference,description\n2026-11-12,100.00,P{payment},deposit\n"
    uploaded = client.post(
        form.action,
        data={**data, "csrf_token": csrf_token(client)},
        files={"file": ("trust-nov.csv", csv_bytes.encode(), "text/csv")},
        follow_redirects=True,
    )
    assert uploaded.status_code == 200, uploaded.text
    assert "1 lines imported from trust-nov.csv (2026-11-12 to 2026-11-12)." in uploaded.text
    assert "everything reconciles" in uploaded.text and 'id="no-late"' in uploaded.text

    bad = client.post(
        form.action,
        data={**data, "csrf_token": csrf_token(client)},
        files={"file": ("dec.csv", b"date,amount,reference,description\n2026-12-01,1.001,X,y\n")},
    )
    assert bad.status_code == 422
    assert "The file: dec.csv, line 2, column amount:" in bad.text

    [transfer] = [f for f in forms_of(page.text) if f.id == "transfer-form"]
    fields = {name: value for name, value in transfer.pairs if name != "csrf_token"}
    into = client.post(transfer.action, data={**fields, "client_id": str(merchant.id),
                       "direction": "operating_to_trust", "amount": "10.00", "reference": "W1",
                       "csrf_token": csrf_token(client)})  # fmt: skip
    assert into.status_code == 422
    assert "money is never moved from the operating account into trust" in into.text
    out = client.post(transfer.action, data={**fields, "client_id": str(merchant.id),
                      "direction": "trust_to_operating", "amount": "25.00", "reference": "W2",
                      "csrf_token": csrf_token(client)}, follow_redirects=True)  # fmt: skip
    assert out.status_code == 200 and "Commission moved to operating for Acme Telecom." in out.text
    kinds = db.scalars(select(TrustMovement.kind).order_by(TrustMovement.id)).all()
    assert kinds == [TrustKind.PAYMENT_IN, TrustKind.TO_OPERATING]
