"""The message templates, for admins (compliance officers read them): the list, the
editor with its live preview and the save-time checks, and each template's versions.

- ``/outreach/templates``: every template with its newest version, by channel and
  language; the "New template" form opens the editor for a template not saved yet.
- ``/outreach/templates/{id}``: the newest version's words in the editor; every change
  is previewed (htmx, ``…/preview``) with the checks saving applies, rendered with the
  sample values or against a real case; saving makes the next version (who, when, why)
  or is refused, 422, with the reason per part and the words kept as typed.
- Beside the editor, the variables a template may use with what each holds, and the
  versions, each with its words and a link to the messages sent as it (the Outbox).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from agency.auth import service as auth_service
from agency.auth.models import Role, User
from agency.auth.permissions import CurrentViewer, Viewer, require
from agency.db import DbSession
from agency.kit import flash
from agency.kit.errors import NotFound
from agency.kit.forms import FormError, PostedForm, form_values, or_refuse, parse
from agency.kit.params import RowId
from agency.kit.templates import render
from agency.outreach import repository as repo
from agency.outreach.models import MessageChannel, MessageTemplate, TemplateVersion
from agency.outreach.schemas import (
    NewTemplate,
    TemplateListQuery,
    TemplateName,
    TemplateSettings,
    TemplateWords,
)
from agency.outreach.template_preview import Preview, preview
from agency.outreach.templating import FILTERS, LANGUAGES, VARIABLES, Language, TemplateParts
from agency.outreach.versions import TemplateDraft, save_version

router = APIRouter(prefix="/outreach/templates")
Admin = Annotated[User, Depends(require(Role.ADMIN))]
Readers = Annotated[User, Depends(require(Role.ADMIN, Role.COMPLIANCE))]

LABELS = {
    "key": "Key",
    "channel": "Channel",
    "language": "Language",
    "title": "Title",
    "segment_limit": "Segment limit",
    "first_contact": "First contact",
    "suit_notice": "Suit notice",
    "subject": "Subject",
    "body": "Body",
    "html": "HTML body",
    "why": "Why",
    "preview_case": "Preview against case",
    "base_version": "Version",
}
LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}
# The words a new template starts with: the disclosures and opt-out its channel needs.
_OPENING = {True: "{{ disclosure.mini_miranda }}", False: "{{ disclosure.debt_collector }}"}
_STARTER_BODY = {
    "sms": "{opening} Hi {{{{ consumer.first_name }}}}, please call {{{{ agency.name }}}} at "
    "{{{{ agency.phone }}}} about {{{{ case.reference }}}}. {{{{ opt_out.sms }}}}",
    "email": "Dear {{{{ consumer.first_name }}}},\n\n{opening}\n\nYour balance with "
    "{{{{ case.creditor }}}} is {{{{ case.balance }}}}: {{{{ self_service_link }}}}\n\n"
    "{{{{ agency.name }}}}, {{{{ agency.phone }}}}\n\n"
    "To stop e-mails: {{{{ opt_out.email_link }}}}",
    "letter": "Dear {{{{ consumer.first_name }}}} {{{{ consumer.last_name }}}},\n\n{opening}\n\n"
    "Your balance with {{{{ case.creditor }}}} is {{{{ case.balance }}}}.\n\n"
    "{{{{ agency.name }}}}\n{{{{ agency.address }}}}\n{{{{ agency.phone }}}}",
    "voice": "Hello, may I speak with {{{{ consumer.first_name }}}} {{{{ consumer.last_name }}}}? "
    "My name is … calling from {{{{ agency.name }}}}. {opening}",
}


@dataclass(frozen=True, slots=True)
class Which:
    """The template being edited: its identity and settings (saved or not yet)."""

    key: str
    channel: MessageChannel
    language: Language
    template: MessageTemplate | None = None  # None: not saved yet

    @property
    def email(self) -> bool:
        return self.channel is MessageChannel.EMAIL

    @property
    def base(self) -> str:
        return f"/outreach/templates/{self.template.id}" if self.template else "/outreach/templates"


@dataclass(frozen=True, slots=True)
class VersionRow:
    version: TemplateVersion
    by: str
    messages: int


def _sentences(errors: Mapping[str, str]) -> dict[str, str]:
    """Schema errors as sentences naming their field ("Title is required.")."""
    return {
        name: message if name == "__all__" else f"{LABELS.get(name, name)} {message}."
        for name, message in errors.items()
    }


def _language(value: str) -> Language:
    return "es" if value == "es" else "en"


# --- the list ---------------------------------------------------------------------------


def _list_page(
    request: Request,
    db: DbSession,
    viewer: Viewer,
    *,
    filters: Mapping[str, str] | None = None,
    new: Mapping[str, str] | None = None,
    new_errors: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """The list; ``new`` and ``new_errors``: the "New template" form's values and errors
    (ticked "first communication" by default)."""
    values = dict(filters or {})
    errors: dict[str, str] = {}
    rows: list[tuple[MessageTemplate, TemplateVersion | None]] = []
    try:
        query = parse(TemplateListQuery, values)
        rows = repo.templates(db, channel=query.channel, language=query.language)
    except FormError as exc:
        errors = _sentences(exc.errors)
    by_ids = sorted({v.by_user_id for _, v in rows if v is not None and v.by_user_id})
    names = {user.id: user.full_name for user in auth_service.users_by_ids(db, by_ids)}
    return render(
        request,
        "outreach/templates_list.html",
        {
            "values": values,
            "errors": errors,
            "rows": rows,
            "names": names,
            "new": {"first_contact": "on"} if new is None else new,
            "new_errors": new_errors or {},
            "can_edit": viewer.role is Role.ADMIN,
            "channels": [(channel.value, channel.value) for channel in MessageChannel],
            "languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        },
        status_code=status_code,
    )


@router.get("")
def templates_list(request: Request, db: DbSession, _: Readers, viewer: CurrentViewer) -> Response:
    """Every template with its newest version, filtered by channel and language (a bad
    filter value is named inline, with nothing listed)."""
    return _list_page(request, db, viewer, filters=request.query_params)


# --- the editor -------------------------------------------------------------------------


def _new_which(db: DbSession, values: Mapping[str, str]) -> Which:
    """The template ``values`` name, not saved yet; FormError naming each bad field, or
    a template that exists already."""
    name = parse(TemplateName, values)
    existing = repo.template_by_key(db, name.key, name.channel, name.language)
    if existing is not None:
        raise FormError(
            {
                "key": f"{name.key} in {name.channel.value}, {LANGUAGE_NAMES[name.language]}, "
                f"exists already: open it from the list to edit it (template {existing.id})",
            }
        )
    return Which(key=name.key, channel=name.channel, language=name.language)


def _saved_which(template: MessageTemplate) -> Which:
    return Which(
        key=template.key,
        channel=template.channel,
        language=_language(template.language),
        template=template,
    )


def _settings_values(template: MessageTemplate) -> dict[str, str]:
    values = {
        "title": template.title,
        "segment_limit": str(template.segment_limit or ""),
        "base_version": str(template.version),
    }
    return values | _ticked(first_contact=template.first_contact, suit_notice=template.suit_notice)


def _ticked(**boxes: bool) -> dict[str, str]:
    """The check boxes that are ticked, as a browser posts them (an unticked one is not
    posted at all)."""
    return {name: "on" for name, ticked in boxes.items() if ticked}


def _words(which: Which, values: Mapping[str, str]) -> TemplateWords:
    """The words as posted (a part the channel does not have left out); FormError."""
    words = parse(TemplateWords, values)
    if not which.email:
        words = words.model_copy(update={"subject": None, "html": None})
    elif words.subject is None:
        words = words.model_copy(update={"subject": ""})
    return words


def _preview_of(
    db: DbSession, viewer: Viewer, which: Which, values: Mapping[str, str]
) -> tuple[Preview | None, dict[str, str]]:
    """The preview of what the form holds, or, when the form's values do not parse, the
    errors that keep it from being checked (by field)."""
    try:
        settings = parse(TemplateSettings, {**values, "title": "-"})
        words = _words(which, values)
    except FormError as exc:
        return None, exc.errors
    shown = preview(
        db,
        viewer,
        parts=TemplateParts(subject=words.subject, body=words.body, html=words.html),
        channel=which.channel.value,
        language=which.language,
        first_contact=settings.first_contact,
        suit_notice=settings.suit_notice,
        segment_limit=settings.segment_limit,
        case=words.preview_case,
    )
    return shown, {}


def _editor(
    request: Request,
    db: DbSession,
    viewer: Viewer,
    which: Which,
    values: Mapping[str, str],
    errors: Mapping[str, str] | None = None,
) -> Response:
    versions: list[VersionRow] = []
    if which.template is not None:
        found = repo.versions_of(db, which.template.id)
        by_ids = sorted({v.by_user_id for v in found if v.by_user_id})
        names = {user.id: user.full_name for user in auth_service.users_by_ids(db, by_ids)}
        sent = repo.messages_per_version(db, [v.id for v in found])
        versions = [
            VersionRow(
                version=v,
                by=names.get(v.by_user_id or 0, "the system"),
                messages=sent.get(v.id, 0),
            )
            for v in found
        ]
    shown, unchecked = _preview_of(db, viewer, which, values)
    context: dict[str, Any] = {
        "which": which,
        "values": values,
        "errors": errors or {},
        "preview": shown,
        "unchecked": unchecked,
        "labels": LABELS,
        "versions": versions,
        "can_edit": viewer.role is Role.ADMIN,
        "variables": VARIABLES,
        "filters": FILTERS,
        "language_name": LANGUAGE_NAMES[which.language],
    }
    return render(request, "outreach/template_edit.html", context)


def _starter(which: Which, settings: TemplateSettings) -> dict[str, str]:
    body = _STARTER_BODY[which.channel.value].format(opening=_OPENING[settings.first_contact])
    values = {
        "key": which.key,
        "channel": which.channel.value,
        "language": which.language,
        "title": settings.title,
        "segment_limit": str(settings.segment_limit or ""),
        "body": body,
        **_ticked(first_contact=settings.first_contact, suit_notice=settings.suit_notice),
    }
    if which.email:
        values["subject"] = "Your account {{ case.reference }}"
    return values


@router.get("/new")
def new_template(request: Request, db: DbSession, _: Admin, viewer: CurrentViewer) -> Response:
    """The editor for the template the "New template" form names, with words to start
    from; a bad or taken name is answered on the list's form (422)."""
    values = dict(request.query_params)
    if not values:
        return _list_page(request, db, viewer)
    try:
        settings = parse(NewTemplate, values)
        which = _new_which(db, values)
    except FormError as exc:
        return _list_page(
            request, db, viewer, new=values, new_errors=_sentences(exc.errors), status_code=422
        )
    return _editor(request, db, viewer, which, _starter(which, settings))


