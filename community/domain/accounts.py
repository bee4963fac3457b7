"""Users, family links, web sessions and login."""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..actors import Actor, ActorKind, get_household
from ..clock import SystemClock
from ..config import check_timezone
from ..db import Database
from ..errors import ConfigError, Conflict, InvalidInput, NotAuthenticated, NotFound
from ..models import Community, FamilyLink, Household, KnownBrowser, Role, User, UserRole, WebSession
from ..security import Throttle, check_new_password, hash_password, new_token, token_hash, verify_password

_LOGGER = logging.getLogger(__name__)
_USERNAME = re.compile(r"^[A-Za-z0-9_.\-]{3,40}$")


@dataclass(frozen=True)
class LoginResult:
    token: str
    """Session cookie value (only its hash is stored)."""
    csrf_token: str
    actor: Actor
    browser: str = ""
    """Known-browser cookie value for this account (only its hash is stored)."""


@dataclass(frozen=True)
class FamilyLogin:
    """A family login of a household, as the staff households page lists it."""

    user_id: str
    username: str
    display_name: str
    household_id: str
    relation: str
    sessions: int
    """Web sessions open now."""


def _check_username(username: str) -> str:
    if not _USERNAME.match(username):
        raise InvalidInput(
            "用户名：请用 3 到 40 个英文字母或数字（也可以用 _ . -）",
            "username: expected 3–40 letters, digits, '_', '.' or '-'",
        )
    return username.lower()


def _check_display(name: str) -> str:
    name = name.strip()
    if not 1 <= len(name) <= 40:
        raise InvalidInput("姓名：请填写，最多 40 个字", "display_name: expected 1–40 characters")
    return name


def get_or_create_community(session: Session, name: str, zone: str = "Asia/Shanghai") -> Community:
    name = name.strip()
    if not 1 <= len(name) <= 80:
        raise InvalidInput("community: expected 1–80 characters")
    community = session.scalar(select(Community).where(Community.name == name))
    if community is None:
        try:
            check_timezone(zone)
        except ConfigError as exc:
            raise InvalidInput(f"timezone: {exc.message}") from exc
        community = Community(name=name, timezone=zone, created_at=SystemClock().now())
        session.add(community)
        session.flush()
    return community


def _new_user(
    session: Session, username: str, display: str, password: str, role: Role, community_id: Optional[str]
) -> User:
    username = _check_username(username)
    if session.scalar(select(User.id).where(User.username == username)):
        raise Conflict(f"用户名：“{username}”已经有人用了，请换一个", f"username {username!r} is taken")
    check_new_password(password, username)
    user = User(
        username=username,
        display_name=_check_display(display),
        password_hash=hash_password(password),
        role=role,
        community_id=community_id,
        created_at=SystemClock().now(),
    )
    session.add(user)
    session.flush()
    return user


def create_staff(session: Session, username: str, display: str, password: str, community: str) -> User:
    """Create a staff login for the named community (created if it does not exist)."""
    return _new_user(
        session, username, display, password, Role.STAFF, get_or_create_community(session, community).id
    )


def create_family(
    session: Session, username: str, display: str, password: str, household_ids: list[str], relation: str = ""
) -> User:
    """Create a family login linked to the given households."""
    user = _new_user(session, username, display, password, Role.FAMILY, None)
    for household_id in household_ids:
        link_family(session, user.id, household_id, relation)
    return user


def link_family(session: Session, user_id: str, household_id: str, relation: str = "") -> None:
    if session.get(Household, household_id) is None:
        raise InvalidInput("住户：找不到这位老人的资料", f"household {household_id!r} does not exist")
    session.add(FamilyLink(user_id=user_id, household_id=household_id, relation=relation[:20]))
    session.flush()


def roles_of(session: Session, user: User) -> frozenset[str]:
    """Every role the login holds: its first (users.role) and its further ones (user_roles)."""
    further = session.scalars(select(UserRole.role).where(UserRole.user_id == user.id))
    return frozenset({user.role.value, *(r.value for r in further)})


