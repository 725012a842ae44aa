"""What the consumer does on their page besides paying (``pay_views``) and choosing a
plan (``plan_views``): dispute the debt in writing (with an optional file), stop a
channel, download their validation notice and receipts (receipts' PDFs).  A refusal
re-renders the form naming the field (422) and writes nothing; a closed case gets the
polite closed page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile
from starlette.responses import Response

from agency.cases import self_service_effects as cases_effects
from agency.cases.errors import CaseError
from agency.compliance.service import ComplianceError
from agency.db import DbSession
from agency.kit.errors import ResponseError
from agency.kit.forms import PostedForm
from agency.outreach import validation_notices
from agency.outreach.letter_views import download
from agency.payments.receipts.documents import receipt_pdf
from agency.payments.repository import self_service as repo
from agency.payments.self_service import links, pages, uploads

router = APIRouter(prefix=links.PATH)
REASON_MAX = 2000
CHANNELS = ("sms", "email", "call")


@router.get("/{token}/dispute")
def dispute_form(request: Request, db: DbSession, token: str) -> Response:
    visit = pages.working_visit(db, request, token)
    return pages.page(
        request, "dispute.html", visit.lang, {"base": visit.base, "values": {}, "errors": {}}
    )


@router.post("/{token}/dispute")
def dispute(request: Request, db: DbSession, token: str, form: PostedForm) -> Response:
    """A written dispute: the fact in the ledger, the hold at once inside the validation
    period, the reason on the timeline, the file kept with the case."""
    visit = pages.working_visit(db, request, token, lock=True)
    w = visit.w
    reason = str(form.get("reason") or "").strip()
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = w.need_reason
    elif len(reason) > REASON_MAX:
        errors["reason"] = w("reason_too_long", max=REASON_MAX)
    sent = form.get("attachment")
    content, name = None, ""
    if isinstance(sent, UploadFile) and sent.filename:
        content, name = sent.file.read(uploads.MAX_BYTES + 1), sent.filename
        try:
            uploads.kind_of(content)
        except uploads.UploadRefused as exc:
            errors["attachment"] = w(exc.reason)
    if errors:
        context = {"base": visit.base, "values": {"reason": reason[: REASON_MAX * 2]}}
        return pages.page(
            request, "dispute.html", visit.lang, {**context, "errors": errors}, status_code=422
        )
    kept = None
    if content is not None:
        kept = uploads.keep(db, case_id=visit.case.id, name=name, content=content, note=reason)
    try:
        held = cases_effects.consumer_dispute(
            db, case=visit.case, reason=reason, attachment=kept.filename if kept else None
        )
    except (CaseError, ComplianceError) as exc:  # nothing is kept: the request rolls back
        raise ResponseError(_refused(request, visit, str(exc))) from None
    return pages.page(request, "disputed.html", visit.lang, {"base": visit.base, "held": held})


@router.get("/{token}/stop")
def stop_form(request: Request, db: DbSession, token: str) -> Response:
    visit = pages.working_visit(db, request, token)
    return pages.page(request, "stop.html", visit.lang, {"base": visit.base, "errors": {}})


@router.post("/{token}/stop")
def stop(request: Request, db: DbSession, token: str, form: PostedForm) -> Response:
    """Stop texts, e-mails or calls: the facts for each contact point of that channel."""
    visit = pages.working_visit(db, request, token, lock=True)
    channel = form.get("channel")
    if channel not in CHANNELS:
        errors = {"channel": visit.w.need_channel}
        return pages.page(
            request,
            "stop.html",
            visit.lang,
            {"base": visit.base, "errors": errors},
            status_code=422,
        )
    try:
        count = cases_effects.stop_channel(db, case=visit.case, channel=channel)  # type: ignore[arg-type]
    except ComplianceError as exc:
        raise ResponseError(_refused(request, visit, str(exc))) from None
    return pages.page(request, "stopped.html", visit.lang, {"base": visit.base, "count": count})


@router.get("/{token}/notice/{document_id}")
def notice(request: Request, db: DbSession, token: str, document_id: int) -> Response:
    visit = pages.open_visit(db, request, token)
    document = validation_notices.kept_notice(db, case_id=visit.case.id, document_id=document_id)
    if document is None:
        return pages.refused(request)
    return download(document)


@router.get("/{token}/receipts/{payment_id}")
def receipt(request: Request, db: DbSession, token: str, payment_id: int) -> Response:
    """A receipt of one of this case's payments, as a PDF download."""
    visit = pages.open_visit(db, request, token)
    payment = repo.payment_of_case(db, visit.case.id, payment_id)
    if payment is None:
        return pages.refused(request)
    content = receipt_pdf(db, case_id=visit.case.id, payment_id=payment.id)
    return Response(
        content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="receipt-{payment.id}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )


def _refused(request: Request, visit: pages.Visit, reason: str) -> Response:
    return pages.page(
        request,
        "refused_action.html",
        visit.lang,
        {"base": visit.base, "reason": reason},
        status_code=422,
    )
