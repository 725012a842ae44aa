"""The template editor's preview: the save-time checks as a list a person reads (each
passed or failed, in words), and the words rendered with the sample values or against a
real case the admin picks, as that case's consumer would get them.

The checks are exactly those ``versions.save_version`` applies (``check_template`` with
the sample values), so what the preview says passes is what saving accepts.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from agency.auth.permissions import Viewer
from agency.cases import service as cases_service
from agency.cases.models import Case, Channel, ContactPoint
from agency.cases.schemas import CaseFilters
from agency.kit.pagination import PageRequest
from agency.kit.params import MAX_ID
from agency.outreach.composing import variables_for
from agency.outreach.segments import Segments, count_segments
from agency.outreach.template_checks import Checked, check_template
from agency.outreach.templating import (
    Channel as TemplateChannel,
)
from agency.outreach.templating import (
    Language,
    RenderedParts,
    TemplateParts,
    TemplateProblem,
    parse_template,
    render,
)

# The contact point a channel's message goes to, for the case's opt-out link.
_POINT_FOR: dict[str, Channel] = {
    "sms": Channel.PHONE,
    "voice": Channel.PHONE,
    "email": Channel.EMAIL,
    "letter": Channel.ADDRESS,
}
# The most cases one reference is looked up among (it names one case per client).
_SAME_REFERENCE = 20


@dataclass(frozen=True, slots=True)
class Check:
    """One line of the check list: ``ok`` True (passes), False (refused), None (does not
    apply, or could not be checked)."""

    name: str
    label: str
    ok: bool | None
    detail: str


@dataclass(frozen=True, slots=True)
class Preview:
    """What the editor shows beside the words."""

    checked: Checked
    checks: tuple[Check, ...]
    rendered: RenderedParts | None
    against: str  # "the sample values", or the case it was rendered for
    segments: Segments | None  # a text's, as rendered
    case_error: str | None = None


def segments_in_words(segments: Segments) -> str:
    """ "2 segments · GSM-7 · 161 septets" (or UCS-2, with the character that forced it)."""
    count = f"{segments.segments} segment{'' if segments.segments == 1 else 's'}"
    if segments.non_gsm is None:
        return f"{count} · GSM-7 · {segments.characters} septets"
    return (
        f"{count} · UCS-2 (because of '{segments.non_gsm}', not in GSM-7) · "
        f"{segments.characters} UTF-16 units"
    )


def _checks(
    checked: Checked,
    *,
    channel: TemplateChannel,
    first_contact: bool,
    suit_notice: bool,
    segment_limit: int | None,
) -> tuple[Check, ...]:
    traits = checked.traits
    parsed = traits is not None
    unread = "not checked: the template does not parse (see the reasons below)"
    checks = [
        Check(
            "variables",
            "Only the documented variables, filters and {% if %}",
            parsed,
            "all known" if parsed else "refused: see the reasons below",
        )
    ]
    if first_contact:
        label = "Mini-Miranda: an attempt to collect a debt … (may be a first communication)"
        said = traits.full_mini_miranda if traits else None
    else:
        label = "From a debt collector (later communications only)"
        said = traits.debt_collector_line if traits else None
    checks.append(
        Check("disclosure", label, said, unread if said is None else "said" if said else "missing")
    )
    if channel in ("sms", "email"):
        opt_out = traits.opt_out_instruction if traits else None
        label = (
            'Opt-out instructions ("Reply STOP …")'
            if channel == "sms"
            else "Opt-out link ({{ opt_out.email_link }}) in every body"
        )
        detail = unread if opt_out is None else "present" if opt_out else "missing"
        checks.append(Check("opt-out", label, opt_out, detail))
    else:
        checks.append(
            Check(
                "opt-out",
                "Opt-out instructions",
                None,
                "not required: Reg F 1006.6(e) covers texts and e-mails",
            )
        )
    if traits is None:
        checks.append(Check("suit", "No words threatening suit", None, unread))
    elif suit_notice:
        checks.append(
            Check(
                "suit",
                "No words threatening suit",
                None,
                "a suit notice: its suit words are allowed, and the gate keeps it off "
                "time-barred debts",
            )
        )
    else:
        threat = traits.threatens_suit
        checks.append(
            Check(
                "suit",
                "No words threatening suit",
                not threat,
                "suit words found" if threat else "none",
            )
        )
    if channel == "sms":
        segments = checked.segments
        limit = f"limit {segment_limit}" if segment_limit else "no limit"
        if segments is None:
            checks.append(Check("segments", "Segments", None, f"{unread}; {limit}"))
        else:
            within = segment_limit is None or segments.segments <= segment_limit
            checks.append(
                Check(
                    "segments",
                    "Segments (with the sample values)",
                    within,
                    f"{segments_in_words(segments)}; {limit}",
                )
            )
    return tuple(checks)


def find_case(db: Session, viewer: Viewer, wanted: str) -> Case:
    """The case ``wanted`` names, by id or by its client reference, among the cases
    ``viewer`` may see; LookupError says why there is none (or more than one)."""
    wanted = wanted.strip()
    if wanted.isdigit() and 1 <= int(wanted) <= MAX_ID:
        case = cases_service.case_for_viewer(db, viewer=viewer, case_id=int(wanted))
        if case is not None:
            return case
    found = cases_service.list_cases(
        db,
        viewer=viewer,
        filters=CaseFilters(q=wanted),
        page=PageRequest(page=1, size=_SAME_REFERENCE),
    ).items
    same = [case.id for case in found if case.client_reference.casefold() == wanted.casefold()]
    if len(same) > 1:
        raise LookupError(
            f"{len(same)} cases have the reference {wanted!r} (one per client): give the "
            "case's id (the number in its page's address)"
        )
    case = cases_service.case_for_viewer(db, viewer=viewer, case_id=same[0]) if same else None
    if case is None:
        raise LookupError(f"there is no case with the id or reference {wanted!r}")
    return case


def _point(case: Case, channel: TemplateChannel) -> ContactPoint:
    points = list(case.consumer.contact_points)
    for point in points:
        if point.channel is _POINT_FOR[channel]:
            return point
    if points:
        return points[0]
    raise LookupError("the case's consumer has no contact point to preview against")


def _for_case(
    db: Session,
    viewer: Viewer,
    wanted: str,
    parts: TemplateParts,
    channel: TemplateChannel,
    language: Language,
) -> tuple[RenderedParts, str]:
    case = find_case(db, viewer, wanted)
    parsed = parse_template(parts, channel=channel)
    variables = variables_for(
        case, client_name=case.client.name, point=_point(case, channel), language=language
    )
    against = f"case {case.client_reference} ({case.client.name})"
    try:
        return render(parsed, variables), against
    except ValueError as exc:  # a value of the case's beyond a variable's bound
        raise LookupError(f"{against} cannot be rendered: {exc}") from exc


def preview(
    db: Session,
    viewer: Viewer,
    *,
    parts: TemplateParts,
    channel: TemplateChannel,
    language: Language,
    first_contact: bool,
    suit_notice: bool,
    segment_limit: int | None,
    case: str = "",
) -> Preview:
    """The save-time checks of ``parts`` and its words rendered: with the sample values,
    or against the case ``case`` names (by id or reference; the checks stay those of the
    sample values, which saving applies)."""
    checked = check_template(
        parts,
        channel=channel,
        language=language,
        first_communication=first_contact,
        suit_notice=suit_notice,
        sms_segment_limit=segment_limit if channel == "sms" else None,
    )
    checks = _checks(
        checked,
        channel=channel,
        first_contact=first_contact,
        suit_notice=suit_notice,
        segment_limit=segment_limit if channel == "sms" else None,
    )
    rendered, against, case_error = checked.preview, "the sample values", None
    if case.strip() and checked.traits is not None:
        try:
            rendered, against = _for_case(db, viewer, case, parts, channel, language)
        except LookupError as exc:
            case_error = str(exc)
        except TemplateProblem as exc:
            case_error = f"with this case's values: {exc}"
    segments = count_segments(rendered.body) if rendered is not None and channel == "sms" else None
    return Preview(
        checked=checked,
        checks=checks,
        rendered=rendered,
        against=against,
        segments=segments,
        case_error=case_error,
    )