def grant_role(session: Session, user_id: str, role: Role, community_id: Optional[str] = None) -> None:
    """Give a login one more role (nothing when it holds it); a volunteer role needs the community whose
    help requests the login will see (kept in users.community_id)."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("找不到这个账号", f"user {user_id!r} not found")
    if role is Role.VOLUNTEER and not (user.community_id or community_id):
        raise InvalidInput("志愿者需要属于一个社区", "community_id: a volunteer needs a community")
    if role is Role.VOLUNTEER and not user.community_id:
        user.community_id = community_id
    if role is not user.role and session.get(UserRole, (user.id, role)) is None:
        session.add(UserRole(user_id=user.id, role=role))
    session.flush()


def actor_for_user(session: Session, user: User, csrf_token: str = "") -> Actor:
    """Build the request actor for a user, with their scope (scoped by the login's first role; further
    roles such as volunteer add their own pages, never another household's data)."""
    roles = roles_of(session, user)
    if user.role is Role.STAFF:
        return Actor(
            ActorKind.STAFF,
            user.id,
            user.display_name,
            frozenset({user.community_id or ""}),
            csrf_token=csrf_token,
            roles=roles,
            home_community=user.community_id or "",
        )
    if user.role is not Role.FAMILY:
        return Actor(
            ActorKind.VOLUNTEER,
            user.id,
            user.display_name,
            frozenset({user.community_id}) if user.community_id else frozenset(),
            csrf_token=csrf_token,
            roles=roles,
            home_community=user.community_id or "",
        )
    rows = session.execute(
        select(Household.id, Household.community_id)
        .join(FamilyLink, FamilyLink.household_id == Household.id)
        .where(FamilyLink.user_id == user.id, Household.deleted_at.is_(None))
    ).all()
    return Actor(
        ActorKind.FAMILY,
        user.id,
        user.display_name,
        frozenset(r[1] for r in rows),
        frozenset(r[0] for r in rows),
        csrf_token=csrf_token,
        roles=roles,
        home_community=user.community_id or "",
    )


def login(
    database: Database,
    throttle: Throttle,
    username: str,
    password: str,
    client: str,
    now: datetime,
    hours: int,
    browser: str = "",
) -> LoginResult:
    """Check the password, throttled (docs/server.md, "Login throttling"), and open a session.

    browser: the yc_browser cookie; a browser known to this account is throttled on its own,
        so wrong passwords typed elsewhere never delay it
    The attempt is counted in its own short transaction *before* the argon2 check (~50–100
    ms, in a read session, so SQLite's write lock is never held while hashing); a success
    gives it back.
    """
    name = username.lower()[:40]
    with database.write() as session:
        user_id = session.scalar(select(User.id).where(User.username == name))
        known = _known_browser(session, browser, user_id, now)
        keys = throttle.login_keys(name, client, known)
        throttle.reserve(session, keys, now)
    with database.reader() as session:
        user = session.scalar(select(User).where(User.username == name))
        ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None:
        raise NotAuthenticated("用户名或密码不正确")
    token, csrf = new_token(), new_token()
    browser_token = browser if known else new_token()
    with database.write() as session:
        throttle.release(session, keys, now)
        session.execute(delete(WebSession).where(WebSession.user_id == user.id, WebSession.expires_at < now))
        session.execute(
            delete(KnownBrowser).where(KnownBrowser.user_id == user.id, KnownBrowser.expires_at < now)
        )
        session.add(
            WebSession(
                token_hash=token_hash(token),
                csrf_token=csrf,
                user_id=user.id,
                created_at=now,
                expires_at=now + timedelta(hours=hours),
            )
        )
        if known:
            row = session.get(KnownBrowser, known)
            if row is not None:
                row.expires_at = now + throttle.rules.known_browser
        else:
            session.add(
                KnownBrowser(
                    token_hash=token_hash(browser_token),
                    user_id=user.id,
                    created_at=now,
                    expires_at=now + throttle.rules.known_browser,
                )
            )
        actor = actor_for_user(session, user, csrf)
    _LOGGER.info("login %s%s", user.username, " (known browser)" if known else "")
    return LoginResult(token, csrf, actor, browser_token)


def _known_browser(session: Session, browser: str, user_id: Optional[str], now: datetime) -> Optional[str]:
    """The stored hash of `browser` if it is a live known-browser cookie of this user."""
    if not browser or user_id is None:
        return None
    digest = token_hash(browser[:200])
    row = session.get(KnownBrowser, digest)
    if row is None or row.user_id != user_id or row.expires_at <= now:
        return None
    return digest


def actor_from_session(session: Session, token: str, now: datetime) -> Actor:
    """The actor of a session cookie; NotAuthenticated if unknown or expired."""
    row = session.execute(
        select(WebSession, User)
        .join(User, User.id == WebSession.user_id)
        .where(WebSession.token_hash == token_hash(token))
    ).first()
    if row is None or row[0].expires_at <= now:
        raise NotAuthenticated("请先登录")
    return actor_for_user(session, row[1], row[0].csrf_token)


def logout(session: Session, token: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == token_hash(token)))


