"""Receipt and confirmation PDFs, parsed back with pypdf: the payment's amount, day,
method, reference, allocation and the balance after it, "reversed" for a reversed
payment, a plan's every payment; and their downloads from the case, for whoever may
see it (another client's merchant user: 404)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.outreach.templating import MINI_MIRANDA
from agency.payments.models import PaymentMethod
from agency.payments.receipts import documents
from agency.payments.receipts.views import confirmation_path, receipt_path
from tests.fixtures.compliance import make_person
from tests.fixtures.factories import CaseFactory, ClientFactory, UserFactory
from tests.fixtures.web import sign_in
from tests.payments.receipts.rows import pay, plan_of, reverse


def text_of(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_a_receipt_states_the_payment_its_allocation_and_the_balance_after(db: Session) -> None:
    person = make_person(first_name="Rosa", last_name="Vidal")
    case = person.case
    payment = pay(db, case, amount_minor=4_000, interest_minor=500, reference="CHQ-00417")
    later = pay(db, case, amount_minor=1_000, interest_minor=0, reference=None)
    text = text_of(documents.receipt_pdf(db, case_id=case.id, payment_id=payment.id))
    assert "Payment receipt" in text and "reversed" not in text.lower()
    assert f"Account: {case.client_reference}" in text and "Account holder: Rosa Vidal" in text
    assert f"Creditor: {person.client.name}" in text
    assert "Amount: $40.00" in text and "Date received: June 6, 2025" in text
    assert "Method: card" in text and "Payment reference: CHQ-00417" in text
    assert "Applied to: fees $0.00, interest $5.00, principal $35.00" in text
    # $105.00 placed, less this payment: the later one does not change this receipt.
    assert "Balance after this payment: $65.00" in text
    assert " ".join(MINI_MIRANDA["en"].split()) in text
    assert "1 Main St" in text  # the envelope's window
    assert "/pay/" in text and "Pay, set up a plan or dispute online" in text
    second = text_of(documents.receipt_pdf(db, case_id=case.id, payment_id=later.id))
    assert "Balance after this payment: $55.00" in second
    assert "Payment reference" not in second


def test_a_reversed_payments_receipt_says_it_was_reversed(db: Session) -> None:
    person = make_person()
    payment = pay(db, person.case, method=PaymentMethod.CHEQUE)
    reverse(db, person.case, payment)
    text = text_of(documents.receipt_pdf(db, case_id=person.case.id, payment_id=payment.id))
    assert "Payment receipt: payment reversed" in text
    assert "This payment was reversed on June 12, 2025 (returned unpaid: not sufficient funds)" in (
        text
    )
    assert "Balance after this payment: $65.00" in text  # as it was when it was posted
    assert "Method: cheque" in text


def test_a_confirmation_lists_every_payment_of_the_plan(db: Session) -> None:
    person = make_person(language="es")
    plan = plan_of(db, person.case, (3_500, 3_500, 3_500), date(2025, 12, 1))
    text = text_of(documents.confirmation_pdf(db, case_id=person.case.id, plan_id=plan.id))
    assert "Confirmación de su plan de pagos" in text
    assert "Total del acuerdo: $105.00" in text and "Estado: vigente" in text
    for line in (
        "1. 1 de diciembre de 2025: $35.00 (pendiente)",
        "2. 1 de enero de 2026: $35.00 (pendiente)",
        "3. 1 de febrero de 2026: $35.00 (pendiente)",
    ):
        assert line in text
    assert " ".join(MINI_MIRANDA["es"].split()) in text


def test_another_cases_payment_or_plan_is_not_on_this_case(db: Session) -> None:
    person, other = make_person(), CaseFactory()
    payment = pay(db, other)
    plan = plan_of(db, other, (10_500,), date(2025, 7, 1))
    with pytest.raises(documents.NotOnCase):
        documents.receipt_pdf(db, case_id=person.case.id, payment_id=payment.id)
    with pytest.raises(documents.NotOnCase):
        documents.confirmation_pdf(db, case_id=person.case.id, plan_id=plan.id)


@pytest.mark.parametrize("role", [Role.AGENT, Role.COMPLIANCE, Role.MERCHANT])
def test_who_may_see_the_case_downloads_its_pdfs(
    client: TestClient, db: Session, role: Role
) -> None:
    person = make_person()
    payment = pay(db, person.case)
    plan = plan_of(db, person.case, (10_500,), date(2025, 7, 1))
    merchant = role is Role.MERCHANT
    sign_in(client, db, UserFactory(role=role, client=person.client if merchant else None))
    receipt = client.get(receipt_path(person.case.id, payment.id))
    assert receipt.status_code == 200 and receipt.headers["content-type"] == "application/pdf"
    assert "Amount: $40.00" in text_of(receipt.content)
    confirmation = client.get(confirmation_path(person.case.id, plan.id))
    assert confirmation.status_code == 200
    assert confirmation.headers["content-type"] == "application/pdf"
    assert "Total of the arrangement: $105.00" in text_of(confirmation.content)


def test_another_clients_merchant_and_another_cases_ids_get_404(
    client: TestClient, db: Session
) -> None:
    person, other = make_person(), CaseFactory()
    payment, elsewhere = pay(db, person.case), pay(db, other)
    plan = plan_of(db, person.case, (10_500,), date(2025, 7, 1))
    base = f"/cases/{person.case.id}"
    sign_in(client, db, UserFactory(role=Role.MERCHANT, client=ClientFactory()))
    assert client.get(f"{base}/payments/{payment.id}/receipt.pdf").status_code == 404
    assert client.get(f"{base}/arrangements/{plan.id}/confirmation.pdf").status_code == 404
    sign_in(client, db, UserFactory(role=Role.AGENT))
    assert client.get(f"{base}/payments/{elsewhere.id}/receipt.pdf").status_code == 404
    assert client.get(f"{base}/arrangements/999999/confirmation.pdf").status_code == 404
    client.cookies.clear()
    assert client.get(f"{base}/payments/{payment.id}/receipt.pdf").status_code in (401, 303)
