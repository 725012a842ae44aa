"""A contact value shown to someone who may recognise it but not use it (officers' screens,
the evidence bundle, the case page's ledger lines)."""

from __future__ import annotations


def mask_contact(channel: str, value: str | None) -> str:
    """A contact value an officer can recognise but not use: the last 4 digits of a phone
    number, the first letter and the domain of an e-mail address, the last 4 characters
    of a postal address."""
    if not value:
        return ""
    if channel == "email" and "@" in value:
        local, _, domain = value.rpartition("@")
        return f"{local[:1]}…@{domain}"
    if channel == "phone":
        digits = "".join(ch for ch in value if ch.isdigit())
        return "…" + digits[-4:] if digits else "…"
    tail = value.strip()[-4:]
    return "…" + tail
