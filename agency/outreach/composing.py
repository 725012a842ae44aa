"""A stored template's newest version made into one case's message: the variables from
the case (``templating.build_variables``), rendered, counted, with the version's traits
for the gate (``outbox.Draft``)."""

from __future__ import annotations

from agency.cases.models import Case, ContactPoint
from agency.config import get_settings
from agency.kit import clock, signed
from agency.kit.money import Money
from agency.outreach import outbox, versions
from agency.outreach.models import MessageTemplate, TemplateVersion
from agency.outreach.opt_out import opt_out_url
from agency.outreach.payment_words import ArrangementFacts, PaymentFacts
from agency.outreach.segments import count_segments
from agency.outreach.templating import (
    AgencyContact,
    Language,
    RenderedParts,
    TemplateParts,
    build_variables,
    parse_template,
    render,
)

SELF_SERVICE = "self-service"


def agency_contact() -> AgencyContact:
    settings = get_settings()
    return AgencyContact(
        name=settings.agency_name,
        phone=settings.agency_phone,
        email=settings.agency_email,
        address=settings.agency_address,
        hours=settings.agency_hours,
        website=settings.public_url,
    )


def self_service_url(*, case_id: int, consumer_id: int) -> str:
    """The consumer's signed link to their own page for case ``case_id`` (the page
    itself comes with payments' self-service screens): printed on letters too."""
    token = signed.sign(SELF_SERVICE, {"case": case_id, "consumer": consumer_id})
    return f"{get_settings().public_url.rstrip('/')}/pay/{token}"


def self_service_link(case: Case) -> str:
    """``self_service_url`` of ``case``."""
    return self_service_url(case_id=case.id, consumer_id=case.consumer_id)


def variables_for(
    case: Case,
    *,
    client_name: str,
    point: ContactPoint,
    language: Language,
    payment: PaymentFacts | None = None,
    arrangement: ArrangementFacts | None = None,
) -> dict[str, str | dict[str, str]]:
    """The variables of a message about ``case`` to ``point``; ``payment`` and
    ``arrangement`` for a receipt and a plan confirmation."""
    return build_variables(
        language=language,
        first_name=case.first_name,
        last_name=case.last_name,
        reference=case.client_reference,
        principal=Money(case.principal_minor, case.currency),
        interest=Money(case.interest_minor, case.currency),
        fees=Money(case.fees_minor, case.currency),
        creditor=case.current_creditor or client_name,
        original_creditor=case.original_creditor,
        client_name=client_name,
        agency=agency_contact(),
        self_service_link=self_service_link(case),
        opt_out_email_link=opt_out_url(consumer_id=case.consumer_id, contact_point_id=point.id),
        today=clock.now().astimezone(clock.office_zone()).date(),
        payment=payment,
        arrangement=arrangement,
    )


def rendered(
    version: TemplateVersion,
    template: MessageTemplate,
    *,
    case: Case,
    client_name: str,
    point: ContactPoint,
    payment: PaymentFacts | None = None,
    arrangement: ArrangementFacts | None = None,
) -> RenderedParts:
    parsed = parse_template(
        TemplateParts(subject=version.subject, body=version.body, html=version.html),
        channel=template.channel.value,
    )
    language: Language = "es" if template.language == "es" else "en"
    variables = variables_for(
        case,
        client_name=client_name,
        point=point,
        language=language,
        payment=payment,
        arrangement=arrangement,
    )
    return render(parsed, variables)


def draft_for(
    version: TemplateVersion,
    template: MessageTemplate,
    *,
    case: Case,
    client_name: str,
    point: ContactPoint,
    payment: PaymentFacts | None = None,
    arrangement: ArrangementFacts | None = None,
) -> outbox.Draft:
    """The message ``version`` says to this case's consumer at ``point`` (with a
    receipt's ``payment``, a confirmation's ``arrangement``)."""
    words = rendered(
        version,
        template,
        case=case,
        client_name=client_name,
        point=point,
        payment=payment,
        arrangement=arrangement,
    )
    return outbox.Draft(
        channel=template.channel,
        subject=words.subject,
        body=words.body,
        html=words.html,
        segments=count_segments(words.body).segments if template.channel.value == "sms" else None,
        gate_template=versions.gate_template(template, version),
        template_version_id=version.id,
    )
