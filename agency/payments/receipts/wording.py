"""The words of the receipt and confirmation PDFs, in English and Spanish."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

WORDS: Final[Mapping[str, Mapping[str, str]]] = MappingProxyType(
    {
        "en": MappingProxyType(
            {
                "receipt": "Payment receipt",
                "reversed_title": "Payment receipt: payment reversed",
                "confirmation": "Confirmation of your {kind}",
                "creditor": "Creditor",
                "account": "Account",
                "consumer": "Account holder",
                "amount": "Amount",
                "received": "Date received",
                "method": "Method",
                "reference": "Payment reference",
                "allocation": "Applied to: fees {fees}, interest {interest}, principal {principal}",
                "balance_after": "Balance after this payment",
                "reversed": "This payment was reversed on {on} ({kind}): it no longer counts "
                "toward the balance, which went back up by {amount}.",
                "total": "Total of the arrangement",
                "balance": "Balance when it was made",
                "status": "Status",
                "schedule": "Your payments",
                "paid": "paid",
                "missed": "missed",
                "due": "due",
                "thanks": "Thank you for your payment.",
                "questions": "Questions: {phone}, {email}.",
            }
        ),
        "es": MappingProxyType(
            {
                "receipt": "Recibo de pago",
                "reversed_title": "Recibo de pago: pago revertido",
                "confirmation": "Confirmación de su {kind}",
                "creditor": "Acreedor",
                "account": "Cuenta",
                "consumer": "Titular de la cuenta",
                "amount": "Importe",
                "received": "Fecha de recepción",
                "method": "Forma de pago",
                "reference": "Referencia del pago",
                "allocation": "Aplicado a: cargos {fees}, intereses {interest}, capital "
                "{principal}",
                "balance_after": "Saldo después de este pago",
                "reversed": "Este pago fue revertido (reversed) el {on} ({kind}): ya no cuenta "
                "para el saldo, que volvió a subir en {amount}.",
                "total": "Total del acuerdo",
                "balance": "Saldo cuando se hizo",
                "status": "Estado",
                "schedule": "Sus pagos",
                "paid": "pagado",
                "missed": "no pagado",
                "due": "pendiente",
                "thanks": "Gracias por su pago.",
                "questions": "Preguntas: {phone}, {email}.",
            }
        ),
    }
)

STATUSES: Final[Mapping[str, Mapping[str, str]]] = MappingProxyType(
    {
        "en": MappingProxyType(
            {
                "pending": "waiting for approval",
                "active": "active",
                "kept": "kept",
                "broken": "broken",
                "cancelled": "cancelled",
                "refused": "refused",
            }
        ),
        "es": MappingProxyType(
            {
                "pending": "en espera de aprobación",
                "active": "vigente",
                "kept": "cumplido",
                "broken": "incumplido",
                "cancelled": "cancelado",
                "refused": "rechazado",
            }
        ),
    }
)
REVERSAL_KINDS: Final[Mapping[str, Mapping[str, str]]] = MappingProxyType(
    {
        "en": MappingProxyType(
            {
                "nsf": "returned unpaid: not sufficient funds",
                "returned_ach": "returned by the bank",
                "chargeback": "disputed with the card issuer",
                "correction": "posted in error",
            }
        ),
        "es": MappingProxyType(
            {
                "nsf": "devuelto sin pagar: fondos insuficientes",
                "returned_ach": "devuelto por el banco",
                "chargeback": "disputado con el emisor de la tarjeta",
                "correction": "registrado por error",
            }
        ),
    }
)
