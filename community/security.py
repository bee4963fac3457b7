"""Password hashing (argon2id), random tokens stored as SHA-256, and login throttling."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .errors import InvalidInput, TooManyAttempts
from .models import LoginThrottle

_LOGGER = logging.getLogger(__name__)
_HASHER = PasswordHasher()
# Verified against when the user name is unknown, so both paths cost the same time.
_DUMMY_HASH = _HASHER.hash("not-a-real-password")
MIN_PASSWORD = 8
MAX_PASSWORD = 128


def hash_password(password: str) -> str:
    """argon2id hash of a password of 8–128 characters."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput(f"password: expected {MIN_PASSWORD}–{MAX_PASSWORD} characters")
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True if `password` matches; a None hash still spends the hashing time."""
    try:
        return _HASHER.verify(stored_hash or _DUMMY_HASH, password[:MAX_PASSWORD]) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    """A 256-bit URL-safe random token."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """Hex SHA-256 used to store bearer and session tokens (high-entropy, so no KDF needed)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same_secret(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def new_pairing_code() -> str:
    """Six random digits."""
    return f"{secrets.randbelow(1_000_000):06d}"


class Throttle:
    """Counts failures per key (user name, client address) in a fixed window, in the database.

    Kept in the database so that several worker processes share the count. Keys for a
    client address ("ip:…", "pair:…") allow `address_factor` times more failures than a user
    name, because a whole community centre may share one address behind NAT.
    """

    def __init__(self, max_failures: int, window_seconds: int, address_factor: int = 4) -> None:
        self.max_failures = max_failures
        self.window = timedelta(seconds=window_seconds)
        self.address_factor = address_factor

    def limit(self, key: str) -> int:
        """Failures allowed for this key within the window."""
        return self.max_failures * (1 if key.startswith("user:") else self.address_factor)

    def check(self, session: Session, keys: list[str], now: datetime) -> None:
        """Raise TooManyAttempts if any key is over the limit."""
        rows = session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys))).all()
        for row in rows:
            if row.window_start + self.window > now and row.failures >= self.limit(row.key):
                minutes = max(1, int((row.window_start + self.window - now).total_seconds() // 60) + 1)
                raise TooManyAttempts(f"尝试次数过多，请 {minutes} 分钟后再试")

    def fail(self, session: Session, keys: list[str], now: datetime) -> None:
        """Record one failure against each key (and forget windows that have ended)."""
        session.execute(delete(LoginThrottle).where(LoginThrottle.window_start <= now - self.window))
        for key in keys:
            row = session.get(LoginThrottle, key)
            if row is None:
                session.add(LoginThrottle(key=key, failures=1, window_start=now))
            elif row.window_start + self.window <= now:
                row.failures, row.window_start = 1, now
            else:
                row.failures += 1

    def clear(self, session: Session, key: str) -> None:
        session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))
