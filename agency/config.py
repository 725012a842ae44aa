"""Settings, read once from the environment (prefix ``AGENCY_``).

Every setting has an embedded default so that ``make run`` works on a bare machine:
a SQLite file under ``var/`` and Celery jobs run in-process.  Setting
``AGENCY_DATABASE_URL`` (PostgreSQL) and ``AGENCY_BROKER_URL`` (Redis) switches to the
real deployment without any other change.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from functools import lru_cache
from ipaddress import ip_network
from pathlib import Path
from typing import Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"


def _stored_secret(name: str, make: Callable[[], str] = lambda: secrets.token_urlsafe(48)) -> str:
    """A per-installation secret kept in ``var/<name>`` so it survives restarts."""
    path = VAR / name
    if path.exists():
        return path.read_text().strip()
    VAR.mkdir(parents=True, exist_ok=True)
    value = make()
    path.write_text(value)
    path.chmod(0o600)
    return value


_KEY_ID = re.compile(r"[A-Za-z0-9._-]{1,32}")
LEDGER_SECRET_MIN = 32


def key_pairs(value: str) -> list[tuple[str, str]]:
    """``id:secret`` pairs, comma-separated (the ledger key settings), as (id, secret).

    ValueError says which part is wrong, never echoing a secret."""
    pairs = []
    for number, part in enumerate((p.strip() for p in value.split(",") if p.strip()), 1):
        key_id, colon, secret = part.partition(":")
        if not colon or not _KEY_ID.fullmatch(key_id):
            raise ValueError(
                f"key {number} must be id:secret, the id 1-32 letters, digits, '.', '_' or '-'"
            )
        if len(secret) < LEDGER_SECRET_MIN:
            raise ValueError(f"key {key_id!r}: the secret must be {LEDGER_SECRET_MIN}+ characters")
        pairs.append((key_id, secret))
    return pairs


class Settings(BaseSettings):
    # A refused value is not repeated in the error: it may be a secret.
    model_config = SettingsConfigDict(
        env_prefix="AGENCY_", env_file=".env", extra="ignore", hide_input_in_errors=True
    )

    database_url: str = f"sqlite:///{VAR / 'agency.sqlite3'}"
    broker_url: str = Field(
        default="memory://",
        description="Celery broker; memory:// runs jobs in-process (eager) with embedded beat",
    )
    secret_key: str = Field(default_factory=lambda: _stored_secret("secret_key"), repr=False)
    # Keys the hashes of national ids.  Separate from secret_key, which may be rotated;
    # changing this one makes earlier consumers unmatchable by national id.
    pii_key: str = Field(default_factory=lambda: _stored_secret("pii_key"), repr=False)
    # Seals the contact ledger (HMAC-SHA256 of each entry), its checkpoints and alarms:
    # ``id:secret``.  Keep it outside the database.  Rotation: a new id:secret here, the
    # old pair appended to ledger_retired_keys (entries name the key that sealed them).
    ledger_key: str = Field(
        default_factory=lambda: _stored_secret(
            "ledger_key", make=lambda: f"k1:{secrets.token_urlsafe(48)}"
        ),
        repr=False,
    )
    ledger_retired_keys: str = Field(default="", repr=False)
    # Where signed checkpoints of the ledger's chains and the write journal are kept:
    # storage the database's administrators cannot write.
    ledger_checkpoint_dir: Path = VAR / "ledger-checkpoints"
    upload_dir: Path = VAR / "uploads"
    # Request bodies: a file upload, an API push of accounts, and every other request
    # (forms, sign-in, JSON actions), each refused (413) while it is still arriving.
    max_upload_mb: int = 200
    max_push_mb: int = 32
    max_form_kb: int = 256
    # What a referral file may hold (docs/referrals.md, "Limits"): a file beyond them is
    # refused with the reason before it is read whole.  The standard has 48 fields; the
    # widest merchant exports seen have a few hundred columns.
    max_file_columns: int = 500
    max_file_rows: int = 2_000_000
    # XLSX is a ZIP of XML: its parts unpacked, in all, and its shared strings, which are
    # held in memory whole (about 3.5 bytes of memory per byte of XML: ~115 MB at 32).
    max_xlsx_unpacked_mb: int = 1024
    max_xlsx_strings_mb: int = 32
    # Checking a file for its preview runs in a child process, killed past this time or
    # refused past this memory (beyond the interpreter's own): a hostile file cannot
    # hold the server, and the server's other requests keep its interpreter meanwhile.
    file_check_seconds: int = 120
    file_check_memory_mb: int = 1024
    # An upload previewed but never confirmed: its stored copy is deleted after this long
    # (72 hours: a file uploaded on a Friday can still be confirmed on Monday).
    preview_retention_hours: int = 72
    placement_batch_rows: int = 5000
    # PostgreSQL connections each server or worker process keeps open.  A request beyond
    # them opens an extra connection and closes it afterwards (a new backend process each
    # time, and no prepared statements): keep it at least the concurrent requests one
    # process serves.  Extras are capped so one process never holds more than 40, the
    # worker threads that run requests.
    database_pool_size: int = 20
    # How long a statement may wait for a lock, and run, before it is cancelled: a
    # request then answers 503 with Retry-After instead of hanging (0: no limit).
    database_lock_timeout_seconds: float = 5
    database_statement_timeout_seconds: float = 30
    host: str = "127.0.0.1"
    port: int = 8000
    # On SIGTERM the server stops accepting, lets requests in flight finish for at most
    # this long, then cancels what is left and exits.
    shutdown_grace_seconds: int = 20
    # Cookies are Secure unless told otherwise; `make run` serves plain http on localhost.
    secure_cookies: bool = True
    session_hours: int = 12
    session_idle_minutes: int = 60
    # Password hashes (argon2: ~64 MiB and a core each) one server process computes at
    # once; more sign-ins wait for a slot (agency.auth.hashing).
    password_hash_concurrency: int = Field(default=2, ge=1)
    # Sign-in throttling (agency.auth.throttling).  Failures of one account from one
    # address pause that pair; the account pauses from every address only at the slower
    # global cap, so nobody elsewhere locks its user out with a few tries; and each
    # address has a cap of its own over all accounts (password spraying).
    login_max_failures: int = Field(default=5, ge=1)
    login_failure_window_minutes: int = Field(default=15, ge=1)
    login_max_failures_per_account: int = Field(default=50, ge=1)
    login_account_window_minutes: int = Field(default=60, ge=1)
    login_max_failures_per_ip: int = Field(default=50, ge=1)
    # The peers (IPs or networks, comma-separated) whose X-Forwarded-For and
    # X-Forwarded-Proto `agency serve` believes: the reverse proxy in front of it.  Any
    # other peer is the client itself, whatever those headers say.
    trusted_proxies: str = "127.0.0.1"
    page_size: int = 25
    # The strategy runner's tick (every minute) enrols and sweeps, then this many workers
    # take due batches at once (SKIP LOCKED shares them out): one a core the worker has.
    strategy_runners: int = Field(default=2, ge=1, le=32)
    # The agent's queue: how long a "next case" pick stays with the agent, and how long a
    # case skipped with "next case" (no call placed) waits before it is offered again.
    queue_lease_minutes: int = 15
    queue_skip_minutes: int = 30
    log_level: str = "INFO"
    # Outreach (docs/outreach.md).  The address the public reaches this server at, as a
    # provider sees it (https://collect.example.com): the links in messages, the webhooks
    # given to Twilio, and the URL a webhook's signature is checked against — so the check
    # holds behind a TLS proxy.
    public_url: str = "http://127.0.0.1:8000"
    # Webhooks to merchants (docs/reporting.md): an endpoint must be https on a public
    # address; allowing http and private, loopback and link-local addresses is for
    # development and tests only (a merchant could otherwise make us call our own network).
    webhook_allow_private: bool = False
    agency_name: str = "Agency Recovery Services"
    agency_phone: str = "+1 800 555 0100"
    agency_email: str = "help@agency.example"
    agency_address: str = "PO Box 1000, Springfield, IL 62701"
    agency_hours: str = "Mon-Fri 8am-8pm Central"
    # The consumer's self-service page (/pay/{token}): how long a link in a message or on
    # a letter works, and how long the identity check lasts once passed.
    self_service_link_days: int = Field(default=30, ge=1, le=365)
    self_service_session_minutes: int = Field(default=30, ge=1, le=24 * 60)
    # Twilio: with the account SID and auth token set, texts go through Twilio;
    # without, through the sandbox (the outbox records what would be sent).  Texts come
    # from the Messaging Service when one is set (Twilio paces its numbers), else from
    # the pool of numbers (comma-separated E.164).
    twilio_account_sid: str = ""
    twilio_auth_token: str = Field(default="", repr=False)
    twilio_messaging_service_sid: str = ""
    twilio_from_numbers: str = ""
    # Texts from the pool: each long code sends at most this many segments a second
    # (Twilio's own limit for a US long code is 1).  A Messaging Service paces itself.
    sms_segments_per_second: float = Field(default=1.0, gt=0, le=1000)
    # Click-to-call: the number (E.164) calls come from, to the agent and the consumer;
    # with the account SID and auth token, Twilio rings the agent's phone and bridges
    # to the consumer.  No Twilio account at all: the sandbox plays the call.
    twilio_voice_from: str = ""
    # E-mail: smtp://user:password@host:port (smtps:// for TLS from the start; STARTTLS
    # is used whenever the server offers it); empty: the sandbox.
    smtp_url: str = Field(default="", repr=False)
    # A message that fails for a passing reason (a provider's 5xx or 429, a dropped
    # connection) is tried this many times in all, waiting longer each time.
    outbox_max_tries: int = Field(default=5, ge=1)
    # The hour (0-23, the agency's time zone) from which the day's letters go into the
    # print batch (docs/outreach.md, "Letters and print batches").
    letter_batch_hour: int = Field(default=16, ge=0, le=23)
    # Payments (agency.payments.providers).  With the Stripe secret key set, cards and US
    # bank accounts are charged through Stripe (PaymentIntents; the card entered in
    # Stripe.js's Payment Element, never in our forms) and the payment is posted when
    # Stripe's signed webhook says it succeeded; without, through the sandbox, which
    # answers as Stripe's test cards do and posts at once.  The publishable key goes to
    # the browser (Stripe.js); the webhook secret (whsec_...) checks each webhook's
    # Stripe-Signature: without it every webhook is refused.
    stripe_secret_key: str = Field(default="", repr=False)
    stripe_publishable_key: str = ""
    stripe_webhook_secret: str = Field(default="", repr=False)
    # The sandbox's "disputed later" test card (4000000000000259): how long after its
    # payment succeeds the sandbox delivers the dispute (a chargeback), as a job.
    sandbox_dispute_after_seconds: float = Field(default=60, ge=0, le=7 * 24 * 3600)
    # Commission (docs/commission.md).  The trust account's bank: its country's business
    # days count the clearing days before money may be remitted; its currency.  The ACH remittance
    # file's originator: our bank's (the ODFI's) routing number and name, and our
    # company's name and id as the bank knows them (usually "1" and the EIN); without
    # the routing number no ACH file is written (cheque runs still are).
    trust_bank_country: str = "US"
    trust_currency: str = "USD"
    ach_odfi_routing: str = ""
    ach_odfi_name: str = ""
    ach_company_name: str = ""
    ach_company_id: str = ""
    # The agency's own time zone: screens show times in it, and "today" (the supervisor's
    # counts, the agent's due today) starts at its midnight.  Records keep UTC.
    time_zone: str = "UTC"

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not a time zone name (an IANA name such as America/New_York)"
            ) from None
        return value

    @field_validator("twilio_voice_from")
    @classmethod
    def _e164(cls, value: str) -> str:
        value = value.strip()
        if value and not re.fullmatch(r"\+[1-9][0-9]{6,14}", value):
            raise ValueError(f"{value!r} is not an E.164 number (such as +18005550100)")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses(cls, value: str) -> str:
        entries = [entry.strip() for entry in value.split(",") if entry.strip()]
        for entry in entries:
            try:
                ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"{entry!r} is not an IP address or network (such as 10.0.0.0/8)"
                ) from None
        return ",".join(entries)

    @field_validator("ledger_key")
    @classmethod
    def _one_ledger_key(cls, value: str) -> str:
        if len(key_pairs(value)) != 1:
            raise ValueError("give exactly one key, id:secret")
        return value

    @field_validator("ledger_retired_keys")
    @classmethod
    def _retired_keys(cls, value: str) -> str:
        key_pairs(value)
        return value

    @model_validator(mode="after")
    def _distinct_key_ids(self) -> Self:
        ids = [key_id for key_id, _ in key_pairs(f"{self.ledger_key},{self.ledger_retired_keys}")]
        if len(ids) != len(set(ids)):
            raise ValueError("ledger key ids must differ (current and retired)")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def jobs_in_process(self) -> bool:
        return self.broker_url.startswith("memory://")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
