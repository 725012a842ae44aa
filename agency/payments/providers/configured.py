"""Which payment provider charges cards and bank accounts, from the settings: Stripe with
its secret key set, else the sandbox (``make run``).  One instance per process (the
SDK's HTTP client keeps its connections); ``install`` is the seam where a deployment
puts Stripe behind its own HTTP client (a proxy), and tests a fake one."""

from __future__ import annotations

import threading

from agency.config import get_settings
from agency.payments.providers.base import PaymentProvider
from agency.payments.providers.sandbox import SandboxProvider
from agency.payments.providers.stripe_provider import NAME as STRIPE
from agency.payments.providers.stripe_provider import StripeProvider

_lock = threading.Lock()
_instances: dict[str, PaymentProvider] = {}


def name() -> str:
    """``stripe`` with a Stripe secret key set, else ``sandbox``."""
    return STRIPE if get_settings().stripe_secret_key else "sandbox"


def is_sandbox() -> bool:
    return name() == "sandbox"


def provider() -> PaymentProvider:
    """The configured provider."""
    wanted = name()
    with _lock:
        found = _instances.get(wanted)
        if found is None:
            found = _instances[wanted] = _make(wanted)
        return found


def _make(wanted: str) -> PaymentProvider:
    if wanted == STRIPE:
        return StripeProvider(get_settings().stripe_secret_key)
    return SandboxProvider()


def install(instance: PaymentProvider) -> None:
    """Use ``instance`` for its provider name in this process."""
    with _lock:
        _instances[instance.name] = instance


def forget() -> None:
    """Drop the instances (the settings changed: the next payment builds them again)."""
    with _lock:
        _instances.clear()
