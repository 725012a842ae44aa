"""The evidence bundle: a PDF read back with pypdf, and its pure helpers."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import text
from sqlalchemy.orm import Session

from agency.auth.models import User
from agency.compliance import engine, repository, service
from agency.compliance.evidence import (
    ChainStatus,
    EvidenceBundle,
    TimelineRow,
    build_pdf,
    chain_status,
    mask_contact,
)
from agency.compliance.models import FactKind, Source
from agency.kit import clock
from tests.compliance.conftest import NIGHT, OFFICE_HOURS, gate_at, make_debtor


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(value: str) -> str:
    return " ".join(value.split())


def test_mask_contact_keeps_only_what_identifies_the_point() -> None:
    assert mask_contact("phone", "+13125550123") == "…0123"
    assert mask_contact("email", "jane.doe@example.org") == "j…@example.org"
    assert mask_contact("address", "1 Main St, Springfield 62704") == "…2704"
    assert mask_contact("phone", "") == ""


def test_build_pdf_from_plain_data() -> None:
    bundle = EvidenceBundle(
        consumer_id=7,
        consumer_name="Pat Doe",
        location="US · IL",
        zones=("America/Chicago",),
        generated_at=datetime(2025, 6, 9, 15, tzinfo=UTC),
        generated_by="Casey Officer (Compliance officer)",
        rule_set="2026.1",
        points=(),
        cases=(),
        facts=(),
        timeline=(
            TimelineRow(
                entry_id=3,
                at=datetime(2025, 6, 9, 3, tzinfo=UTC),
                kind="attempt",
                what="call to phone …0123",
                who="Alex",
                source="agent",
                decision="blocked",
            ),
        ),
        chain=ChainStatus(links=(), first_bad_entry_id=None, message="intact: no entries yet"),
    )
    data = build_pdf(bundle)
    assert data.startswith(b"%PDF")
    content = flat(pdf_text(data))
    assert "Evidence bundle: consumer 7" in content
    assert "Casey Officer" in content and "2025-06-09 15:00:00 UTC" in content
    assert "call to phone …0123" in content


def test_evidence_pdf_has_the_consumer_entries_rules_and_an_intact_chain(
    client: TestClient, db: Session, workspace_officer: User
) -> None:
    debtor = make_debtor(first_name="Dana", last_name="Lind", reference="ACME-77")
    allowed = gate_at(db, debtor, OFFICE_HOURS).entry
    blocked = gate_at(db, debtor, NIGHT).entry
    with clock.frozen(NIGHT + timedelta(hours=12)):
        fact = service.record_fact(
            db,
            consumer_id=debtor.consumer.id,
            kind=FactKind.DISPUTE,
            actor_id=workspace_officer.id,
            source=Source.OFFICER,
            case_id=debtor.case.id,
            detail={"written": True},
        )
    other = make_debtor(first_name="Otto")
    gate_at(db, other, NIGHT)

    with clock.frozen(NIGHT + timedelta(days=1)):
        response = client.get(f"/compliance/consumers/{debtor.consumer.id}/evidence.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert f"consumer-{debtor.consumer.id}-evidence.pdf" in response.headers["content-disposition"]
    content = flat(pdf_text(response.content))
    assert f"Evidence bundle: consumer {debtor.consumer.id}" in content
    assert "Dana Lind" in content
    assert "Casey Officer" in content and "2025-06-11 03:00:00 UTC" in content
    assert f"Rule set {engine.RULE_SET}" in content
    assert "ACME-77" in content
    assert debtor.phone.value[-4:] in content
    assert debtor.phone.value not in content  # masked
    assert debtor.email.value not in content
    assert "dispute" in content and "written" in content
    assert "US-REGF-TIME" in content and "Convenient hours" in content
    for entry in repository.consumer_entries(db, debtor.consumer.id):
        assert entry.hash[:12] in content  # every entry of this consumer, by hash prefix
    assert str(allowed.id) in content and str(blocked.id) in content and str(fact.id) in content
    assert "Otto" not in content  # nothing of anyone else
    assert "Chain intact" in content
    assert "intact" in content


def test_evidence_pdf_names_the_first_tampered_entry(
    client: TestClient, db: Session, workspace_officer: User
) -> None:
    debtor = make_debtor()
    gate_at(db, debtor, OFFICE_HOURS)
    tampered = gate_at(db, debtor, NIGHT).entry
    gate_at(db, debtor, NIGHT + timedelta(hours=1))
    if db.get_bind().dialect.name != "sqlite":
        pytest.skip("PostgreSQL's trigger refuses to change a ledger row")
    db.execute(
        text("UPDATE ledger_entries SET detail = :d WHERE id = :id"),
        {"d": '{"edited": true}', "id": tampered.id},
    )
    db.expire_all()
    content = flat(
        pdf_text(client.get(f"/compliance/consumers/{debtor.consumer.id}/evidence.pdf").content)
    )
    assert f"Chain broken: the first bad entry is {tampered.id}" in content
    assert "was changed after it was written" in content
    page = client.get(f"/compliance/consumers/{debtor.consumer.id}").text
    assert f"broken: entry {tampered.id} was changed after it was written" in page


def test_chain_status_finds_a_broken_link() -> None:
    class Entry:
        def __init__(self, id: int, prev: str | None, hash: str) -> None:
            self.id, self.prev_hash, self.hash = id, prev, hash

    def fake_hash(entry: object) -> str:
        return str(entry.hash)  # type: ignore[attr-defined]

    good = [Entry(1, None, "a" * 64), Entry(2, "a" * 64, "b" * 64), Entry(3, "b" * 64, "c" * 64)]
    status = chain_status(good, fake_hash)  # type: ignore[arg-type]
    assert status.intact and status.message == "intact: 3 entries verify"
    assert [link.hash_prefix for link in status.links] == [
        "aaaaaaaaaaaa",
        "bbbbbbbbbbbb",
        "cccccccccccc",
    ]
    broken = [good[0], Entry(2, "x" * 64, "b" * 64), good[2]]
    status = chain_status(broken, fake_hash)  # type: ignore[arg-type]
    assert status.first_bad_entry_id == 2
    assert "does not follow the previous entry" in status.message
    assert chain_status([], fake_hash).message == "intact: no entries yet"
