"""The merchant's placements in the browser: upload, preview and mapping, confirm, live
progress, results and the rejected rows; and the history of placements."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, StreamingResponse
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from agency.auth import service as auth_service
from agency.auth.models import Role, User
from agency.auth.permissions import CurrentViewer, Viewer, require
from agency.cases import pairs as pairs_service
from agency.cases.errors import CaseError
from agency.cases.models import PairDecision
from agency.clients import service as clients_service
from agency.clients.models import Client
from agency.config import get_settings
from agency.db import DbSession
from agency.kit.errors import NotFound, ResponseError
from agency.kit.forms import FormError, PostedForm
from agency.kit.pagination import PageRequest, page_request
from agency.kit.params import RowId
from agency.kit.templates import is_htmx, render
from agency.referrals import exports, file_placements, layouts, previewing, repository
from agency.referrals.errors import IntakeError
from agency.referrals.fields import FIELDS
from agency.referrals.models import Placement, PlacementSource, PlacementStatus
from agency.referrals.reading import Unreadable

router = APIRouter()
Merchant = Annotated[User, Depends(require(Role.MERCHANT))]
Readers = Annotated[User, Depends(require(Role.MERCHANT, Role.ADMIN, Role.SUPERVISOR))]
Staff = Annotated[User, Depends(require(Role.ADMIN, Role.SUPERVISOR))]
Paging = Annotated[PageRequest, Depends(page_request)]


def _own_client(db: DbSession, viewer: Viewer) -> Client:
    client = clients_service.get_client(db, client_id=viewer.client_id or 0)
    if client is None:
        raise NotFound("client")
    return client


def _placement(db: DbSession, viewer: Viewer, placement_id: int) -> Placement:
    """A placement the viewer may see: a merchant only its own client's."""
    placement = repository.placement(
        db, placement_id, client_id=viewer.client_id if viewer.is_merchant else None
    )
    if placement is None:
        raise NotFound("placement")
    return placement


