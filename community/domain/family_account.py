"""A family member's own account: who else sees the elder, changing one's own password (issue 15).

A password *reset* by staff is community.domain.accounts' business; this is the change a family
member makes with the old password, under the same policy as every new password
(community.security.check_new_password).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import List

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..actors import Actor, ActorKind, get_household
from ..db import Database
from ..errors import Forbidden, InvalidInput, NotAuthenticated
from ..models import FamilyLink, KnownBrowser, Role, User, WebSession
from ..security import Throttle, check_new_password, hash_password, token_hash, verify_password

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class Viewer:
    """Someone who can open the elder's pages."""

    name: str
    relation: str
    """女儿, 儿子 … as staff entered it ('' when not given)."""
    is_me: bool = False


def viewers(session: Session, actor: Actor, household_id: str) -> List[Viewer]:
    """The family logins linked to the household (the reader first); staff are one line on the page."""
    household = get_household(session, actor, household_id)
    rows = session.execute(
        select(User.id, User.display_name, FamilyLink.relation)
        .join(FamilyLink, FamilyLink.user_id == User.id)
        .where(FamilyLink.household_id == household.id, User.role == Role.FAMILY)
        .order_by(User.display_name, User.id)
    ).all()
    found = [Viewer(name, relation or "", user_id == actor.id) for user_id, name, relation in rows]
    return sorted(found, key=lambda v: not v.is_me)


def _keys(user_id: str) -> List[str]:
    # The growing delay of one account from a browser it knows (3 free tries, then 2 s, 4 s …):
    # whoever holds the session gets no faster guessing of the old password than a login would.
    return [f"browser:pw-{user_id}"]


def change_password(
    database: Database,
    throttle: Throttle,
    actor: Actor,
    session_token: str,
    old: str,
    new: str,
    repeated: str,
    now: datetime,
) -> int:
    """Set a new password after checking the old one; returns how many other logins were ended.

    session_token: the cookie of the session doing it (kept; every other session of the user ends,
        as do its known browsers)
    Raises InvalidInput with a plain-Chinese message naming the field; TooManyAttempts when the
    old password was guessed too often.
    """
    if actor.kind is not ActorKind.FAMILY:
        raise Forbidden("只有家属可以在这里修改自己的密码")
    if new != repeated:
        raise InvalidInput("再输一次新密码：两次输入的新密码不一样")
    with database.reader() as session:
        user = session.get(User, actor.id)
        if user is None:
            raise NotAuthenticated("请先登录")
        username = user.username
    check_new_password(new, username)
    keys = _keys(actor.id)
    with database.write() as session:
        throttle.reserve(session, keys, now)  # counted (and committed) before the hash is checked
    with database.reader() as session:
        user = session.get(User, actor.id)
        ok = verify_password(user.password_hash if user else None, old)
    if not ok:
        raise InvalidInput("原密码：不对，请再输一次")
    if new == old:  # only told after the old one was checked (a free oracle otherwise)
        with database.write() as session:
            throttle.release(session, keys, now)
        raise InvalidInput("新密码：和原密码一样，请换一个")
    digest = hash_password(new)
    with database.write() as session:
        throttle.release(session, keys, now)
        user = session.get(User, actor.id)
        if user is None:
            raise NotAuthenticated("请先登录")
        user.password_hash = digest
        ended = session.execute(
            delete(WebSession).where(
                WebSession.user_id == actor.id, WebSession.token_hash != token_hash(session_token)
            )
        ).rowcount  # type: ignore[attr-defined]
        session.execute(delete(KnownBrowser).where(KnownBrowser.user_id == actor.id))
    _LOGGER.info("family %s changed the password; %d other sessions ended", username, ended or 0)
    return int(ended or 0)
