"""Settings, read once from the environment (prefix ``AGENCY_``).

Every setting has an embedded default so that ``make run`` works on a bare machine:
a SQLite file under ``var/`` and Celery jobs run in-process.  Setting
``AGENCY_DATABASE_URL`` (PostgreSQL) and ``AGENCY_BROKER_URL`` (Redis) switches to the
real deployment without any other change.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"


def _stored_secret(name: str) -> str:
    """A per-installation secret kept in ``var/<name>`` so it survives restarts."""
    path = VAR / name
    if path.exists():
        return path.read_text().strip()
    VAR.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    path.write_text(value)
    path.chmod(0o600)
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AGENCY_", env_file=".env", extra="ignore")

    database_url: str = f"sqlite:///{VAR / 'agency.sqlite3'}"
    broker_url: str = Field(
        default="memory://",
        description="Celery broker; memory:// runs jobs in-process (eager) with embedded beat",
    )
    secret_key: str = Field(default_factory=lambda: _stored_secret("secret_key"), repr=False)
    # Keys the hashes of national ids.  Separate from secret_key, which may be rotated;
    # changing this one makes earlier consumers unmatchable by national id.
    pii_key: str = Field(default_factory=lambda: _stored_secret("pii_key"), repr=False)
    upload_dir: Path = VAR / "uploads"
    max_upload_mb: int = 200
    # What a referral file may hold (docs/referrals.md, "Limits"): a file beyond them is
    # refused with the reason before it is read whole.  The standard has 48 fields; the
    # widest merchant exports seen have a few hundred columns.
    max_file_columns: int = 500
    max_file_rows: int = 2_000_000
    # XLSX is a ZIP of XML: its parts unpacked, in all, and its shared strings, which are
    # held in memory whole (about 3.5 bytes of memory per byte of XML: ~115 MB at 32).
    max_xlsx_unpacked_mb: int = 1024
    max_xlsx_strings_mb: int = 32
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
    host: str = "127.0.0.1"
    port: int = 8000
    # Cookies are Secure unless told otherwise; `make run` serves plain http on localhost.
    secure_cookies: bool = True
    session_hours: int = 12
    session_idle_minutes: int = 60
    login_max_failures: int = 5
    login_failure_window_minutes: int = 15
    login_max_failures_per_ip: int = 50
    page_size: int = 25
    # The agent's queue: how long a "next case" pick stays with the agent, and how long a
    # case skipped with "next case" (no call placed) waits before it is offered again.
    queue_lease_minutes: int = 15
    queue_skip_minutes: int = 30
    log_level: str = "INFO"
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

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def jobs_in_process(self) -> bool:
        return self.broker_url.startswith("memory://")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
