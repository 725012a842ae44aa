"""Letters and print batches, for admins (``/outreach/letters``): the batches made (day,
letters, pages, who made it, the merged PDF and the manifest to download), the letters
waiting for the next one, and "Make the batch now"."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from agency.auth import service as auth_service
from agency.auth.models import Role, User
from agency.auth.permissions import require
from agency.db import DbSession
from agency.kit import flash
from agency.kit.errors import NotFound
from agency.kit.params import RowId
from agency.kit.templates import render
from agency.outreach import letters
from agency.outreach import repository as repo
from agency.outreach.models import Document, DocumentKind

router = APIRouter()
Admin = Annotated[User, Depends(require(Role.ADMIN))]
# The newest batches the page lists (a day's job makes one; a batch's documents stay).
SHOWN = 100


def download(document: Document) -> Response:
    """A kept document as a download: its own content type, never shown inline."""
    return Response(
        document.content,
        media_type=document.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{document.file_name}"',
            "Cache-Control": "private, no-store",
        },
    )


@router.get("/outreach/letters")
def letter_batches(request: Request, db: DbSession, _: Admin) -> Response:
    """The print batches, newest first, and the letters waiting for the next."""
    batches = repo.batches(db, limit=SHOWN)
    by_ids = sorted({b.by_user_id for b in batches if b.by_user_id is not None})
    names = {user.id: user.full_name for user in auth_service.users_by_ids(db, by_ids)}
    return render(
        request,
        "outreach/letters.html",
        {
            "batches": batches,
            "names": names,
            "waiting": letters.waiting(db),
            "shown": SHOWN,
            "limit": letters.BATCH_LIMIT,
        },
    )


@router.post("/outreach/letters/batches")
def make_batch_now(db: DbSession, admin: Admin) -> Response:
    """Make a print batch of the letters waiting now (at most ``BATCH_LIMIT``)."""
    batch = letters.make_batch(db, by_user_id=admin.id)
    if batch is None:
        return flash.redirect("/outreach/letters", "No letters were waiting: no batch made.")
    return flash.redirect(
        "/outreach/letters",
        f"Batch {batch.id} made: {batch.letters} letters, {batch.pages} pages.",
    )


def _batch_document(db: DbSession, batch_id: int, kind: DocumentKind) -> Response:
    document = repo.batch_document(db, batch_id, kind)
    if document is None:
        raise NotFound("print batch")
    return download(document)


@router.get("/outreach/letters/batches/{batch_id}/letters.pdf")
def batch_pdf(db: DbSession, _: Admin, batch_id: RowId) -> Response:
    """The batch's letters merged into one PDF, for the print vendor."""
    return _batch_document(db, batch_id, DocumentKind.PRINT_BATCH)


@router.get("/outreach/letters/batches/{batch_id}/manifest.csv")
def batch_manifest(db: DbSession, _: Admin, batch_id: RowId) -> Response:
    """The batch's CSV manifest: one row a letter, in the merged PDF's order."""
    return _batch_document(db, batch_id, DocumentKind.MANIFEST)
