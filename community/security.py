"""Password hashing (argon2id) and policy, random tokens stored as SHA-256, login and pairing throttling."""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Union

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .config import Settings
from .errors import InvalidInput, TooManyAttempts
from .models import LoginThrottle

_LOGGER = logging.getLogger(__name__)
_HASHER = PasswordHasher()
# Verified against when the user name is unknown, so both paths cost the same time.
_DUMMY_HASH = _HASHER.hash("not-a-real-password")
MIN_PASSWORD = 8
MAX_PASSWORD = 128


_LENGTH = f"密码要 {MIN_PASSWORD} 到 {MAX_PASSWORD} 位"
_LENGTH_DETAIL = f"password: expected {MIN_PASSWORD}–{MAX_PASSWORD} characters"
_COMMON = "这个密码太常见，别人很容易猜到，请换一个（不要用 12345678、88888888、11111111 这类）"
_COMMON_FILE = Path(__file__).resolve().parent / "data" / "common-passwords.txt"


def hash_password(password: str) -> str:
    """argon2id hash of a password of 8–128 characters."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput(_LENGTH, _LENGTH_DETAIL)
    return _HASHER.hash(password)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The common-password list (community/data/common-passwords.txt), lower case."""
    lines = _COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def _is_run(text: str) -> bool:
    """True for one repeated character or a straight run such as 23456789 or abcdefgh."""
    steps = {ord(b) - ord(a) for a, b in zip(text, text[1:], strict=False)}
    return len(steps) == 1 and steps <= {-1, 0, 1}


def check_new_password(password: str, username: str = "") -> None:
    """Raise InvalidInput (plain Chinese) unless `password` may be set for a login.

    password: the new password
    username: the login's name (the password may not be it)
    """
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput(_LENGTH, _LENGTH_DETAIL)
    folded = password.strip().lower()
    if folded in common_passwords() or _is_run(folded):
        raise InvalidInput(_COMMON)
    if username and folded == username.strip().lower():
        raise InvalidInput("密码不能和用户名一样，请换一个")


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


@dataclass(frozen=True)
class DelayRule:
    """A growing delay: `free` attempts at once, then each attempt waits before the next.

    The wait after the n-th counted attempt is first·2^(n−free) (n ≥ free), at most `longest`:
    with free 3, first 2 s: 0, 0, 2 s, 4 s, 8 s, … 15 min. Never a lock: once the wait is over
    the next attempt is checked. A counter quiet for `forget` starts again.
    """

    free: int
    first: timedelta
    longest: timedelta
    forget: timedelta

    def wait_after(self, attempts: int) -> timedelta:
        if attempts < self.free:
            return timedelta(0)
        return min(self.longest, self.first * (2 ** min(attempts - self.free, 40)))


@dataclass(frozen=True)
class LimitRule:
    """At most `most` counted attempts per window (a fixed window that starts with the first)."""

    most: int
    window: timedelta


Rule = Union[DelayRule, LimitRule]


@dataclass(frozen=True)
class ThrottleRules:
    """The throttle's rules, read from Settings (see docs/server.md, "Login throttling")."""

    account_address: DelayRule
    """One account from one client address (browsers it does not know)."""
    account: DelayRule
    """One account from every browser it does not know."""
    browser: DelayRule
    """One account from one browser it knows (cookie yc_browser)."""
    address: LimitRule
    """Every account from one client address (browsers they do not know)."""
    pair_address: LimitRule
    """Pairing codes from one client address."""
    pair_total: LimitRule
    """Pairing codes from everywhere."""
    guesses_per_code: int
    """Wrong pairing guesses a live code survives."""
    known_browser: timedelta
    """Lifetime of a known-browser cookie."""

    @staticmethod
    def from_settings(settings: Optional[Settings] = None) -> "ThrottleRules":
        s = settings or Settings(data_dir=Path("."), database_url="sqlite://")
        first = timedelta(seconds=s.login_first_delay_seconds)
        longest = timedelta(seconds=s.login_max_delay_seconds)
        forget = timedelta(seconds=s.login_forget_seconds)
        window = timedelta(seconds=s.login_address_window_seconds)
        return ThrottleRules(
            account_address=DelayRule(s.login_free_failures, first, longest, forget),
            account=DelayRule(s.login_account_free_failures, first, longest, forget),
            browser=DelayRule(s.login_free_failures, first, longest, forget),
            address=LimitRule(s.login_address_failures, window),
            pair_address=LimitRule(s.pairing_address_failures, window),
            pair_total=LimitRule(s.pairing_total_failures, window),
            guesses_per_code=s.pairing_guesses_per_code,
            known_browser=timedelta(days=s.known_browser_days),
        )


# Key prefix → which rule counts it, and whether a success forgets the key (True) or only
# gives its own attempt back (False: the account-wide and address counts keep others' failures).
_KINDS: Dict[str, tuple[str, bool]] = {
    "acct-ip:": ("account_address", True),
    "acct:": ("account", False),
    "browser:": ("browser", True),
    "ip:": ("address", False),
    "pair:": ("pair_address", False),
    "pair-all": ("pair_total", False),
}