def _history(
    request: Request,
    db: DbSession,
    viewer: Viewer,
    page: PageRequest,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    client_id = viewer.client_id if viewer.is_merchant else None
    listing = repository.list_placements(db, client_id, page)
    clients = {} if viewer.is_merchant else {c.id: c for c in clients_service.all_clients(db)}
    users = {
        u.id: u.full_name
        for u in auth_service.users_by_ids(
            db, sorted({p.created_by_id for p in listing.items if p.created_by_id})
        )
    }
    keys = {
        k.id: k.name
        for k in clients_service.api_keys_by_ids(
            db, sorted({p.api_key_id for p in listing.items if p.api_key_id})
        )
    }
    return render(
        request,
        "referrals/placements.html",
        {
            "page": listing,
            "clients": clients,
            "users": users,
            "keys": keys,
            "error": error,
            "max_mb": get_settings().max_upload_mb,
        },
        status_code=status_code,
    )


@router.get("/placements")
def placements(
    request: Request, db: DbSession, _: Readers, viewer: CurrentViewer, page: Paging
) -> Response:
    return _history(request, db, viewer, page)


@router.post("/placements")
def upload(
    request: Request, posted: PostedForm, db: DbSession, user: Merchant, viewer: CurrentViewer
) -> Response:
    """Receive a file, read and check it, and show its preview.

    The body's size is capped while it is received (``agency.kit.bodies``), so a file
    over the limit never reaches this point; the checks below run in the thread pool."""

    def refuse(message: str, status: int) -> ResponseError:
        return ResponseError(
            _history(request, db, viewer, PageRequest(), error=message, status_code=status)
        )

    upload_file = posted.get("file")
    if not isinstance(upload_file, UploadFile) or not upload_file.filename:
        raise refuse("Choose a CSV or XLSX file to upload.", 422)
    client = _own_client(db, viewer)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload"
        upload_file.file.seek(0)
        with path.open("wb") as out:
            shutil.copyfileobj(upload_file.file, out, 1024 * 1024)
        try:
            placement, created = file_placements.open_file_placement(
                db,
                client=client,
                path=path,
                file_name=Path(upload_file.filename).name,
                source=PlacementSource.UPLOAD,
                layout=None,
                user_id=user.id,
            )
            if created:
                previewing.refresh_preview(db, placement=placement, client=client)
        except Unreadable as exc:
            raise refuse(f"{upload_file.filename}: {exc}.", 422) from exc
        except IntakeError as exc:
            raise refuse(str(exc), 422) from exc
    target = f"/placements/{placement.id}" + ("" if created else "?again=1")
    return RedirectResponse(target, status_code=303)


def _placement_page(
    request: Request,
    db: DbSession,
    viewer: Viewer,
    placement: Placement,
    *,
    error: str | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    client = clients_service.get_client(db, client_id=placement.client_id)
    preview: dict[str, Any] = placement.preview or {}
    columns: dict[str, str] = preview.get("columns", {})
    chosen = {text: name for name, text in columns.items()}
    finished = placement.status.finished
    pairs = pairs_service.pairs_of_placement(db, placement_id=placement.id) if finished else []
    deciders = {
        u.id: u.full_name
        for u in auth_service.users_by_ids(
            db, sorted({p.decided_by_id for p in pairs if p.decided_by_id})
        )
    }
    return render(
        request,
        "referrals/placement.html",
        {
            "placement": placement,
            "client": client,
            "preview": preview,
            "header": preview.get("header", []),
            "chosen": chosen,
            "fields": FIELDS,
            "layouts": repository.layouts_of(db, placement.client_id),
            "rejections": repository.rejections(db, placement.id, limit=20) if finished else [],
            "percent": _percent(placement),
            "again": request.query_params.get("again"),
            "layout_saved": request.query_params.get("layout_saved"),
            "error": error,
            "errors": errors or {},
            "can_act": viewer.is_merchant,
            "pairs": pairs,
            "deciders": deciders,
            "can_decide": viewer.role in (Role.ADMIN, Role.SUPERVISOR),
        },
        status_code=status_code,
    )


def _percent(placement: Placement) -> int:
    if placement.status is PlacementStatus.COMPLETED:
        return 100
    if not placement.total_rows:
        return 0
    return min(99, placement.rows_done * 100 // placement.total_rows)


@router.get("/placements/{placement_id}")
def placement_page(
    request: Request, db: DbSession, _: Readers, viewer: CurrentViewer, placement_id: RowId
) -> Response:
    placement = _placement(db, viewer, placement_id)
    if (
        is_htmx(request)
        and request.headers.get("HX-Target") == "progress"
        and placement.status.finished
    ):
        return Response(status_code=200, headers={"HX-Refresh": "true"})
    return _placement_page(request, db, viewer, placement)


def _mapping_from(form: FormData, placement: Placement) -> dict[str, str]:
    header: list[str] = (placement.preview or {}).get("header", [])
    return {text: str(form.get(f"column_{index}", "")) for index, text in enumerate(header)}


def _refused(
    request: Request, db: DbSession, viewer: Viewer, placement: Placement, exc: Exception
) -> ResponseError:
    """The placement page again, saying what was wrong (422); the request rolls back."""
    if isinstance(exc, FormError):
        page = _placement_page(request, db, viewer, placement, errors=exc.errors, status_code=422)
    else:
        page = _placement_page(request, db, viewer, placement, error=str(exc), status_code=422)
    return ResponseError(page)


@router.post("/placements/{placement_id}/mapping")
def remap(
    request: Request,
    posted: PostedForm,
    db: DbSession,
    _: Merchant,
    viewer: CurrentViewer,
    placement_id: RowId,
) -> Response:
    """Check the file again with the merchant's column mapping."""
    placement = _placement(db, viewer, placement_id)
    client = _own_client(db, viewer)
    try:
        layouts.set_mapping(
            db, placement=placement, client=client, mapping=_mapping_from(posted, placement)
        )
    except (IntakeError, Unreadable) as exc:
        raise _refused(request, db, viewer, placement, exc) from exc
    return _placement_page(request, db, viewer, placement)


@router.post("/placements/{placement_id}/layout")
def keep_layout(
    request: Request,
    posted: PostedForm,
    db: DbSession,
    _: Merchant,
    viewer: CurrentViewer,
    placement_id: RowId,
) -> Response:
    """Keep the mapping (and reading rules) as the client's layout for later files."""
    placement = _placement(db, viewer, placement_id)
    client = _own_client(db, viewer)
    try:
        layout = layouts.save_layout(
            db,
            placement=placement,
            client=client,
            mapping=_mapping_from(posted, placement),
            name=str(posted.get("layout_name", "")),
            date_order=str(posted.get("date_order", "mdy")),
            replacement_policy=str(posted.get("replacement_policy", "reject")),
            drop_bad_contacts=posted.get("bad_contacts") == "drop",
            allow_short_rows=posted.get("short_rows") == "on",
            sheet=str(posted.get("sheet", "")) if placement.file_format == "xlsx" else None,
        )
    except (FormError, IntakeError, Unreadable) as exc:
        raise _refused(request, db, viewer, placement, exc) from exc
    return RedirectResponse(
        f"/placements/{placement.id}?layout_saved={layout.name}", status_code=303
    )


@router.post("/placements/{placement_id}/confirm")
def confirm(
    request: Request, db: DbSession, _: Merchant, viewer: CurrentViewer, placement_id: RowId
) -> Response:
    """Place the accounts: the job runs after this request and the page shows progress."""
    placement = _placement(db, viewer, placement_id)
    try:
        file_placements.queue(db, placement=placement)
    except IntakeError as exc:
        raise ResponseError(
            _placement_page(request, db, viewer, placement, error=str(exc), status_code=409)
        ) from exc
    return RedirectResponse(f"/placements/{placement.id}", status_code=303)


@router.post("/placements/{placement_id}/pairs/{pair_id}")
def decide_pair(
    request: Request,
    posted: PostedForm,
    db: DbSession,
    user: Staff,
    viewer: CurrentViewer,
    placement_id: RowId,
    pair_id: RowId,
) -> Response:
    """Staff confirm a possible same person (one consumer) or keep the two apart."""
    placement = _placement(db, viewer, placement_id)
    choice = str(posted.get("decision", ""))
    if choice not in {decision.value for decision in PairDecision}:
        raise ResponseError(
            _placement_page(
                request,
                db,
                viewer,
                placement,
                error="decision: must be “same” (one person) or “apart” (two people)",
                status_code=422,
            )
        )
    try:
        pairs_service.decide_pair(
            db,
            pair_id=pair_id,
            placement_id=placement.id,
            decision=PairDecision(choice),
            user_id=user.id,
        )
    except LookupError as exc:
        raise NotFound("possible same person") from exc
    except CaseError as exc:
        raise ResponseError(
            _placement_page(request, db, viewer, placement, error=str(exc), status_code=409)
        ) from exc
    return RedirectResponse(f"/placements/{placement.id}#pairs", status_code=303)


@router.get("/placements/{placement_id}/rejected.csv")
def rejected_csv(db: DbSession, _: Readers, viewer: CurrentViewer, placement_id: RowId) -> Response:
    placement = _placement(db, viewer, placement_id)
    # Built now: the request's session is closed before a streamed body would be read.
    lines = list(exports.rejected_rows_csv(db, placement=placement))
    name = Path(placement.file_name or f"placement-{placement.id}").stem
    return StreamingResponse(
        iter(lines),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}-rejected.csv"'},
    )
