"""Every word of the consumer's page, in English and Spanish, in one catalogue: a page
asks ``words(lang)`` and reads ``w.key`` (``w("key", name=...)`` for the ones with
blanks).  A test checks that both languages have every key."""

from __future__ import annotations

from typing import Literal

Lang = Literal["en", "es"]
LANGS: tuple[Lang, ...] = ("en", "es")
LANG_NAMES = {"en": "English", "es": "Español"}

CATALOGUE: dict[str, tuple[str, str]] = {
    # layout
    "skip": ("Skip to the content", "Saltar al contenido"),
    "language": ("Language", "Idioma"),
    "contact_us": ("Contact us", "Contáctenos"),
    "phone": ("Phone", "Teléfono"),
    "email": ("E-mail", "Correo electrónico"),
    "mail": ("Mail", "Correo postal"),
    "hours": ("Hours", "Horario"),
    "back": ("Back to your account", "Volver a su cuenta"),
    "mini_miranda": (
        "This is a communication from a debt collector. This is an attempt to collect a "
        "debt and any information obtained will be used for that purpose.",
        "Esta es una comunicación de un cobrador de deudas. Es un intento de cobrar una "
        "deuda y cualquier información obtenida se utilizará para ese fin.",
    ),
    "error_summary": ("Please correct the following:", "Corrija lo siguiente:"),
    # refused link, locked, closed
    "refused_title": ("This link does not work", "Este enlace no funciona"),
    "refused_body": (
        "The link may be incomplete or no longer valid. Call or write to us and we will "
        "send you a new one.",
        "Es posible que el enlace esté incompleto o ya no sea válido. Llámenos o "
        "escríbanos y le enviaremos uno nuevo.",
    ),
    "locked_title": ("Too many tries", "Demasiados intentos"),
    "locked_body": (
        "For your security this page is locked for an hour after several answers that "
        "did not match. You can try again after {until} (UTC), or contact us.",
        "Por su seguridad, esta página se bloquea durante una hora tras varias respuestas "
        "que no coinciden. Puede intentarlo de nuevo después de las {until} (UTC), o "
        "contactarnos.",
    ),
    "throttled_body": (
        "Too many tries from your connection. Please wait {minutes} minutes and try again.",
        "Demasiados intentos desde su conexión. Espere {minutes} minutos e inténtelo de nuevo.",
    ),
    "closed_title": ("This account is closed", "Esta cuenta está cerrada"),
    "closed_body": (
        "There is nothing to pay or change here any more. If you have a question about "
        "it, please contact us.",
        "Ya no hay nada que pagar ni cambiar aquí. Si tiene alguna pregunta, contáctenos.",
    ),
    # identity
    "identity_title": ("Confirm who you are", "Confirme su identidad"),
    "identity_intro": (
        "To protect your information, give your last name and either your date of birth "
        "or your postal code.",
        "Para proteger su información, indique su apellido y su fecha de nacimiento o su "
        "código postal.",
    ),
    "last_name": ("Last name", "Apellido"),
    "date_of_birth": ("Date of birth", "Fecha de nacimiento"),
    "date_hint": ("For example 1980-04-23", "Por ejemplo 1980-04-23"),
    "postal_code": ("Postal code", "Código postal"),
    "or": ("or", "o"),
    "continue": ("Continue", "Continuar"),
    "need_last_name": ("Enter your last name.", "Escriba su apellido."),
    "need_dob_or_postal": (
        "Enter your date of birth or your postal code.",
        "Escriba su fecha de nacimiento o su código postal.",
    ),
    "bad_date": (
        "Enter the date as year-month-day, for example 1980-04-23.",
        "Escriba la fecha como año-mes-día, por ejemplo 1980-04-23.",
    ),
    "no_match": (
        "These details do not match our records. Check them and try again.",
        "Estos datos no coinciden con nuestros registros. Revíselos e inténtelo de nuevo.",
    ),
    # landing
    "account_title": ("Your account", "Su cuenta"),
    "who_we_are": ("Who we are", "Quiénes somos"),
    "who_body": (
        "{agency} is collecting this debt on behalf of {client}.",
        "{agency} cobra esta deuda en nombre de {client}.",
    ),
    "creditor": ("Creditor", "Acreedor"),
    "original_creditor": ("Original creditor", "Acreedor original"),
    "reference": ("Account reference", "Referencia de la cuenta"),
    "for_whom": ("Account holder", "Titular de la cuenta"),
    "balance_title": ("What you owe", "Lo que debe"),
    "bucket": ("Part", "Concepto"),
    "placed": ("Placed with us", "Asignado"),
    "paid": ("Paid", "Pagado"),
    "open": ("Still owed", "Pendiente"),
    "principal": ("Principal", "Capital"),
    "interest": ("Interest", "Intereses"),
    "fees": ("Fees", "Cargos"),
    "total": ("Total", "Total"),
    "what_next": ("What you can do", "Qué puede hacer"),
    "pay_now": ("Pay now", "Pagar ahora"),
    "choose_plan": ("Choose a payment plan or settlement", "Elegir un plan de pagos o un acuerdo"),
    "dispute": ("Dispute this debt", "Disputar esta deuda"),
    "stop": ("Stop texts, e-mails or calls", "Dejar de recibir mensajes, correos o llamadas"),
    "documents": ("Documents", "Documentos"),
    "validation_notice": ("Validation notice (PDF)", "Aviso de validación (PDF)"),
    "receipt_of": ("Receipt for {amount} on {date} (PDF)", "Recibo de {amount} del {date} (PDF)"),
    "no_documents": ("No documents yet.", "Todavía no hay documentos."),
    # plan shown on the landing
    "your_plan": ("Your plan", "Su plan"),
    "plan_pending": (
        "We will confirm your plan within 1 business day.",
        "Confirmaremos su plan en un plazo de 1 día hábil.",
    ),
    "next_payment": ("Next payment: {amount} on {date}", "Próximo pago: {amount} el {date}"),
    "move_date": ("Change the next payment date", "Cambiar la fecha del próximo pago"),
    "new_date": ("New date", "Nueva fecha"),
    "move": ("Change the date", "Cambiar la fecha"),
    "moved": ("The next payment is now due on {date}.", "El próximo pago vence ahora el {date}."),
    "due": ("Due", "Vence"),
    "amount": ("Amount", "Importe"),
    # pay
    "pay_title": ("Make a payment", "Hacer un pago"),
    "pay_amount_hint": (
        "The full balance is {balance}. You may pay any amount from {minimum}.",
        "El saldo total es {balance}. Puede pagar cualquier importe desde {minimum}.",
    ),
    "pay_installment": ("Pay this installment", "Pagar esta cuota"),
    "card_number": ("Card number", "Número de tarjeta"),
    "test_card_hint": (
        "Test mode: no real card is charged. Use 4242 4242 4242 4242 for a payment that "
        "goes through.",
        "Modo de prueba: no se cobra ninguna tarjeta real. Use 4242 4242 4242 4242 para un "
        "pago aprobado.",
    ),
    "pay": ("Pay {amount}", "Pagar {amount}"),
    "pay_submit": ("Pay", "Pagar"),
    "need_amount": ("Enter the amount to pay.", "Escriba el importe a pagar."),
    "bad_amount": (
        "Enter an amount such as 25.00 (at most {digits} decimals).",
        "Escriba un importe como 25.00 (con {digits} decimales como máximo).",
    ),
    "amount_positive": (
        "The amount must be more than zero.",
        "El importe debe ser mayor que cero.",
    ),
    "amount_below_min": (
        "The smallest payment accepted is {minimum}.",
        "El pago mínimo aceptado es {minimum}.",
    ),
    "amount_over_balance": (
        "The amount is more than you owe ({balance}).",
        "El importe es mayor que lo que debe ({balance}).",
    ),
    "need_card": ("Enter the card number.", "Escriba el número de tarjeta."),
    "paid_title": ("Thank you: payment received", "Gracias: pago recibido"),
    "paid_body": (
        "We received {amount}. Your balance is now {balance}.",
        "Recibimos {amount}. Su saldo es ahora {balance}.",
    ),
    "receipt": ("Download the receipt (PDF)", "Descargar el recibo (PDF)"),
    "card_hint": (
        "Enter your card in the secure form below. Your card details go to our card "
        "processor, Stripe, never to us.",
        "Ingrese su tarjeta en el formulario seguro de abajo. Los datos de su tarjeta van a "
        "nuestro procesador de pagos, Stripe, nunca a nosotros.",
    ),
    "pay_button": ("Pay", "Pagar"),
    "declined_title": ("The payment did not go through", "El pago no se realizó"),
    "declined_body": (
        "Your card was not charged: {reason}. You can try another card.",
        "No se cobró su tarjeta: {reason}. Puede intentarlo con otra tarjeta.",
    ),
    "processing_body": (
        "Your payment is being processed. It will show on your account once confirmed.",
        "Su pago se está procesando. Aparecerá en su cuenta una vez confirmado.",
    ),
    # plan
    "plan_title": ("Choose a plan", "Elija un plan"),
    "plan_intro": (
        "Pick one of the options below. You will see every payment before you confirm.",
        "Elija una de las opciones. Verá cada pago antes de confirmar.",
    ),
    "options": ("Options", "Opciones"),
    "no_options": (
        "No plans can be offered here for this account. Please contact us.",
        "No se pueden ofrecer planes aquí para esta cuenta. Contáctenos.",
    ),
    "option_plan": (
        "{count} {frequency} payments starting {date}",
        "{count} pagos {frequency} a partir del {date}",
    ),
    "option_settlement": (
        "Settle for {amount}, paid {how}",
        "Liquidar por {amount}, pagado {how}",
    ),
    "option_promise": ("Pay {amount} on {date}", "Pagar {amount} el {date}"),
    "in_one": ("in one payment on {date}", "en un solo pago el {date}"),
    "in_count": ("in {count} {frequency} payments", "en {count} pagos {frequency}"),
    "weekly": ("weekly", "semanales"),
    "fortnightly": ("fortnightly", "quincenales"),
    "monthly": ("monthly", "mensuales"),
    "need_option": ("Choose one of the options.", "Elija una de las opciones."),
    "see_schedule": ("See the payments", "Ver los pagos"),
    "schedule_title": ("Your payments", "Sus pagos"),
    "schedule_total": ("Total: {amount}", "Total: {amount}"),
    "down_payment": ("down payment", "pago inicial"),
    "confirm_plan": ("Confirm this plan", "Confirmar este plan"),
    "other_option": ("Choose another option", "Elegir otra opción"),
    "plan_active": (
        "Your plan is set up. The first payment is {amount} on {date}.",
        "Su plan está listo. El primer pago es de {amount} el {date}.",
    ),
    "plan_confirm_title": ("Plan received", "Plan recibido"),
    "pay_first": ("Pay the first payment now", "Pagar ahora el primer pago"),
    "have_plan": (
        "You already have a plan. A new one replaces it.",
        "Ya tiene un plan. Uno nuevo lo reemplaza.",
    ),
    # dispute
    "dispute_title": ("Dispute this debt", "Disputar esta deuda"),
    "dispute_intro": (
        "Tell us in writing why you dispute this debt. You may attach a document (PDF, "
        "JPEG or PNG, at most 5 MB).",
        "Explíquenos por escrito por qué disputa esta deuda. Puede adjuntar un documento "
        "(PDF, JPEG o PNG, de 5 MB como máximo).",
    ),
    "reason": ("Your reason", "Su motivo"),
    "reason_hint": ("At most {max} characters.", "Como máximo {max} caracteres."),
    "attachment": ("Document (optional)", "Documento (opcional)"),
    "send_dispute": ("Send the dispute", "Enviar la disputa"),
    "need_reason": ("Write your reason.", "Escriba su motivo."),
    "reason_too_long": (
        "The reason is too long: at most {max} characters.",
        "El motivo es demasiado largo: como máximo {max} caracteres.",
    ),
    "file_too_large": ("The file is larger than 5 MB.", "El archivo supera los 5 MB."),
    "file_kind": (
        "The file must be a PDF, a JPEG or a PNG.",
        "El archivo debe ser un PDF, un JPEG o un PNG.",
    ),
    "disputed_title": ("Dispute received", "Disputa recibida"),
    "disputed_hold": (
        "We received your dispute. We will stop collecting this debt until we send you "
        "verification of it.",
        "Recibimos su disputa. Dejaremos de cobrar esta deuda hasta que le enviemos su "
        "verificación.",
    ),
    "disputed_body": (
        "We received your dispute and have marked the debt as disputed. We will review it "
        "and contact you.",
        "Recibimos su disputa y marcamos la deuda como disputada. La revisaremos y nos "
        "pondremos en contacto con usted.",
    ),
    # stop a channel
    "stop_title": ("Stop texts, e-mails or calls", "Dejar de recibir mensajes, correos o llamadas"),
    "stop_intro": (
        "Choose how you no longer want us to contact you. We may still write to you by "
        "mail where the law requires it.",
        "Elija cómo ya no desea que le contactemos. Es posible que le escribamos por "
        "correo postal cuando la ley lo exija.",
    ),
    "channel": ("Stop", "Dejar de recibir"),
    "stop_sms": ("Text messages", "Mensajes de texto"),
    "stop_email": ("E-mails", "Correos electrónicos"),
    "stop_call": ("Phone calls", "Llamadas telefónicas"),
    "stop_submit": ("Stop", "Confirmar"),
    "need_channel": ("Choose what to stop.", "Elija qué desea dejar de recibir."),
    "stopped_title": ("Done", "Listo"),
    "stopped_body": (
        "We will not contact you this way any more ({count} of your contact details).",
        "Ya no le contactaremos por este medio ({count} de sus datos de contacto).",
    ),
    "stopped_none": (
        "We hold no contact details of yours for this, so we will not contact you this way.",
        "No tenemos datos de contacto suyos para esto, así que no le contactaremos por este medio.",
    ),
    "refused": ("We could not do that: {reason}", "No pudimos hacerlo: {reason}"),
    "action_refused_title": ("We could not do that", "No pudimos hacerlo"),
    # why a card payment failed, by the provider's code (Stripe's decline codes)
    "decline_card_declined": ("the card was declined", "la tarjeta fue rechazada"),
    "decline_insufficient_funds": (
        "the card has insufficient funds",
        "la tarjeta no tiene fondos suficientes",
    ),
    "decline_expired_card": ("the card has expired", "la tarjeta está vencida"),
    "decline_incorrect_cvc": (
        "the security code is not right",
        "el código de seguridad no es correcto",
    ),
    "decline_incorrect_number": (
        "the card number is not right",
        "el número de la tarjeta no es correcto",
    ),
    "decline_processing_error": (
        "the card could not be processed",
        "no se pudo procesar la tarjeta",
    ),
    "decline_other": (
        "the card's issuer declined the payment",
        "el emisor de la tarjeta rechazó el pago",
    ),
}


class Words:
    """The catalogue in one language: ``w.key`` or ``w("key", blank=value)``."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang
        self._index = LANGS.index(lang)

    def __getattr__(self, key: str) -> str:
        try:
            return CATALOGUE[key][self._index]
        except KeyError:
            raise AttributeError(key) from None

    def __call__(self, key: str, **blanks: object) -> str:
        return CATALOGUE[key][self._index].format(**blanks)

    def decline(self, code: str | None) -> str:
        """Why a card payment failed, from the provider's code; a code without words of
        its own (a stolen card, fraud suspected) is the issuer's decline."""
        key = f"decline_{code}"
        return getattr(self, key) if code and key in CATALOGUE else self.decline_other


def words(lang: Lang) -> Words:
    return Words(lang)


def lang_of(value: str | None) -> Lang | None:
    return "es" if value == "es" else "en" if value == "en" else None


def locale_of(lang: Lang) -> str:
    """The locale amounts are written in (Babel's)."""
    return "es_US" if lang == "es" else "en_US"
