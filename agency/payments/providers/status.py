"""What the payment settings say, for the admins' status page: the provider cards and bank
accounts go through (``configured.name``), what is configured — never a secret: the
secret key and the webhook secret are only "set" or "not set" with their mode (test or
live) — the webhook address to give Stripe, and what a half-done configuration breaks."""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import ip_address
from urllib.parse import urlsplit

from agency.config import Settings
from agency.payments.providers import configured, sandbox, webhooks

EVENTS = ("payment_intent.succeeded", "payment_intent.payment_failed", "charge.dispute.created")


@dataclass(frozen=True, slots=True)
class PaymentStatus:
    provider: str
    real: bool
    settings: tuple[tuple[str, str], ...]
    webhook_url: str
    events: tuple[str, ...]
    numbers: tuple[sandbox.SandboxNumber, ...]
    warnings: tuple[str, ...]


def _mode(key: str) -> str:
    """ "set (test mode)" / "set (live mode)" from a Stripe key's prefix; never the key."""
    if not key:
        return "not set"
    if "_test_" in key[:8]:
        return "set (test mode)"
    if "_live_" in key[:8]:
        return "set (live mode)"
    return "set"


def status(settings: Settings) -> PaymentStatus:
    name = configured.name()
    secret, public = settings.stripe_secret_key, settings.stripe_publishable_key
    hook_secret = settings.stripe_webhook_secret
    base = settings.public_url.rstrip("/")
    warnings = []
    if secret and not hook_secret:
        warnings.append(
            "Stripe's secret key is set without the webhook signing secret: every webhook "
            "is refused, so no Stripe payment is ever posted (set AGENCY_STRIPE_WEBHOOK_SECRET)."
        )
    if secret and not public:
        warnings.append(
            "Stripe's secret key is set without the publishable key: Stripe's payment form "
            "cannot open (set AGENCY_STRIPE_PUBLISHABLE_KEY)."
        )
    if public and not secret:
        warnings.append(
            "Stripe's publishable key is set without the secret key: payments still go "
            "through the sandbox (set AGENCY_STRIPE_SECRET_KEY)."
        )
    if secret and public and _mode(secret) != _mode(public):
        warnings.append("Stripe's secret and publishable keys are of different modes (test, live).")
    if secret and _unreachable(_host(base)):
        warnings.append(
            f"Payments go through Stripe but AGENCY_PUBLIC_URL is {base}, which Stripe "
            "cannot reach: its webhooks never arrive and no payment is posted."
        )
    return PaymentStatus(
        provider=name,
        real=name != sandbox.NAME,
        settings=(
            ("Secret key", _mode(secret)),
            ("Publishable key", _mode(public)),
            ("Webhook signing secret", "set" if hook_secret else "not set"),
            ("Sandbox dispute after", f"{settings.sandbox_dispute_after_seconds:g} seconds"),
        ),
        webhook_url=base + webhooks.PATH,
        events=EVENTS,
        numbers=sandbox.INSTRUMENTS,
        warnings=tuple(warnings),
    )


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def _unreachable(host: str) -> bool:
    """Whether Stripe, on the internet, cannot reach ``host`` (this machine, a private
    network, no host at all)."""
    if not host or host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_unspecified
