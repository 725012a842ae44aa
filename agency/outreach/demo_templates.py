"""The demo's message templates (``agency demo``): for each channel (text, e-mail, letter,
voice script) and language (en, es), a first notice, which may be the first
communication and so carries the full mini-Miranda, and a payment reminder for later
communications, which says only that it is from a debt collector (the gate then keeps it
from being a first communication).  For texts and e-mails besides, the payment receipt
and the plan confirmation payments sends (``agency.payments.receipts``): they carry the
full mini-Miranda, since a payment may come before any other communication (a direct
payment the client reports).

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
PAYMENT_RECEIPT: Final = "payment-receipt"
PLAN_CONFIRMATION: Final = "plan-confirmation"
# The keys sent with the full mini-Miranda (they may be a first communication).
_FIRST: Final = frozenset({FIRST_NOTICE, PAYMENT_RECEIPT, PLAN_CONFIRMATION})
_WHY: Final = "demo data: the agency's starting templates"

# (key, language) -> title
_TITLES: Final[Mapping[tuple[str, Language], str]] = MappingProxyType(
    {
        (FIRST_NOTICE, "en"): "First notice",
        (FIRST_NOTICE, "es"): "Primer aviso",
        (PAYMENT_REMINDER, "en"): "Payment reminder",
        (PAYMENT_REMINDER, "es"): "Recordatorio de pago",
        (PAYMENT_RECEIPT, "en"): "Payment receipt",
        (PAYMENT_RECEIPT, "es"): "Recibo de pago",
        (PLAN_CONFIRMATION, "en"): "Plan confirmation",
        (PLAN_CONFIRMATION, "es"): "Confirmación del plan",
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
        (PAYMENT_RECEIPT, "en"): (
            "{{ consumer.first_name }}, thank you: we received your payment of "
            "{{ payment.amount }} on {{ payment.date }} ({{ payment.method }}"
            "{% if payment.reference %}, reference {{ payment.reference }}{% endif %}) "
            "for account {{ case.reference }}. Remaining balance: {{ payment.balance_after }}. "
            "Your receipt: {{ self_service_link }}"
        ),
        (PAYMENT_RECEIPT, "es"): (
            "{{ consumer.first_name }}, gracias: recibimos su pago de {{ payment.amount }} "
            "el {{ payment.date }} ({{ payment.method }}"
            "{% if payment.reference %}, referencia {{ payment.reference }}{% endif %}) "
            "para la cuenta {{ case.reference }}. Saldo pendiente: {{ payment.balance_after }}. "
            "Su recibo: {{ self_service_link }}"
        ),
        (PLAN_CONFIRMATION, "en"): (
            "{{ consumer.first_name }}, your {{ arrangement.kind }} for account "
            "{{ case.reference }} is set up: {{ arrangement.installments }} payment(s), "
            "{{ arrangement.total }} in all. Next payment: {{ arrangement.next_amount }} on "
            "{{ arrangement.next_date }}. See it or change the date at {{ self_service_link }}"
        ),
        (PLAN_CONFIRMATION, "es"): (
            "{{ consumer.first_name }}, su {{ arrangement.kind }} para la cuenta "
            "{{ case.reference }} quedó registrado: {{ arrangement.installments }} pago(s), "
            "{{ arrangement.total }} en total. Siguiente pago: {{ arrangement.next_amount }} el "
            "{{ arrangement.next_date }}. Véalo o cambie la fecha en {{ self_service_link }}"
        ),
    }
)

_SUBJECTS: Final[Mapping[tuple[str, Language], str]] = MappingProxyType(
    {
        (FIRST_NOTICE, "en"): "Your {{ client.name }} account {{ case.reference }}",
        (FIRST_NOTICE, "es"): "Su cuenta {{ case.reference }} de {{ client.name }}",
        (PAYMENT_REMINDER, "en"): "A reminder about account {{ case.reference }}",
        (PAYMENT_REMINDER, "es"): "Recordatorio sobre la cuenta {{ case.reference }}",
        (PAYMENT_RECEIPT, "en"): "Your payment on account {{ case.reference }}",
        (PAYMENT_RECEIPT, "es"): "Su pago en la cuenta {{ case.reference }}",
        (PLAN_CONFIRMATION, "en"): "Your {{ arrangement.kind }} for account {{ case.reference }}",
        (PLAN_CONFIRMATION, "es"): "Su {{ arrangement.kind }} para la cuenta {{ case.reference }}",
    }
)
# An e-mail's confirmation lists every payment.
_EMAIL_SCHEDULE: Final[Mapping[Language, str]] = MappingProxyType(
    {
        "en": "Your payments: {{ arrangement.schedule }}",
        "es": "Sus pagos: {{ arrangement.schedule }}",
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
    first = key in _FIRST
    disclosure = "{{ disclosure.mini_miranda }}" if first else "{{ disclosure.debt_collector }}"
    words = _WORDS[key, language]
    subject = html = None
    if channel is MessageChannel.SMS:
        body = f"{disclosure} {words} {{{{ opt_out.sms }}}}"
    elif channel is MessageChannel.EMAIL:
        if key == PLAN_CONFIRMATION:
            words = f"{words}\n\n{_EMAIL_SCHEDULE[language]}"
        subject = _SUBJECTS[key, language]
        body = f"{words}\n\n{disclosure}\n\n{_EMAIL_OPT_OUT[language]}"
        paragraphs = "".join(f"<p>{part}</p>\n" for part in words.split("\n\n"))
        html = (
            f"{paragraphs}<p>{disclosure}</p>\n"
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
) + tuple(
    _draft(channel, key, language)
    for channel in (MessageChannel.SMS, MessageChannel.EMAIL)
    for key in (PAYMENT_RECEIPT, PLAN_CONFIRMATION)
    for language in LANGUAGES
)
"""Every demo template: each channel, key and language (receipts and confirmations by
text and e-mail only)."""


def save_all(db: Session) -> dict[tuple[MessageChannel, str, str], TemplateVersion]:
    """Save every demo template (its first version, saved by no user); returns each
    version by (channel, key, language)."""
    return {
        (draft.channel, draft.key, draft.language): save_version(
            db, draft=draft, why=_WHY, by_user_id=None
        )
        for draft in DRAFTS
    }
