"""The statements' screens as their users work them: the admin saves the client's
remittance settings, opens the first period, closes it and re-opens it from the forms
as rendered, writes the ACH file and marks it paid; the merchant sees its own
statements and downloads them, and never another client's."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.cases.models import Case
from agency.clients.models import Client
from agency.commission.kinds import RemittanceStatus
from agency.commission.models import ClientRemittance, RemittancePayout, Statement
from agency.config import get_settings
from agency.kit import clock
from agency.payments.models import PaymentMethod
from tests.commission.conftest import noon, post
from tests.commission.nacha_reader import read_nacha
from tests.fixtures.factories import CaseFactory, ClientFactory, ContractFactory, UserFactory
from tests.fixtures.forms import forms_of, rendered_form
from tests.fixtures.web import post_form, sign_in

DEC_6 = noon(date(2026, 12, 6))


@pytest.fixture(autouse=True)
def on_december_6() -> Iterator[None]:
    """Every request, sign-in included, on 6 December 2026."""
    with clock.frozen(DEC_6):
        yield


def page(client: TestClient, url: str) -> str:
    with clock.frozen(DEC_6):
        got = client.get(url)
    assert got.status_code == 200, got.text
    return got.text


def submit(client: TestClient, html: str, action_ends: str, **changes: str) -> tuple[int, str]:
    """Submit the form whose action ends with ``action_ends``, as rendered, with
    ``changes`` typed in."""
    [form] = [f for f in forms_of(html) if f.action.endswith(action_ends)]
    pairs = [(n, v) for n, v in form.pairs if n != "csrf_token" and n not in changes]
    data: dict[str, object] = {}
    for name, value in [*pairs, *changes.items()]:
        data.setdefault(name, [])
        data[name].append(value)  # type: ignore[attr-defined]
    with clock.frozen(DEC_6):
        got = post_form(client, form.action, data, follow_redirects=True)
    return got.status_code, got.text


def admin_with_november(client: TestClient, db: Session) -> tuple[Client, Case]:
    sign_in(client, db, UserFactory(role=Role.ADMIN))
    merchant = ClientFactory(name="Acme Telecom")
    case = CaseFactory(contract=ContractFactory(client=merchant), principal_minor=1_000_000)
    db.commit()
    url = f"/admin/clients/{merchant.id}/statements"
    html = page(client, url)
    assert "Save how the client is remitted first" in html
    status, html = submit(client, html, "/remittance", routing_number="021000022",
                          account_name="Acme Telecom LLC", account_number="987654321")  # fmt: skip
    assert status == 422
    assert "Routing number must be 9 digits with a valid check digit" in html
    status, html = submit(client, html, "/remittance", routing_number="021000021",
                          account_number="987654321")  # fmt: skip
    assert status == 200, html
    assert "Remittance settings saved." in html and "••••4321" in html
    assert "987654321" not in html  # the account is never shown whole
    _, fields, _ = rendered_form(html, "remittance-form")
    assert fields["account_number"] == ""
    status, html = submit(client, html, "/periods", starts_on="2026-11-01")
    assert status == 200 and "Period 2026-11-01 to 2026-11-30 opened." in html
    post(db, case, 10_000, date(2026, 11, 10))
    post(db, case, 20_000, date(2026, 11, 27), PaymentMethod.ACH)
    db.commit()
    return merchant, case


def test_an_admin_closes_reopens_and_reissues_a_statement(client: TestClient, db: Session) -> None:
    merchant, _ = admin_with_november(client, db)
    html = page(client, f"/admin/clients/{merchant.id}/statements")
    status, html = submit(client, html, "/close")
    assert status == 200, html
    statement = db.scalars(select(Statement)).one()
    assert f"Period closed: statement {statement.reference} issued." in html
    assert "$75.00 due" in html
    detail = page(client, f"/admin/statements/{statement.id}")
    assert "Remittance due to the client" in detail and "75.00 USD" in detail
    assert "no, clears 2026-12-04" in detail
    csv_text = page(client, f"/admin/statements/{statement.id}/statement.csv")
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert [r["amount"] for r in rows if r["record"] == "line"] == ["100.00", "200.00"]
    with clock.frozen(DEC_6):
        pdf = client.get(f"/admin/statements/{statement.id}/statement.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")

    status, html = submit(client, html, "/reopen", reason="")
    assert status == 422 and "Why re-open say why the period is re-opened." in html
    status, html = submit(client, html, "/reopen", reason="a payment was keyed late")
    assert status == 200 and "Period re-opened" in html
    status, html = submit(client, html, "/close")
    assert status == 200
    reissued = db.scalars(select(Statement).where(Statement.issue == 2)).one()
    second = page(client, f"/admin/statements/{reissued.id}")
    assert f"This statement replaces statement {statement.reference}." in second
    assert "(replaced)" in html and "a payment was keyed late" in html


def test_closing_a_running_period_says_when_it_can_close(client: TestClient, db: Session) -> None:
    merchant, _ = admin_with_november(client, db)
    html = page(client, f"/admin/clients/{merchant.id}/statements")
    submit(client, html, "/close")
    html = page(client, f"/admin/clients/{merchant.id}/statements")
    assert "closes after 2026-12-31" in html
    december = [f for f in forms_of(html) if f.action.endswith("/close")]
    assert december == []  # no close button before its end


def test_an_ach_file_pays_the_chosen_remittances_once(
    client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = get_settings()
    originator = {
        "ach_odfi_routing": "011000015",
        "ach_odfi_name": "FIRST BANK",
        "ach_company_name": "AGENCY RECOVERY",
        "ach_company_id": "1234567890",
    }
    for name, value in originator.items():
        monkeypatch.setattr(settings, name, value)
    merchant, _ = admin_with_november(client, db)
    html = page(client, f"/admin/clients/{merchant.id}/statements")
    submit(client, html, "/close")
    html = page(client, "/admin/remittances")
    status, html = submit(client, html, "/admin/remittances/ach")
    assert status == 200, html
    payout = db.scalars(select(RemittancePayout)).one()
    db.refresh(payout)
    assert payout.status is RemittanceStatus.SENT and payout.file_id is not None
    assert "in file" in html
    content = page(client, f"/admin/remittances/files/{payout.file_id}")
    parsed = read_nacha(content.encode("ascii"))
    [batch] = parsed.batches
    [entry] = batch.entries
    assert (batch.header.sec_code, batch.header.company_name.strip()) == ("CCD", "AGENCY RECOVERY")
    assert (entry.transaction_code, entry.rdfi + entry.check_digit) == ("22", "021000021")
    assert (entry.amount, entry.identification.strip(), entry.account.strip()) == (
        7_500,
        payout.reference,
        "987654321",
    )
    assert entry.name.strip() == "ACME TELECOM LLC"
    # The same remittance cannot go in a second file.
    assert [f for f in forms_of(html) if f.action.endswith("/ach")] == []
    status, html = submit(
        client, html, f"/{payout.id}/paid", bank_reference="TRACE 0110000150000001"
    )
    assert status == 200 and f"Remittance {payout.reference} marked paid" in html
    db.refresh(payout)
    assert (payout.status, payout.bank_reference, payout.paid_on) == (
        RemittanceStatus.PAID,
        "TRACE 0110000150000001",
        date(2026, 12, 6),
    )


def test_a_merchant_sees_only_its_own_statements(client: TestClient, db: Session) -> None:
    merchant, _ = admin_with_november(client, db)
    submit(client, page(client, f"/admin/clients/{merchant.id}/statements"), "/close")
    statement = db.scalars(select(Statement)).one()
    other = ClientFactory()
    db.add(ClientRemittance(client_id=other.id, frequency="monthly", method="cheque",
                            cheque_payee="Other", cheque_address="1 Main St"))  # fmt: skip
    db.commit()
    client.cookies.clear()
    sign_in(client, db, UserFactory(role=Role.MERCHANT, client=merchant))
    listing = page(client, "/portal/statements")
    assert statement.reference in listing
    assert "2026-12-04" in listing  # the ACH payment's money clears then
    own = page(client, f"/portal/statements/{statement.id}")
    assert "Remittance due to the client" in own and "/cases/" not in own
    page(client, f"/portal/statements/{statement.id}/statement.csv")
    client.cookies.clear()
    sign_in(client, db, UserFactory(role=Role.MERCHANT, client=other))
    with clock.frozen(DEC_6):
        for url in (
            f"/portal/statements/{statement.id}",
            f"/portal/statements/{statement.id}/statement.pdf",
        ):
            assert client.get(url).status_code == 404
        assert client.get(f"/admin/statements/{statement.id}").status_code in (403, 404)
    assert statement.reference not in page(client, "/portal/statements")
