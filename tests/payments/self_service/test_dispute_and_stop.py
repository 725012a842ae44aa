"""A written dispute on the page starts the gate's hold at once inside the validation
period; stopping texts blocks the next text; both are the consumer's facts in the
ledger and notes on the timeline; bad uploads write nothing."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.cases.models import CaseNote, CaseStatus
from agency.compliance.models import ComplianceFact, FactKind, LedgerEntry, Source
from agency.compliance.service import hold_rule
from agency.compliance.templates import get as builtin_template
from agency.kit import clock
from agency.outreach import outbox
from agency.outreach.models import MessageChannel, MessageStatus
from agency.payments.models import ConsumerUpload
from agency.payments.self_service import uploads
from tests.fixtures.compliance import gate_at
from tests.fixtures.factories import UserFactory
from tests.fixtures.forms import form_fields
from tests.fixtures.web import sign_in
from tests.payments.self_service.helpers import IN_PERIOD, Consumer, make_consumer, pass_identity

PDF = b"%PDF-1.4\n% a scanned letter\n"


def _post_dispute(
    client: TestClient, consumer: Consumer, reason: str, file: tuple[str, bytes, str] | None
) -> object:
    page = client.get(f"{consumer.path}/dispute")
    assert page.status_code == 200
    fields = dict(form_fields(page.text, f"{consumer.path}/dispute"))
    fields["reason"] = reason
    files = {"attachment": file} if file else {"attachment": ("", b"", "application/octet-stream")}
    return client.post(f"{consumer.path}/dispute", data=fields, files=files)


def _facts(db: Session, consumer: Consumer, kind: FactKind) -> list[ComplianceFact]:
    return list(
        db.scalars(
            select(ComplianceFact).where(
                ComplianceFact.consumer_id == consumer.debtor.consumer.id,
                ComplianceFact.kind == kind,
            )
        )
    )


def test_a_dispute_in_the_validation_period_holds_the_case_and_blocks_a_text(
    client: TestClient, db: Session
) -> None:
    with clock.frozen(IN_PERIOD):
        consumer = make_consumer()
        pass_identity(client, consumer)
        done = _post_dispute(
            client, consumer, "I paid this in 2023.", ("letter.pdf", PDF, "application/pdf")
        )
        assert done.status_code == 200, done.text
        assert "We will stop collecting this debt" in done.text
    db.expire_all()
    case = consumer.debtor.case
    assert case.status is CaseStatus.HOLD and not case.ready
    (fact,) = _facts(db, consumer, FactKind.DISPUTE)
    assert fact.source is Source.CONSUMER and fact.detail == {"written": True}
    assert fact.case_id == case.id and fact.recorded_by_id is None
    (upload,) = db.scalars(select(ConsumerUpload).where(ConsumerUpload.case_id == case.id))
    assert upload.content == PDF and upload.content_type == "application/pdf"
    assert upload.filename == "letter.pdf"
    # The gate, asked right after, holds every text about the case.
    decision = gate_at(db, consumer.debtor, IN_PERIOD, channel="sms").decision
    assert not decision.allowed
    assert hold_rule(FactKind.DISPUTE) in decision.blocked_by
    # The timeline names the consumer.
    agent = UserFactory(role=Role.SUPERVISOR)
    sign_in(client, db, agent)
    with clock.frozen(IN_PERIOD):
        page = client.get(f"/cases/{case.id}")
    assert (
        "On their page: disputed the debt in writing (with the file letter.pdf): "
        "I paid this in 2023." in page.text
    )
    assert "the consumer" in page.text


@pytest.mark.parametrize(
    "file, message",
    [
        (("big.pdf", b"%PDF-" + b"x" * uploads.MAX_BYTES, "application/pdf"), "larger than 5 MB"),
        (("notes.pdf", b"just some text", "application/pdf"), "must be a PDF, a JPEG or a PNG"),
        (("page.gif", b"GIF89a....", "image/gif"), "must be a PDF, a JPEG or a PNG"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_written(
    client: TestClient, db: Session, file: tuple[str, bytes, str], message: str
) -> None:
    with clock.frozen(IN_PERIOD):
        consumer = make_consumer()
        pass_identity(client, consumer)
        refused = _post_dispute(client, consumer, "Not mine.", file)
    assert refused.status_code == 422
    assert message in refused.text and 'aria-describedby="e-attachment"' in refused.text
    assert "Not mine." in refused.text  # the reason is kept in the form
    assert not _facts(db, consumer, FactKind.DISPUTE)
    assert db.scalar(select(func.count()).select_from(ConsumerUpload)) == 0
    assert consumer.debtor.case.status is CaseStatus.NEW


def test_an_empty_or_overlong_reason_is_refused(client: TestClient, db: Session) -> None:
    with clock.frozen(IN_PERIOD):
        consumer = make_consumer()
        pass_identity(client, consumer)
        assert "Write your reason" in _post_dispute(client, consumer, "  ", None).text
        long = _post_dispute(client, consumer, "x" * 2001, None)
    assert long.status_code == 422 and "at most 2000 characters" in long.text
    assert not _facts(db, consumer, FactKind.DISPUTE)


def test_stopping_texts_blocks_the_next_text(client: TestClient, db: Session) -> None:
    with clock.frozen(IN_PERIOD):
        consumer = make_consumer()
        pass_identity(client, consumer)
        page = client.get(f"{consumer.path}/stop")
        fields = dict(form_fields(page.text, f"{consumer.path}/stop"))
        assert "channel" not in fields  # nothing chosen for them
        missing = client.post(f"{consumer.path}/stop", data=fields)
        assert missing.status_code == 422 and "Choose what to stop" in missing.text
        done = client.post(f"{consumer.path}/stop", data={**fields, "channel": "sms"})
        assert done.status_code == 200 and "We will not contact you this way" in done.text
    (fact,) = _facts(db, consumer, FactKind.OPT_OUT)
    assert fact.contact_point_id == consumer.debtor.phone.id and fact.source is Source.CONSUMER
    entry = db.scalar(select(LedgerEntry).where(LedgerEntry.fact_id == fact.id))
    assert entry is not None and entry.source is Source.CONSUMER
    # A text queued through outreach now is blocked by the gate; an e-mail still goes.
    template = builtin_template("payment-reminder-sms")
    assert template is not None
    with clock.frozen(IN_PERIOD):
        text = outbox.queue(
            db,
            case_id=consumer.case_id,
            consumer_id=consumer.debtor.consumer.id,
            client_id=consumer.debtor.client.id,
            contact_point_id=consumer.debtor.phone.id,
            to_address=consumer.debtor.phone.value,
            draft=outbox.Draft(
                channel=MessageChannel.SMS,
                body="Northwind: your payment is due. Reply STOP to opt out.",
                gate_template=template,
                segments=1,
            ),
            provider="sandbox",
            by_user_id=None,
            source=Source.STRATEGY,
            send_now=False,
        )
    assert text.status is MessageStatus.BLOCKED
    assert "US-REGF-EOPTOUT" in text.blocked_by
    assert gate_at(db, consumer.debtor, IN_PERIOD, channel="call").allowed
    note = db.scalar(select(CaseNote).where(CaseNote.case_id == consumer.case_id))
    assert note is not None and note.author_id is None and "stop texts" in note.body


def test_stopping_calls_records_do_not_call(client: TestClient, db: Session) -> None:
    with clock.frozen(IN_PERIOD):
        consumer = make_consumer()
        pass_identity(client, consumer)
        page = client.get(f"{consumer.path}/stop")
        fields = dict(form_fields(page.text, f"{consumer.path}/stop"))
        assert (
            client.post(f"{consumer.path}/stop", data={**fields, "channel": "call"}).status_code
            == 200
        )
    assert [f.contact_point_id for f in _facts(db, consumer, FactKind.DO_NOT_CALL)] == [
        consumer.debtor.phone.id
    ]
    assert not gate_at(db, consumer.debtor, IN_PERIOD, channel="call").allowed
    assert gate_at(db, consumer.debtor, IN_PERIOD, channel="sms").allowed


def test_actions_need_the_identity_check(client: TestClient, db: Session) -> None:
    with clock.frozen(IN_PERIOD):
        consumer = make_consumer()
        page = client.get(consumer.path)
        token = dict(form_fields(page.text, f"{consumer.path}/identity"))["csrf_token"]
        asked = client.post(f"{consumer.path}/stop", data={"csrf_token": token, "channel": "sms"})
    assert asked.status_code == 200 and 'name="last_name"' in asked.text
    assert not _facts(db, consumer, FactKind.OPT_OUT)
