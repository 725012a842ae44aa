"""Which provider each channel uses, from the settings, and what it is handed.

With Twilio's account SID and auth token set, texts go through Twilio, and with an SMTP
URL e-mails through that server; otherwise each channel goes through the sandbox, which
records in the outbox exactly what would be sent and moves its status as a real provider
would (``channels.sandbox``).  Letters are ``print``: no adapter is called; each waits,
its PDF made, for the day's print batch, which the print vendor takes (``letters``).
"""

from __future__ import annotations

import threading

from agency.config import get_settings
from agency.outreach.channels.base import Attachment, Outgoing, Provider
from agency.outreach.channels.sandbox import Sandbox
from agency.outreach.channels.smtp_email import SmtpEmail
from agency.outreach.channels.twilio_sms import TwilioSms
from agency.outreach.channels.twilio_voice import TwilioVoice
from agency.outreach.channels.voice import SandboxVoice, VoiceProvider
from agency.outreach.models import MessageChannel, OutboxMessage
from agency.outreach.opt_out import opt_out_url
from agency.outreach.senders import Sender

SMS_STATUS_PATH = "/webhooks/twilio/sms-status"
PRINT = "print"
# Providers whose messages wait, ``sending``, for something other than a provider's
# answer (a letter for its print batch): never looked up, never sent again.
WAITING = (PRINT,)
_lock = threading.Lock()
_providers: dict[str, Provider] = {}
_voices: dict[str, VoiceProvider] = {}


def name_for(channel: MessageChannel) -> str:
    """The provider a new message of ``channel`` goes through."""
    settings = get_settings()
    if channel is MessageChannel.SMS and settings.twilio_account_sid:
        return "twilio"
    if channel is MessageChannel.EMAIL and settings.smtp_url:
        return "smtp"
    if channel is MessageChannel.LETTER:
        return PRINT
    return "sandbox"


def provider(name: str) -> Provider:
    """The provider called ``name`` (one instance per process: the SDK's HTTP client
    keeps its connections)."""
    with _lock:
        found = _providers.get(name)
        if found is None:
            found = _providers[name] = _make(name)
        return found


def install(name: str, instance: Provider) -> None:
    """Use ``instance`` for ``name`` in this process: the seam where a deployment puts a
    provider behind its own HTTP client (a proxy), and tests a fake one."""
    with _lock:
        _providers[name] = instance


def forget() -> None:
    """Drop the instances (settings changed: the next message builds them again)."""
    with _lock:
        _providers.clear()
        _voices.clear()


def voice_name() -> str | None:
    """The provider a click-to-call goes through: Twilio with its account, auth token and
    the voice caller id set; the sandbox with no Twilio account at all; None (no
    click-to-call) with a Twilio account but no caller id — a live deployment's calls
    are never played by the sandbox."""
    settings = get_settings()
    if not settings.twilio_account_sid:
        return "sandbox"
    if settings.twilio_auth_token and settings.twilio_voice_from:
        return "twilio"
    return None


def voice(name: str) -> VoiceProvider:
    """The voice provider called ``name`` (one instance per process)."""
    with _lock:
        found = _voices.get(name)
        if found is None:
            found = _voices[name] = _make_voice(name)
        return found


def install_voice(name: str, instance: VoiceProvider) -> None:
    """``install`` for the voice provider ``name``."""
    with _lock:
        _voices[name] = instance


def _make_voice(name: str) -> VoiceProvider:
    settings = get_settings()
    if name == "twilio":
        return TwilioVoice(
            account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token,
            caller_id=settings.twilio_voice_from,
        )
    if name == "sandbox":
        return SandboxVoice()
    raise LookupError(f"no voice provider called {name!r}")


def _make(name: str) -> Provider:
    settings = get_settings()
    if name == "twilio":
        return TwilioSms(
            account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token,
            messaging_service_sid=settings.twilio_messaging_service_sid,
        )
    if name == "smtp":
        return SmtpEmail(settings.smtp_url)
    if name == "sandbox":
        return Sandbox()
    raise LookupError(f"no provider called {name!r}")


def pool_number(message: OutboxMessage, sender: Sender) -> str | None:
    """The number a text leaves from: one of the client's pool, by the message's id (so
    consecutive texts spread over the pool, and a retry keeps its number)."""
    pool = sender.sms_numbers
    if message.channel is not MessageChannel.SMS or not pool:
        return None
    return pool[message.id % len(pool)]


def paced_number(message: OutboxMessage, sender: Sender) -> str | None:
    """The number whose pace a text must keep (``pacing``): its pool number, unless a
    Messaging Service sends it (Twilio paces the numbers inside one itself)."""
    if get_settings().twilio_messaging_service_sid:
        return None
    return pool_number(message, sender)


def outgoing(
    message: OutboxMessage,
    *,
    valid_for_seconds: int | None,
    sender: Sender,
    attachments: tuple[Attachment, ...] = (),
) -> Outgoing:
    """What the provider is handed for ``message``: a text's number from the client's pool
    (``pool_number``) and where Twilio reports status; an e-mail's From, Reply-To and
    one-click unsubscribe headers (RFC 8058), and the files kept for it
    (``attachments``: its validation notice's PDF)."""
    settings = get_settings()
    if message.channel is MessageChannel.SMS:
        return Outgoing(
            key=message.message_key,
            to=message.to_address,
            body=message.body,
            sender=pool_number(message, sender),
            status_callback=settings.public_url.rstrip("/") + SMS_STATUS_PATH,
            valid_for_seconds=valid_for_seconds,
        )
    headers = {}
    if message.channel is MessageChannel.EMAIL:
        link = opt_out_url(
            consumer_id=message.consumer_id, contact_point_id=message.contact_point_id
        )
        headers = {
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        if sender.reply_to:
            headers["Reply-To"] = sender.reply_to
    return Outgoing(
        key=message.message_key,
        to=message.to_address,
        body=message.body,
        sender=sender.email_from,
        subject=message.subject,
        html=message.html,
        valid_for_seconds=valid_for_seconds,
        headers=headers,
        attachments=attachments if message.channel is MessageChannel.EMAIL else (),
    )
