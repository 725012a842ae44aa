"""Receipts and plan confirmations as PDFs, from the case: whoever may see the case (a
merchant only its own client's: another client's case is the same 404 as none), for
one of this case's payments or plans (another case's: 404)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from agency.auth.permissions import CurrentViewer
from agency.cases import service as cases_service
from agency.db import DbSession
from agency.kit.errors import NotFound
from agency.kit.params import RowId
from agency.payments.receipts import documents

router = APIRouter()


def receipt_path(case_id: int, payment_id: int) -> str:
    """Where a case page links a payment's receipt."""
    return f"/cases/{case_id}/payments/{payment_id}/receipt.pdf"


def confirmation_path(case_id: int, plan_id: int) -> str:
    """Where a case page links an arrangement's confirmation."""
    return f"/cases/{case_id}/arrangements/{plan_id}/confirmation.pdf"


def _pdf(content: bytes, file_name: str) -> Response:
    return Response(
        content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{file_name}"',
            "Cache-Control": "private, no-store",
        },
    )


def _seen(db: DbSession, viewer: CurrentViewer, case_id: int) -> None:
    if cases_service.case_for_viewer(db, viewer=viewer, case_id=case_id) is None:
        raise NotFound("case")


@router.get("/cases/{case_id}/payments/{payment_id}/receipt.pdf")
def receipt(db: DbSession, viewer: CurrentViewer, case_id: RowId, payment_id: RowId) -> Response:
    """The payment's receipt (a reversed payment's says it was reversed)."""
    _seen(db, viewer, case_id)
    try:
        content = documents.receipt_pdf(db, case_id=case_id, payment_id=payment_id)
    except documents.NotOnCase:
        raise NotFound("payment") from None
    return _pdf(content, f"receipt-case-{case_id}-payment-{payment_id}.pdf")


@router.get("/cases/{case_id}/arrangements/{plan_id}/confirmation.pdf")
def confirmation(db: DbSession, viewer: CurrentViewer, case_id: RowId, plan_id: RowId) -> Response:
    """The arrangement's confirmation with its schedule."""
    _seen(db, viewer, case_id)
    try:
        content = documents.confirmation_pdf(db, case_id=case_id, plan_id=plan_id)
    except documents.NotOnCase:
        raise NotFound("arrangement") from None
    return _pdf(content, f"confirmation-case-{case_id}-arrangement-{plan_id}.pdf")
