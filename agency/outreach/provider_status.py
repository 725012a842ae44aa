"""What the provider settings say, for the admins' status page: per channel, the provider
a new message goes through (``providers.name_for``) and what is configured for it —
never a secret (the auth token and the SMTP password are only "set" or "not set", the
account SID is masked) — the webhook addresses to give Twilio, and, in words, what a
half-done configuration breaks."""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import ip_address
from urllib.parse import unquote, urlsplit

from fastapi.routing import APIRoute

from agency.config import Settings
from agency.outreach import providers, webhooks
from agency.outreach.models import MessageChannel
from agency.outreach.senders import agency_numbers, e164

PROVIDER_WORDS = {
    "sandbox": "Sandbox: the outbox records exactly what would be sent; nothing leaves",
    "twilio": "Twilio (real)",
    "smtp": "SMTP server (real)",
    "print": "Print batches: each letter a PDF, merged once a day with a CSV manifest for "
    "the print vendor (download them on Letters)",
}
# Click-to-call with a Twilio account but no caller id.
VOICE_OFF = "off"


def _unreachable(host: str) -> bool:
    """Whether a provider on the internet cannot reach ``host`` (this machine, a private
    network, no host at all)."""
    if not host or host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_unspecified


@dataclass(frozen=True, slots=True)
class ChannelStatus:
    channel: str
    provider: str
    real: bool
    words: str
    settings: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Webhook:
    url: str
    what: str


@dataclass(frozen=True, slots=True)
class Status:
    channels: tuple[ChannelStatus, ...]
    public_url: str
    webhooks: tuple[Webhook, ...]
    warnings: tuple[str, ...] = field(default=())


def masked_sid(sid: str) -> str:
    """A Twilio SID recognisable, not usable: ``AC…1f2e``."""
    if not sid:
        return "not set"
    return f"{sid[:2]}…{sid[-4:]}" if len(sid) > 8 else "…"


def _set(value: str) -> str:
    return "set" if value else "not set"


@dataclass(frozen=True, slots=True)
class _Smtp:
    scheme: str
    host: str
    port: int
    user: str | None
    has_password: bool