class Throttle:
    """Counters of attempts in the database (shared by every worker process).

    An attempt is counted *before* its password is hashed or its code looked up (`reserve`,
    which holds the counter rows locked while it decides), and a success gives it back
    (`release`). So N parallel guesses cannot all be checked: only those the rule allows
    when each one is counted are.
    """

    def __init__(self, rules: Optional[ThrottleRules] = None) -> None:
        self.rules = rules or ThrottleRules.from_settings()

    # ----------------------------------------------------------------- keys
    @staticmethod
    def login_keys(username: str, client: str, known_browser: Optional[str]) -> List[str]:
        """Keys of a login: only its browser's when the browser is known to the account."""
        name, address = username.lower()[:40], client[:60]
        if known_browser:
            return [f"browser:{known_browser[:64]}"]
        return [f"acct-ip:{name}@{address}"[:120], f"acct:{name}", f"ip:{address}"]

    @staticmethod
    def pairing_keys(client: str) -> List[str]:
        return [f"pair:{client[:60]}", "pair-all"]

    def rule(self, key: str) -> Rule:
        for prefix, (name, _forget) in _KINDS.items():
            if key.startswith(prefix):
                return getattr(self.rules, name)  # type: ignore[no-any-return]
        raise ValueError(f"unknown throttle key {key!r}; expected one of {sorted(_KINDS)}")

    # ----------------------------------------------------------------- counting
    def reserve(self, session: Session, keys: List[str], now: datetime) -> None:
        """Count one attempt against every key, or raise TooManyAttempts and count nothing.

        The rows are locked (FOR UPDATE on PostgreSQL; SQLite writers are serialised by BEGIN
        IMMEDIATE) until the caller commits, so concurrent attempts are counted one by one.
        """
        keys = sorted(set(keys))  # one lock order for every caller: no deadlocks
        self._forget_old(session, now)
        rows = [self._locked_row(session, key, now) for key in keys]
        for row in rows:
            self._start_over_if_stale(row, now)
            wait = self._wait(row, now)
            if wait > timedelta(0):
                raise TooManyAttempts(_wait_message(wait))
        for row in rows:
            row.failures += 1
            rule = self.rule(row.key)
            if isinstance(rule, DelayRule):
                row.next_at = now + rule.wait_after(row.failures)
        session.flush()

    def release(self, session: Session, keys: List[str], now: datetime) -> None:
        """The attempt succeeded: forget per-browser counters, give the attempt back to the others."""
        for key in sorted(set(keys)):
            forget = next(f for prefix, (_n, f) in _KINDS.items() if key.startswith(prefix))
            if forget:
                session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))
                continue
            row = session.get(LoginThrottle, key, with_for_update=True)
            if row is not None and row.failures > 0:
                row.failures -= 1
        session.flush()

    # ----------------------------------------------------------------- helpers
    def _locked_row(self, session: Session, key: str, now: datetime) -> LoginThrottle:
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        session.execute(
            insert(LoginThrottle)
            .values(key=key, failures=0, window_start=now, next_at=None)
            .on_conflict_do_nothing(index_elements=["key"])
        )
        row = session.scalars(
            select(LoginThrottle)
            .where(LoginThrottle.key == key)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()
        return row

    def _start_over_if_stale(self, row: LoginThrottle, now: datetime) -> None:
        rule = self.rule(row.key)
        if isinstance(rule, DelayRule):
            last = row.next_at or row.window_start
            stale = last + rule.forget <= now
        else:
            stale = row.window_start + rule.window <= now
        if stale:
            row.failures, row.window_start, row.next_at = 0, now, None

    def _wait(self, row: LoginThrottle, now: datetime) -> timedelta:
        rule = self.rule(row.key)
        if isinstance(rule, DelayRule):
            return row.next_at - now if row.next_at is not None and row.next_at > now else timedelta(0)
        if row.failures >= rule.most:
            return row.window_start + rule.window - now
        return timedelta(0)

    def _forget_old(self, session: Session, now: datetime) -> None:
        longest = max(self.rules.account.forget, self.rules.address.window, self.rules.pair_total.window)
        cutoff = now - longest - self.rules.account.longest
        last = func.coalesce(LoginThrottle.next_at, LoginThrottle.window_start)
        # SKIP LOCKED: a row another attempt holds is left for later, so cleanups never wait
        # for (or deadlock with) concurrent attempts (PostgreSQL; SQLite writers take turns).
        stale = select(LoginThrottle.key).where(last < cutoff).limit(200).with_for_update(skip_locked=True)
        session.execute(
            delete(LoginThrottle)
            .where(LoginThrottle.key.in_(stale.scalar_subquery()))
            .execution_options(synchronize_session=False)
        )


def _wait_message(wait: timedelta) -> str:
    seconds = max(1, math.ceil(wait.total_seconds()))
    if seconds < 120:
        return f"尝试太频繁，请 {seconds} 秒后再试"
    return f"尝试次数过多，请 {math.ceil(seconds / 60)} 分钟后再试"