def _save(
    db: DbSession, which: Which, values: Mapping[str, str], by_user_id: int
) -> TemplateVersion:
    """Save the form as the template's next version (FormError, TemplateRefused)."""
    errors: dict[str, str] = {}
    settings = words = None
    try:
        settings = parse(TemplateSettings, values)
    except FormError as exc:
        errors.update(exc.errors)
    try:
        words = _words(which, values)
    except FormError as exc:
        errors.update(exc.errors)
    if settings is None or words is None:
        raise FormError(errors)
    if which.template is not None and values.get("base_version") != str(which.template.version):
        raise FormError(
            {
                "__all__": f"Version {which.template.version} was saved since this page was "
                "opened: open the template again to see it, then make your change."
            }
        )
    draft = TemplateDraft(
        key=which.key,
        channel=which.channel,
        language=which.language,
        title=settings.title,
        body=words.body,
        subject=words.subject,
        html=words.html,
        segment_limit=settings.segment_limit if which.channel is MessageChannel.SMS else None,
        first_contact=settings.first_contact,
        suit_notice=settings.suit_notice,
    )
    return save_version(db, draft=draft, why=words.why, by_user_id=by_user_id)


@router.post("/new")
def create_template(
    request: Request, posted: PostedForm, db: DbSession, admin: Admin, viewer: CurrentViewer
) -> Response:
    """Save a new template's first version, or answer the editor again with the reasons
    (422)."""
    values = form_values(posted)

    def refused(exc: FormError) -> Response:
        try:
            name = parse(TemplateName, values)
        except FormError:  # the form's own fields changed by hand: start again
            return _list_page(request, db, viewer, new=values, new_errors=_sentences(exc.errors))
        which = Which(key=name.key, channel=name.channel, language=name.language)
        return _editor(request, db, viewer, which, values, exc.errors)

    version = or_refuse(lambda: _save(db, _new_which(db, values), values, admin.id), refused)
    return flash.redirect(
        f"/outreach/templates/{version.template_id}",
        f"Template saved as version {version.version}.",
    )