def _smtp(url: str) -> _Smtp | None:
    """The SMTP URL's parts (the password only as whether there is one); None when it
    is not an smtp:// or smtps:// URL with a host."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        return None
    return _Smtp(
        scheme=parts.scheme,
        host=parts.hostname,
        port=port or (465 if parts.scheme == "smtps" else 25),
        user=unquote(parts.username) if parts.username else None,
        has_password=bool(parts.password),
    )


def _sms(settings: Settings, provider: str) -> tuple[ChannelStatus, list[str]]:
    warnings: list[str] = []
    sid, token = settings.twilio_account_sid, settings.twilio_auth_token
    numbers = agency_numbers()
    service = settings.twilio_messaging_service_sid
    shown = (
        ("Account SID", masked_sid(sid)),
        ("Auth token", _set(token)),
        ("Messaging Service SID", service or "not set"),
        ("Agency's numbers", ", ".join(numbers) if numbers else "none"),
    )
    if sid and not token:
        warnings.append(
            "Twilio's account SID is set without its auth token: texts go to Twilio and "
            "fail, and every webhook is refused (set AGENCY_TWILIO_AUTH_TOKEN)."
        )
    if token and not sid:
        warnings.append(
            "Twilio's auth token is set without the account SID: texts still go through "
            "the sandbox (set AGENCY_TWILIO_ACCOUNT_SID)."
        )
    if sid and not sid.startswith("AC"):
        warnings.append(
            "Twilio's account SID should start with AC: check AGENCY_TWILIO_ACCOUNT_SID."
        )
    if service and not service.startswith("MG"):
        warnings.append(
            "The Messaging Service SID should start with MG: check "
            "AGENCY_TWILIO_MESSAGING_SERVICE_SID."
        )
    if provider == "twilio" and not service and not numbers:
        warnings.append(
            "Texts go through Twilio with neither a Messaging Service nor a pool of "
            "numbers: only clients with their own numbers (Client senders) can text; "
            "set AGENCY_TWILIO_MESSAGING_SERVICE_SID or AGENCY_TWILIO_FROM_NUMBERS."
        )
    bad = [number for number in numbers if e164(number) != number]
    if bad:
        warnings.append(
            "AGENCY_TWILIO_FROM_NUMBERS holds numbers that are not E.164 (+13125550100): "
            + ", ".join(bad)
            + "."
        )
    status = ChannelStatus("sms", provider, provider != "sandbox", PROVIDER_WORDS[provider], shown)
    return status, warnings


def _email(settings: Settings, provider: str) -> tuple[ChannelStatus, list[str]]:
    warnings: list[str] = []
    shown: tuple[tuple[str, str], ...] = (("SMTP URL", "not set"),)
    if settings.smtp_url:
        smtp = _smtp(settings.smtp_url)
        if smtp is None:
            shown = (("SMTP URL", "set, but not smtp://host:port or smtps://host:port"),)
            warnings.append(
                "AGENCY_SMTP_URL is not smtp://user:password@host:port or smtps://…: "
                "every e-mail will fail."
            )
        else:
            tls = (
                "TLS from the start (smtps)"
                if smtp.scheme == "smtps"
                else "STARTTLS when the server offers it"
            )
            shown = (
                ("Host", smtp.host),
                ("Port", str(smtp.port)),
                ("TLS", tls),
                ("User", smtp.user or "none (no sign-in)"),
                ("Password", _set("x" if smtp.has_password else "")),
            )
            if smtp.user and not smtp.has_password:
                warnings.append("The SMTP URL names a user without a password.")
    status = ChannelStatus(
        "email", provider, provider != "sandbox", PROVIDER_WORDS[provider], shown
    )
    return status, warnings


def _voice(settings: Settings) -> tuple[ChannelStatus, list[str]]:
    name = providers.voice_name()
    shown = (("Caller id", settings.twilio_voice_from or "not set"),)
    if name is None:
        words = "Off: no click-to-call (Twilio's account is set, its caller id is not)"
        warning = (
            "Click-to-call is off: Twilio's account is set but AGENCY_TWILIO_VOICE_FROM "
            "is not (the number Twilio calls the agent and the consumer from)."
        )
        return ChannelStatus("voice", VOICE_OFF, False, words, shown), [warning]
    return ChannelStatus("voice", name, name != "sandbox", PROVIDER_WORDS[name], shown), []


def _webhooks(base: str) -> tuple[Webhook, ...]:
    """Every Twilio webhook this server answers, with what its endpoint says it is."""
    found = []
    for route in webhooks.router.routes:
        if isinstance(route, APIRoute):
            what = (route.endpoint.__doc__ or "").strip().split("\n\n")[0]
            found.append(Webhook(url=base + route.path, what=" ".join(what.split())))
    return tuple(found)


def status(settings: Settings) -> Status:
    """The configuration as the status page shows it."""
    sms, warnings = _sms(settings, providers.name_for(MessageChannel.SMS))
    email, email_warnings = _email(settings, providers.name_for(MessageChannel.EMAIL))
    warnings += email_warnings
    letter = ChannelStatus(
        "letter",
        providers.PRINT,
        True,
        PROVIDER_WORDS[providers.PRINT],
        (("Daily batch from", f"{settings.letter_batch_hour:02d}:00 {settings.time_zone}"),),
    )
    voice, voice_warnings = _voice(settings)
    warnings += voice_warnings
    base = settings.public_url.rstrip("/")
    try:
        parts = urlsplit(base)
        host = parts.hostname or ""
    except ValueError:
        parts, host = None, ""
    local = _unreachable(host)
    if sms.real and local:
        warnings.append(
            f"Texts go through Twilio but AGENCY_PUBLIC_URL is {base}, which Twilio cannot "
            "reach: status callbacks and incoming texts never arrive, and their signatures "
            "are checked against the wrong address. Set it to the address the public "
            "reaches this server at (https://…)."
        )
    elif sms.real and parts is not None and parts.scheme != "https":
        warnings.append(
            f"AGENCY_PUBLIC_URL is {base}, not https: Twilio's callbacks and the links in "
            "messages travel unencrypted."
        )
    if email.real and local:
        warnings.append(
            f"E-mails go out for real but AGENCY_PUBLIC_URL is {base}: their opt-out and "
            "self-service links point at a machine the consumer cannot reach."
        )
    return Status(
        channels=(sms, email, letter, voice),
        public_url=base,
        webhooks=_webhooks(base),
        warnings=tuple(warnings),
    )
