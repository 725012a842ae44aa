"""The demo's message templates (``agency demo``): for each channel (text, e-mail, letter,
voice script) and language (en, es), a first notice, which may be the first
communication and so carries the full mini-Miranda, and a payment reminder for later
communications, which says only that it is from a debt collector (the gate then keeps it
from being a first communication).

The disclosures and the text opt-out come from their variables, in the template's
language, so each template passes the save-time checks (``template_checks``) the way an
admin's would: every one is saved through ``versions.save_version``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from sqlalchemy.orm import Session

from agency.outreach.models import MessageChannel, TemplateVersion
from agency.outreach.templating import LANGUAGES, Language
from agency.outreach.versions import TemplateDraft, save_version

FIRST_NOTICE: Final = "first-notice"
PAYMENT_REMINDER: Final = "payment-reminder"
_WHY: Final = "demo data: the agency's starting templates"

# (key, language) -> title
_TITLES: Final[Mapping[tuple[str, Language], str]] = MappingProxyType(
    {
        (FIRST_NOTICE, "en"): "First notice",
        (FIRST_NOTICE, "es"): "Primer aviso",
        (PAYMENT_REMINDER, "en"): "Payment reminder",
        (PAYMENT_REMINDER, "es"): "Recordatorio de pago",
    }
)

# (key, language) -> the words said in every channel, after its disclosure.
_WORDS: Final[Mapping[tuple[str, Language], str]] = MappingProxyType(
    {
        (FIRST_NOTICE, "en"): (
            "Hello {{ consumer.first_name }}, {{ agency.name }} has your {{ client.name }} "
            "account {{ case.reference }}, balance {{ case.balance }}. See your options at "
            "{{ self_service_link }} or call {{ agency.phone }}."
        ),
        (FIRST_NOTICE, "es"): (
            "Hola {{ consumer.first_name }}, {{ agency.name }} gestiona su cuenta "
            "{{ case.reference }} de {{ client.name }}, saldo {{ case.balance }}. Vea sus "
            "opciones en {{ self_service_link }} o llame al {{ agency.phone }}."
        ),
        (PAYMENT_REMINDER, "en"): (
            "{{ consumer.first_name }}, a reminder about account {{ case.reference }} "
            "({{ case.balance }}). Pay or set up a plan at {{ self_service_link }}."
        ),
        (PAYMENT_REMINDER, "es"): (
            "{{ consumer.first_name }}, le recordamos la cuenta {{ case.reference }} "
            "({{ case.balance }}). Pague o acuerde un plan en {{ self_service_link }}."
        ),
    }
)

_SUBJECTS: Final[Mapping[tuple[str, Language], str]] = MappingProxyType(
    {
        (FIRST_NOTICE, "en"): "Your {{ client.name }} account {{ case.reference }}",
        (FIRST_NOTICE, "es"): "Su cuenta {{ case.reference }} de {{ client.name }}",
        (PAYMENT_REMINDER, "en"): "A reminder about account {{ case.reference }}",
        (PAYMENT_REMINDER, "es"): "Recordatorio sobre la cuenta {{ case.reference }}",
    }
)

_EMAIL_OPT_OUT: Final[Mapping[Language, str]] = MappingProxyType(
    {
        "en": "To stop e-mails from us: {{ opt_out.email_link }}",
        "es": "Para dejar de recibir correos: {{ opt_out.email_link }}",
    }
)
_EMAIL_OPT_OUT_LINK: Final[Mapping[Language, str]] = MappingProxyType(
    {"en": "Stop e-mails from us", "es": "Dejar de recibir correos"}
)
_VOICE_OPENING: Final[Mapping[Language, str]] = MappingProxyType(
    {
        "en": "Hello, may I speak with {{ consumer.first_name }} {{ consumer.last_name }}?",
        "es": "Hola, ¿puedo hablar con {{ consumer.first_name }} {{ consumer.last_name }}?",
    }
)
_LETTER_CLOSING: Final[Mapping[Language, str]] = MappingProxyType(
    {"en": "Sincerely,\n{{ agency.name }}", "es": "Atentamente,\n{{ agency.name }}"}
)


def _draft(channel: MessageChannel, key: str, language: Language) -> TemplateDraft:
    first = key == FIRST_NOTICE
    disclosure = "{{ disclosure.mini_miranda }}" if first else "{{ disclosure.debt_collector }}"
    words = _WORDS[key, language]
    subject = html = None
    if channel is MessageChannel.SMS:
        body = f"{disclosure} {words} {{{{ opt_out.sms }}}}"
    elif channel is MessageChannel.EMAIL:
        subject = _SUBJECTS[key, language]
        body = f"{words}\n\n{disclosure}\n\n{_EMAIL_OPT_OUT[language]}"
        html = (
            f"<p>{words}</p>\n<p>{disclosure}</p>\n"
            f'<p><a href="{{{{ opt_out.email_link }}}}">{_EMAIL_OPT_OUT_LINK[language]}</a></p>'
        )
    elif channel is MessageChannel.LETTER:
        body = f"{{{{ today }}}}\n\n{words}\n\n{disclosure}\n\n{_LETTER_CLOSING[language]}"
    else:
        body = f"{_VOICE_OPENING[language]}\n{disclosure}\n{words}"
    return TemplateDraft(
        key=key,
        channel=channel,
        language=language,
        title=_TITLES[key, language],
        body=body,
        subject=subject,
        html=html,
        first_contact=first,
    )


DRAFTS: Final[tuple[TemplateDraft, ...]] = tuple(
    _draft(channel, key, language)
    for channel in MessageChannel
    for key in (FIRST_NOTICE, PAYMENT_REMINDER)
    for language in LANGUAGES
)
"""Every demo template: each channel, key and language."""


def save_all(db: Session) -> dict[tuple[MessageChannel, str, str], TemplateVersion]:
    """Save every demo template (its first version, saved by no user); returns each
    version by (channel, key, language)."""
    return {
        (draft.channel, draft.key, draft.language): save_version(
            db, draft=draft, why=_WHY, by_user_id=None
        )
        for draft in DRAFTS
    }
