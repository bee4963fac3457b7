"""Settings of the community server, read once from defaults < environment < CLI."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping, Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError

_LOGGER = logging.getLogger(__name__)

DEFAULT_TIMEZONE = "Asia/Shanghai"
ENV_DATABASE_URL = "DATABASE_URL"
ENV_DATA_DIR = "COMMUNITY_DATA_DIR"
ENV_COOKIE_SECURE = "COMMUNITY_COOKIE_SECURE"
ENV_MAX_BODY = "COMMUNITY_MAX_BODY_BYTES"
ENV_ESCALATE_AFTER = "COMMUNITY_ESCALATE_AFTER_MINUTES"
ENV_HELP_ESCALATE_AFTER = "COMMUNITY_HELP_ESCALATE_AFTER_MINUTES"


@dataclass(frozen=True)
class Settings:
    """Server settings; `Settings.load()` is the only reader of the environment."""

    data_dir: Path
    """Folder holding the SQLite file (created on first use)."""
    database_url: str
    """SQLAlchemy URL; defaults to sqlite:///<data_dir>/community.db."""
    default_timezone: str = DEFAULT_TIMEZONE
    """IANA zone for new communities (each community stores its own)."""
    max_body_bytes: int = 64 * 1024
    """Largest accepted request body, bytes (1 KiB–10 MiB); larger ones get 413."""
    session_hours: int = 72
    """Lifetime of a web login, hours."""
    cookie_secure: bool = False
    """Always set the Secure flag on cookies. Without it they get Secure when the request came
    over https: directly, or through the documented nginx (X-Forwarded-Proto from 127.0.0.1)."""
    login_free_failures: int = 3
    """Wrong passwords for one account from one address (or one known browser) before each
    further try from there waits (docs/server.md, "Login throttling")."""
    login_account_free_failures: int = 10
    """Wrong passwords for one account from all unknown browsers before each further try waits."""
    login_first_delay_seconds: int = 2
    """First wait after the free failures; it doubles with every further failure."""
    login_max_delay_seconds: int = 900
    """Longest wait, seconds (a delay, never a lock: the next try is always allowed after it)."""
    login_forget_seconds: int = 86400
    """A delay counter with no attempt for this long starts again, seconds."""
    login_address_failures: int = 30
    """Wrong passwords from one client address (unknown browsers) per window before 429."""
    login_address_window_seconds: int = 900
    """Window of the per-address and pairing limits, seconds."""
    known_browser_days: int = 90
    """How long a browser that logged in stays known to the account, days."""
    pairing_minutes: int = 10
    """Validity of a device pairing code, minutes."""
    pairing_guesses_per_code: int = 10
    """Wrong pairing guesses a live code survives; then it dies and staff see why."""
    pairing_address_failures: int = 20
    """Wrong pairing codes from one client address per window before 429."""
    pairing_total_failures: int = 100
    """Wrong pairing codes from all addresses together per window before 429."""
    escalate_after_minutes: int = 120
    """An escalation (an important reminder missed, a daily one missed two days in a row, a
    speaker silent) that no family member has handled this long also shows on the staff
    dashboard (community.domain.escalation); at once when the household has no family login."""
    speaker_silent_hours: int = 24
    """A paired speaker not heard from for longer than this raises an escalation, hours."""
    care_alert_days: int = 3
    """Missed reminders this recent (days, by their due time) can raise escalations; older unhandled
    ones leave the banners (the reminder history keeps them)."""
    help_escalate_after_minutes: int = 240
    """An open help request (志愿帮扶) no volunteer accepted this long shows on the staff dashboard as
    needing a volunteer (computed on read, community.domain.help_requests); env
    COMMUNITY_HELP_ESCALATE_AFTER_MINUTES."""
    help_points: int = 10
    """Points a volunteer earns for a help request the elder thanked for or staff confirmed."""

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @staticmethod
    def load(
        env: Optional[Mapping[str, str]] = None,
        data_dir: Optional[Path] = None,
        database_url: Optional[str] = None,
    ) -> "Settings":
        """Build settings from built-in defaults, then env, then explicit arguments.

        env: environment mapping (os.environ when None)
        data_dir: overrides COMMUNITY_DATA_DIR
        database_url: overrides DATABASE_URL
        """
        env = os.environ if env is None else env
        folder = Path(data_dir or env.get(ENV_DATA_DIR) or Path.cwd() / "data" / "community")
        url = database_url or env.get(ENV_DATABASE_URL) or f"sqlite:///{folder / 'community.db'}"
        settings = Settings(data_dir=folder, database_url=url)
        if env.get(ENV_COOKIE_SECURE, "").lower() in ("1", "true", "yes"):
            settings = replace(settings, cookie_secure=True)
        for name, field in (
            (ENV_ESCALATE_AFTER, "escalate_after_minutes"),
            (ENV_HELP_ESCALATE_AFTER, "help_escalate_after_minutes"),
        ):
            if env.get(name):
                try:
                    settings = replace(settings, **{field: int(env[name])})
                except ValueError as exc:
                    raise ConfigError(f"{name}: expected an integer, got {env[name]!r}") from exc
        if env.get(ENV_MAX_BODY):
            try:
                settings = replace(settings, max_body_bytes=int(env[ENV_MAX_BODY]))
            except ValueError as exc:
                raise ConfigError(f"{ENV_MAX_BODY}: expected an integer, got {env[ENV_MAX_BODY]!r}") from exc
        settings.validate()
        return settings

    def validate(self) -> None:
        """Raise ConfigError naming the first bad field."""
        for name in (
            "login_free_failures",
            "login_account_free_failures",
            "login_first_delay_seconds",
            "login_max_delay_seconds",
            "login_forget_seconds",
            "login_address_failures",
            "login_address_window_seconds",
            "known_browser_days",
            "pairing_guesses_per_code",
            "pairing_address_failures",
            "pairing_total_failures",
            "escalate_after_minutes",
            "speaker_silent_hours",
            "care_alert_days",
            "help_escalate_after_minutes",
            "help_points",
        ):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name}: expected a positive integer, got {getattr(self, name)}")
        if self.login_max_delay_seconds >= self.login_forget_seconds:
            raise ConfigError(
                "login_max_delay_seconds: expected less than login_forget_seconds "
                f"({self.login_max_delay_seconds} >= {self.login_forget_seconds})"
            )
        if not 1024 <= self.max_body_bytes <= 10 * 1024 * 1024:
            raise ConfigError(f"max_body_bytes: expected 1024–10485760, got {self.max_body_bytes}")
        if not self.database_url.startswith(("sqlite", "postgresql")):
            raise ConfigError(f"database_url: expected sqlite:// or postgresql://, got {self.database_url!r}")
        check_timezone(self.default_timezone)


def check_timezone(name: str) -> ZoneInfo:
    """Return the zone or raise ConfigError listing what is expected."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"unknown time zone {name!r}; expected an IANA name like Asia/Shanghai") from exc