@router.post("/new/preview")
def preview_new(
    request: Request, posted: PostedForm, db: DbSession, _: Admin, viewer: CurrentViewer
) -> Response:
    """The checks and rendering of a new template's words as typed (the preview block)."""
    values = form_values(posted)
    try:
        which = _new_which(db, values)
    except FormError as exc:
        return _list_page(
            request, db, viewer, new=values, new_errors=_sentences(exc.errors), status_code=422
        )
    return _editor(request, db, viewer, which, values)


def _template_or_404(db: DbSession, template_id: int) -> MessageTemplate:
    template = repo.template(db, template_id)
    if template is None:
        raise NotFound("template")
    return template


@router.get("/{template_id}")
def edit_template(
    request: Request, db: DbSession, _: Readers, viewer: CurrentViewer, template_id: RowId
) -> Response:
    """The newest version's words in the editor (read only for compliance officers),
    with its checks, and every version."""
    template = _template_or_404(db, template_id)
    newest = next(iter(repo.versions_of(db, template.id)), None)
    values = _settings_values(template)
    if newest is not None:
        values.update(subject=newest.subject or "", body=newest.body, html=newest.html or "")
    return _editor(request, db, viewer, _saved_which(template), values)


@router.post("/{template_id}")
def save_template(
    request: Request,
    posted: PostedForm,
    db: DbSession,
    admin: Admin,
    viewer: CurrentViewer,
    template_id: RowId,
) -> Response:
    """Save the words as the template's next version, or answer the editor again with
    the reason per part and the words as typed (422)."""
    template = _template_or_404(db, template_id)
    which = _saved_which(template)
    values = form_values(posted)
    version = or_refuse(
        lambda: _save(db, which, values, admin.id),
        lambda exc: _editor(request, db, viewer, which, values, exc.errors),
    )
    return flash.redirect(
        f"/outreach/templates/{template.id}", f"Version {version.version} saved: {version.why}"
    )


@router.post("/{template_id}/preview")
def preview_saved(
    request: Request,
    posted: PostedForm,
    db: DbSession,
    _: Admin,
    viewer: CurrentViewer,
    template_id: RowId,
) -> Response:
    """The checks and rendering of the words as typed (the preview block)."""
    template = _template_or_404(db, template_id)
    return _editor(request, db, viewer, _saved_which(template), form_values(posted))