def invite_family(
    session: Session,
    actor: Actor,
    household_id: str,
    username: str,
    display: str,
    password: str,
    relation: str = "",
) -> User:
    """Staff make a family login for a household of their community."""
    _ = actor.staff_community
    household = get_household(session, actor, household_id)
    return create_family(session, username, display, password, [household.id], relation)


def _family_of_community(session: Session, actor: Actor, user_id: str) -> User:
    """A family login linked to a household of the staff member's community, else NotFound."""
    community = actor.staff_community
    user = session.scalar(
        select(User)
        .join(FamilyLink, FamilyLink.user_id == User.id)
        .join(Household, Household.id == FamilyLink.household_id)
        .where(User.id == user_id, User.role == Role.FAMILY, Household.community_id == community)
        .limit(1)
    )
    if user is None:
        raise NotFound("找不到这个家属账号", f"family login {user_id!r} not found")
    return user


def family_logins(session: Session, actor: Actor, now: datetime) -> list[FamilyLogin]:
    """The family logins of the staff member's households, with their open sessions."""
    community = actor.staff_community
    open_sessions = (
        select(WebSession.user_id, func.count().label("n"))
        .where(WebSession.expires_at > now)
        .group_by(WebSession.user_id)
        .subquery()
    )
    rows = session.execute(
        select(User, FamilyLink.household_id, FamilyLink.relation, func.coalesce(open_sessions.c.n, 0))
        .join(FamilyLink, FamilyLink.user_id == User.id)
        .join(Household, Household.id == FamilyLink.household_id)
        .outerjoin(open_sessions, open_sessions.c.user_id == User.id)
        .where(Household.community_id == community, User.role == Role.FAMILY, Household.deleted_at.is_(None))
        .order_by(Household.elder_name, User.username)
    ).all()
    return [FamilyLogin(u.id, u.username, u.display_name, h, r, int(n)) for u, h, r, n in rows]


@dataclass(frozen=True)
class EndedSessions:
    display_name: str
    sessions: int
    """Web sessions that were open and are now ended."""


def end_sessions(session: Session, actor: Actor, user_id: str) -> EndedSessions:
    """Staff log a family login out everywhere: its web sessions and known browsers end.

    Another community's login, or a staff login → NotFound.
    """
    user = _family_of_community(session, actor, user_id)
    ended = session.execute(delete(WebSession).where(WebSession.user_id == user.id)).rowcount  # type: ignore[attr-defined]
    session.execute(delete(KnownBrowser).where(KnownBrowser.user_id == user.id))
    _LOGGER.info("staff %s ended %d sessions of %s", actor.id, ended, user.username)
    return EndedSessions(user.display_name, int(ended or 0))


_TEMP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
"""No 0/o, 1/l/i: a temporary password is read out over the phone or written on paper."""


@dataclass(frozen=True)
class PasswordReset:
    display_name: str
    username: str
    password: str
    """The new password, shown once to the staff member to hand over ('' when staff typed it)."""
    sessions: int
    """Web sessions that were open and are now ended."""


def temporary_password() -> str:
    """'k7mp-q3xa-9tre': 12 random characters in three groups, easy to read out."""
    while True:
        raw = "".join(secrets.choice(_TEMP_ALPHABET) for _ in range(12))
        candidate = f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"
        try:
            check_new_password(candidate)
        except InvalidInput:
            continue
        return candidate


def reset_password(session: Session, actor: Actor, user_id: str, password: str = "") -> PasswordReset:
    """Staff set a family login's password (typed, or generated when `password` is empty); the
    login's sessions and known browsers end, so whoever had it is logged out everywhere.

    Another community's login, or a staff login → NotFound.
    """
    user = _family_of_community(session, actor, user_id)
    generated = not password
    password = password or temporary_password()
    check_new_password(password, user.username)
    user.password_hash = hash_password(password)
    ended = end_sessions(session, actor, user.id)
    _LOGGER.info("staff %s reset the password of %s", actor.id, user.username)
    return PasswordReset(user.display_name, user.username, password if generated else "", ended.sessions)


def logins_of_household(
    session: Session, actor: Actor, household_id: str, now: datetime
) -> list[FamilyLogin]:
    """The family logins that can see one household of the staff member's community."""
    household = get_household(session, actor, household_id)
    return [login for login in family_logins(session, actor, now) if login.household_id == household.id]


def family_login(session: Session, actor: Actor, user_id: str, now: datetime) -> FamilyLogin:
    """One family login of the staff member's community (its first household), else NotFound."""
    user = _family_of_community(session, actor, user_id)
    for login in family_logins(session, actor, now):
        if login.user_id == user.id:
            return login
    raise NotFound("找不到这个家属账号")
