"""The consumer screen: one consumer's contact points, cases, facts and full ledger
timeline; the officer's form that records a compliance fact; and the consumer's
evidence bundle as a PDF."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from agency.auth.models import User
from agency.compliance import checkpoints, engine, repository, service
from agency.compliance.evidence import (
    CaseRow,
    EvidenceBundle,
    FactRow,
    PointRow,
    build_pdf,
    chain_status,
    checkpoint_match,
)
from agency.compliance.keys import ledger_keys
from agency.compliance.masking import mask_contact
from agency.compliance.models import FactKind, Source
from agency.compliance.names import who
from agency.compliance.schemas import FACT_DAYS, FactForm
from agency.compliance.timeline import (
    ConsumerRecord,
    consumer_record,
    fact_about,
    fact_details,
)
from agency.compliance.views.common import Officer, Readers, labelled, service_errors
from agency.db import DbSession
from agency.kit import clock
from agency.kit.clock import DAY_NAMES
from agency.kit.errors import NotFound, ResponseError
from agency.kit.forms import FormError, PostedForm, form_values, parse
from agency.kit.params import RowId
from agency.kit.templates import render

router = APIRouter()

FACT_LABELS = {
    "kind": "Kind",
    "case_id": "Case",
    "contact_point_id": "Contact point",
    "effective_at": "Effective",
    "until": "Until",
    "written": "Written",
    "attorney_name": "Attorney name",
    "attorney_phone": "Attorney phone",
    "attorney_email": "Attorney e-mail",
    "attorney_address": "Attorney address",
    "inconvenient_from": "Inconvenient from",
    "inconvenient_to": "Inconvenient to",
    "inconvenient_days": "Days",
    "withdraw_fact_id": "Fact to withdraw",
    "note": "Note",
}
# The field a ComplianceError of record_fact names by its message's prefix.
FACT_ERROR_FIELDS = {
    "contact point": "contact_point_id",
    "case": "case_id",
    "cases": "case_id",
    "effective date": "effective_at",
    "until": "until",
    "attorney name": "attorney_name",
    "attorney": "attorney_name",
    "inconvenient time": "inconvenient_from",
    "fact": "withdraw_fact_id",
}


def _consumer_page(
    request: Request,
    db: Session,
    consumer_id: int,
    *,
    values: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    record = consumer_record(db, consumer_id)
    cases = {case.id: case for case in record.cases}
    points = {point.id: point for point in record.points}
    return render(
        request,
        "compliance/consumer.html",
        {
            "record": record,
            "consumer": record.consumer,
            "in_force": record.in_force(),
            "ended": record.ended(),
            "fact_details": lambda fact: fact_details(fact, cases),
            "fact_about": lambda fact: fact_about(fact, cases, points),
            "values": values or {"kind": FactKind.DISPUTE.value},
            "errors": errors or {},
            "options": {
                "kinds": [(kind.value, kind.value.replace("_", " ")) for kind in FactKind],
                "cases": [
                    (case.id, f"{case.client_reference} · {case.client.name}")
                    for case in record.cases
                ],
                "points": [
                    (point.id, f"{point.channel.value} {point.kind} {point.value}")
                    for point in record.points
                ],
                "withdraw": [
                    (
                        fact.id,
                        f"{fact.id}: {fact.kind.value.replace('_', ' ')}, "
                        f"{fact.effective_at:%Y-%m-%d}",
                    )
                    for fact in record.in_force()
                ],
            },
            "days": list(zip(FACT_DAYS, DAY_NAMES, strict=True)),
            "chain": chain_status(record.entries, ledger_keys().secrets),
        },
        status_code=status_code,
    )


@router.get("/compliance/consumers/{consumer_id}")
def consumer_timeline(
    request: Request,
    db: DbSession,
    _: Readers,
    consumer_id: RowId,
    kind: Annotated[FactKind, Query(description="the fact form's kind")] = FactKind.DISPUTE,
) -> Response:
    """A consumer, their contact points, cases and facts, and every ledger entry; the
    fact form shows the fields of ``kind``."""
    return _consumer_page(request, db, consumer_id, values={"kind": kind.value})


@router.post("/compliance/consumers/{consumer_id}/facts")
def record_fact(
    request: Request, posted: PostedForm, db: DbSession, officer: Officer, consumer_id: RowId
) -> Response:
    """An officer records a compliance fact (Source.OFFICER) through the service."""
    if repository.consumer_or_none(db, consumer_id) is None:
        raise NotFound("consumer")
    values: dict[str, Any] = form_values(posted)
    days = [str(d) for d in posted.getlist("inconvenient_days")]

    def refused(errors: Mapping[str, str]) -> ResponseError:
        """The page again with the form as posted and ``errors`` (422); raising it rolls
        the request back, so nothing half-written is kept."""
        return ResponseError(
            _consumer_page(
                request,
                db,
                consumer_id,
                values={**values, "inconvenient_days": days},
                errors=errors,
                status_code=422,
            )
        )

    try:
        data = parse(FactForm, {**values, "inconvenient_days": days or None})  # type: ignore[dict-item]
    except FormError as exc:
        errors = labelled(exc.errors, FACT_LABELS)
        errors.setdefault("__all__", "Please correct the fields marked below.")
        raise refused(errors) from exc
    try:
        fact = service.record_fact(
            db,
            consumer_id=consumer_id,
            kind=data.kind,
            actor_id=officer.id,
            source=Source.OFFICER,
            case_id=data.case_id,
            contact_point_id=data.contact_point_id,
            effective_at=data.effective_at,
            until=data.until,
            detail=data.detail(),
        )
    except service.ComplianceError as exc:
        raise refused(service_errors(str(exc), FACT_ERROR_FIELDS)) from exc
    return RedirectResponse(
        f"/compliance/consumers/{consumer_id}?recorded={fact.id}#timeline", status_code=303
    )


def _evidence_bundle(record: ConsumerRecord, user: User) -> EvidenceBundle:
    """What the evidence PDF shows of ``record``, generated now by ``user``."""
    keys = ledger_keys()
    cases = {case.id: case for case in record.cases}
    points = {point.id: point for point in record.points}
    consumer = record.consumer
    return EvidenceBundle(
        consumer_id=consumer.id,
        consumer_name=consumer.display_name,
        location=" · ".join(
            part for part in (consumer.country, consumer.region, consumer.postal_code) if part
        ),
        zones=tuple(
            sorted(
                {
                    *consumer.timezones,
                    *([consumer.stated_timezone] if consumer.stated_timezone else []),
                }
            )
        ),
        generated_at=clock.now(),
        generated_by=f"{user.full_name} ({user.role.label})",
        rule_set=engine.RULE_SET,
        points=tuple(
            PointRow(
                id=p.id,
                channel=p.channel.value,
                kind=p.kind,
                masked=mask_contact(p.channel.value, p.value),
                flags=record.point_flags[p.id],
            )
            for p in record.points
        ),
        cases=tuple(
            CaseRow(
                id=c.id, reference=c.client_reference, client=c.client.name, status=c.status.value
            )
            for c in record.cases
        ),
        facts=tuple(
            FactRow(
                id=f.id,
                kind=f.kind.value,
                effective_at=f.effective_at,
                recorded_by=who(record.names, f.recorded_by_id, f.source),
                source=f.source.value,
                about=fact_about(f, cases, points),
                details=fact_details(f, cases),
                in_force=f.kind is not FactKind.WITHDRAWN and f.id not in record.withdrawn,
            )
            for f in record.facts
        ),
        timeline=tuple(record.timeline),
        chain=chain_status(record.entries, keys.secrets),
        checkpoint=checkpoint_match(record.entries, consumer.id, checkpoints.newest(keys)[0]),
        rule_sets_seen=tuple(sorted({e.rule_set for e in record.entries if e.rule_set})),
    )


@router.get("/compliance/consumers/{consumer_id}/evidence.pdf")
def evidence_pdf(request: Request, db: DbSession, user: Readers, consumer_id: RowId) -> Response:
    """The consumer's evidence bundle: who, contact points (masked), cases, facts, the
    full timeline with decisions and rules, whether this consumer's chain verifies, and
    the checkpoint it was compared with."""
    record = consumer_record(db, consumer_id)
    return Response(
        build_pdf(_evidence_bundle(record, user)),
        media_type="application/pdf",
        headers={
            "Content-Disposition": (
                f'attachment; filename="consumer-{record.consumer.id}-evidence.pdf"'
            ),
            "Cache-Control": "no-store",
        },
    )
