"""E-mail over SMTP with the standard library (``smtplib``, ``email.message``).

Each message has a text and an HTML part, the client's From and Reply-To, a Message-ID
we chose (so a resend after a crash is recognisably the same message), and the RFC 8058
one-click unsubscribe headers (``List-Unsubscribe`` with the signed opt-out URL,
``List-Unsubscribe-Post``), and the files it carries (a validation notice's PDF).
``AGENCY_SMTP_URL`` is ``smtp://user:password@host:port`` (STARTTLS whenever the server
offers it) or ``smtps://…`` (TLS from the start).
"""

from __future__ import annotations

import smtplib
import ssl
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import unquote, urlsplit

from agency.kit import clock
from agency.outreach.channels.base import Outgoing, ProviderError, Sent

TIMEOUT_SECONDS = 30


class SmtpEmail:
    name = "smtp"

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("AGENCY_SMTP_URL must be smtp://host:port or smtps://host:port")
        self.implicit_tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.implicit_tls else 25)
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None

    def send(self, outgoing: Outgoing) -> Sent:
        message = compose(outgoing)
        try:
            with self._connect() as smtp:
                if not self.implicit_tls and smtp.has_extn("starttls"):
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                if self.user is not None:
                    smtp.login(self.user, self.password or "")
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise ProviderError(
                f"the mail server refused the recipient ({codes[0] if codes else 'no code'})",
                transient=all(400 <= code < 500 for code in codes),
            ) from exc
        except smtplib.SMTPResponseException as exc:
            raise ProviderError(
                f"the mail server answered {exc.smtp_code}", transient=exc.smtp_code < 500
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise ProviderError(
                f"the mail server could not be reached: {type(exc).__name__}", transient=True
            ) from exc
        return Sent(provider_id=outgoing.key, provider_status="sent")

    def look_up(self, outgoing: Outgoing, *, since: datetime) -> Sent | None:
        # SMTP cannot be asked: the message goes again under the same Message-ID.
        return None

    def _connect(self) -> smtplib.SMTP:
        if self.implicit_tls:
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=TIMEOUT_SECONDS, context=ssl.create_default_context()
            )
        return smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_SECONDS)


def compose(outgoing: Outgoing) -> EmailMessage:
    """The e-mail as it goes on the wire: headers, the text part, then the HTML part, and
    any attachments after them (the message becomes multipart/mixed)."""
    message = EmailMessage()
    message["Message-ID"] = f"<{outgoing.key}>"
    message["Date"] = format_datetime(clock.now())
    message["From"] = outgoing.sender or ""
    message["To"] = outgoing.to
    message["Subject"] = outgoing.subject or ""
    for name, value in outgoing.headers.items():
        message[name] = value
    message.set_content(outgoing.body)
    if outgoing.html:
        message.add_alternative(outgoing.html, subtype="html")
    for attached in outgoing.attachments:
        maintype, _, subtype = attached.content_type.partition("/")
        message.add_attachment(
            attached.content, maintype=maintype, subtype=subtype, filename=attached.file_name
        )
    return message
