"""The consumer downloads their validation notice and their receipts from the account
page; another case's documents are the refused page."""

from __future__ import annotations

import hashlib
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from agency.kit import clock
from agency.outreach.models import Document, DocumentKind
from agency.payments.models import Payment, PaymentMethod
from tests.payments.self_service.helpers import IN_PERIOD, make_consumer, pass_identity

NOTICE = b"%PDF-1.4 the validation notice"


def _notice(db: Session, case_id: int) -> Document:
    document = Document(
        kind=DocumentKind.VALIDATION_NOTICE,
        case_id=case_id,
        file_name="validation-notice.pdf",
        content_type="application/pdf",
        content=NOTICE,
        size=len(NOTICE),
        sha256=hashlib.sha256(NOTICE).hexdigest(),
    )
    db.add(document)
    db.flush()
    return document


def _payment(db: Session, case_id: int) -> Payment:
    payment = Payment(
        case_id=case_id,
        amount_minor=2_500,
        currency="USD",
        method=PaymentMethod.CARD,
        received_on=date(2025, 5, 12),
        effective_on=date(2025, 5, 12),
        provider="sandbox",
        provider_reference=f"pi_sandbox_doc_{case_id}",
        fees_minor=0,
        interest_minor=500,
        principal_minor=2_000,
    )
    db.add(payment)
    db.flush()
    return payment


def test_the_notice_and_the_receipts_download(client: TestClient, db: Session) -> None:
    with clock.frozen(IN_PERIOD):
        consumer = make_consumer()
        other = make_consumer()
        notice = _notice(db, consumer.case_id)
        payment = _payment(db, consumer.case_id)
        foreign_notice = _notice(db, other.case_id)
        foreign_payment = _payment(db, other.case_id)
        pass_identity(client, consumer)
        page = client.get(consumer.path)
        assert f'href="{consumer.path}/notice/{notice.id}"' in page.text
        assert f'href="{consumer.path}/receipts/{payment.id}"' in page.text
        assert "Receipt for $25.00 on 2025-05-12" in page.text
        got = client.get(f"{consumer.path}/notice/{notice.id}")
        assert got.status_code == 200 and got.content == NOTICE
        assert got.headers["content-disposition"].startswith("attachment")
        receipt = client.get(f"{consumer.path}/receipts/{payment.id}")
        assert receipt.status_code == 200 and receipt.content.startswith(b"%PDF")
        assert receipt.headers["content-type"] == "application/pdf"
        for path in (f"/notice/{foreign_notice.id}", f"/receipts/{foreign_payment.id}"):
            refused = client.get(consumer.path + path)
            assert refused.status_code == 404 and "This link does not work" in refused.text


def test_documents_need_the_identity_check(client: TestClient, db: Session) -> None:
    with clock.frozen(IN_PERIOD):
        consumer = make_consumer()
        notice = _notice(db, consumer.case_id)
        asked = client.get(f"{consumer.path}/notice/{notice.id}")
    assert asked.status_code == 200 and 'name="last_name"' in asked.text
    assert NOTICE not in asked.content
