"""The evidence bundle: a PDF read back with pypdf, and its pure helpers."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy.orm import Session

from agency.auth.models import User
from agency.compliance import engine, integrity, repository, service
from agency.compliance.chain import seal
from agency.compliance.evidence import (
    CaseRow,
    ChainStatus,
    EvidenceBundle,
    FactRow,
    TimelineRow,
    build_pdf,
    chain_status,
)
from agency.compliance.keys import ledger_keys
from agency.compliance.masking import mask_contact
from agency.compliance.models import FactKind, LedgerEntry, Source
from agency.kit import clock
from tests.compliance.tamper import edit, remove
from tests.fixtures.compliance import NIGHT, OFFICE_HOURS, gate_at, make_debtor


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
    assert "No checkpoint yet: the chain has not been compared with one." in content


def test_evidence_pdf_names_the_checkpoint_the_chain_was_compared_with(
    client: TestClient, db: Session, workspace_officer: User
) -> None:
    debtor = make_debtor()
    gate_at(db, debtor, OFFICE_HOURS)
    newest = gate_at(db, debtor, NIGHT).entry
    written = integrity.verify_ledger(db).checkpoint

    def bundle() -> str:
        response = client.get(f"/compliance/consumers/{debtor.consumer.id}/evidence.pdf")
        return flat(pdf_text(response.content))

    content = bundle()
    assert f"Compared with checkpoint {written} (taken " in content
    assert "signed with key test1): it recorded 3 entries ending in" in content
    assert f"{newest.hash[:12]}; the chain still holds them." in content
    remove(db, newest.id)
    assert "the chain does NOT hold them." in bundle()


def test_evidence_pdf_names_the_first_tampered_entry(
    client: TestClient, db: Session, workspace_officer: User
) -> None:
    debtor = make_debtor()
    gate_at(db, debtor, OFFICE_HOURS)
    tampered = gate_at(db, debtor, NIGHT).entry
    gate_at(db, debtor, NIGHT + timedelta(hours=1))
    edit(db, tampered.id, detail={"edited": True})
    content = flat(
        pdf_text(client.get(f"/compliance/consumers/{debtor.consumer.id}/evidence.pdf").content)
    )
    assert f"Chain broken: the first bad entry is {tampered.id}" in content
    assert "was changed after it was written" in content
    page = client.get(f"/compliance/consumers/{debtor.consumer.id}").text
    assert f"broken: entry {tampered.id} was changed after it was written" in page


def test_chain_status_finds_a_broken_link() -> None:
    secrets = ledger_keys().secrets

    def sealed(seq: int, previous: SimpleNamespace | None) -> SimpleNamespace:
        columns = dict.fromkeys(LedgerEntry.__table__.columns.keys())
        entry = SimpleNamespace(
            **{**columns, "id": seq, "seq": seq, "prev_hash": previous.hash if previous else None}
        )
        seal(entry, ledger_keys())
        return entry

    first = sealed(1, None)
    second = sealed(2, first)
    good = [first, second, sealed(3, second)]
    status = chain_status(good, secrets)  # type: ignore[arg-type]
    assert status.intact and status.message == "intact: 3 entries verify"
    assert [link.hash_prefix for link in status.links] == [e.hash[:12] for e in good]
    broken = [good[0], SimpleNamespace(**{**vars(good[1]), "prev_hash": "x" * 64}), good[2]]
    status = chain_status(broken, secrets)  # type: ignore[arg-type]
    assert status.first_bad_entry_id == 2
    assert "does not follow the previous entry" in status.message
    assert chain_status([], secrets).message == "intact: no entries yet"


def test_every_page_is_numbered_and_values_read_as_words() -> None:
    """Page "n of N" on each page; stored values (``call_consent``, ``in_progress``) in
    words; no internal function names."""
    fact = FactRow(
        id=4,
        kind="call_consent",
        effective_at=datetime(2025, 6, 1, tzinfo=UTC),
        recorded_by="Casey Officer",
        source="officer",
        about="phone …0123",
        details="",
        in_force=True,
    )
    rows = tuple(
        TimelineRow(
            entry_id=n,
            at=datetime(2025, 6, 9, 3, tzinfo=UTC),
            kind="attempt",
            what="call to phone …0123",
            who="Alex",
            source="agent",
            decision="allowed",
        )
        for n in range(1, 120)
    )
    bundle = EvidenceBundle(
        consumer_id=7,
        consumer_name="Pat Doe",
        location="US · IL",
        zones=("America/Chicago",),
        generated_at=datetime(2025, 6, 9, 15, tzinfo=UTC),
        generated_by="Casey Officer (Compliance officer)",
        rule_set="2026.1",
        points=(),
        cases=(CaseRow(id=1, reference="ACME-1", client="Acme", status="in_progress"),),
        facts=(fact,),
        timeline=rows,
        chain=ChainStatus(links=(), first_bad_entry_id=None, message="intact: no entries yet"),
    )
    reader = PdfReader(io.BytesIO(build_pdf(bundle)))
    total = len(reader.pages)
    assert total >= 3
    for number, page in enumerate(reader.pages, start=1):
        assert f"Evidence bundle, consumer 7 · page {number} of {total}" in flat(
            page.extract_text()
        )
    content = flat("\n".join(page.extract_text() for page in reader.pages))
    assert "Call consent" in content and "In progress" in content
    assert "call_consent" not in content and "in_progress" not in content
    assert "entry_hash" not in content and "chain." not in content
