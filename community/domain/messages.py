"""Family messages both ways, and emergency alerts from the speaker."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import List, Optional

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..actors import Actor, ActorKind, default_household, get_household, households_query
from ..changes import record_change
from ..db import rows_changed
from ..errors import Conflict, Forbidden, NotFound
from ..models import EmergencyAlert, Entity, Household, Message, MessageDirection
from . import checks

_LOGGER = logging.getLogger(__name__)


def send_message(
    session: Session,
    actor: Actor,
    household_id: Optional[str],
    body: str,
    now: datetime,
    message_id: Optional[str] = None,
) -> Message:
    """Family/staff → elder (read aloud by the speaker); device → family (recorded by voice)."""
    household = get_household(session, actor, default_household(actor, household_id))
    from_device = actor.kind is ActorKind.DEVICE
    message = Message(
        id=checks.object_id("id", message_id) or None,
        household_id=household.id,
        direction=MessageDirection.FROM_ELDER if from_device else MessageDirection.TO_ELDER,
        body=checks.text("body", body, 1, 500),
        author_user_id=None if from_device else actor.id,
        device_id=actor.id if from_device else None,
        created_at=now,
    )
    session.add(message)
    session.flush()
    record_change(session, household.community_id, household.id, Entity.MESSAGE, message.id, now)
    return message


def list_messages(session: Session, actor: Actor, household_id: Optional[str]) -> List[Message]:
    household = get_household(session, actor, default_household(actor, household_id))
    query = select(Message).where(Message.household_id == household.id)
    return list(session.scalars(query.order_by(Message.created_at.desc()).limit(200)))


def raise_alert(
    session: Session, actor: Actor, note: str, now: datetime, alert_id: Optional[str] = None
) -> EmergencyAlert:
    """The speaker calls for help (issue 7 sends it through sync)."""
    if actor.kind is not ActorKind.DEVICE:
        raise Forbidden("only a speaker raises an emergency alert")
    household = get_household(session, actor, default_household(actor, None))
    alert = EmergencyAlert(
        id=checks.object_id("id", alert_id) or None,
        household_id=household.id,
        device_id=actor.id,
        note=checks.text("note", note, 0, 200),
        raised_at=now,
    )
    session.add(alert)
    session.flush()
    record_change(session, household.community_id, household.id, Entity.ALERT, alert.id, now)
    return alert


def list_alerts(
    session: Session, actor: Actor, open_only: bool = False
) -> List[tuple[EmergencyAlert, Household]]:
    visible = households_query(actor).with_only_columns(Household.id)
    query = (
        select(EmergencyAlert, Household)
        .join(Household, Household.id == EmergencyAlert.household_id)
        .where(EmergencyAlert.household_id.in_(visible))
    )
    if open_only:
        query = query.where(EmergencyAlert.acknowledged_at.is_(None))
    rows = session.execute(query.order_by(EmergencyAlert.raised_at.desc()).limit(200)).all()
    return [(r[0], r[1]) for r in rows]


def acknowledge_alert(session: Session, actor: Actor, alert_id: str, now: datetime) -> EmergencyAlert:
    """Family or staff mark that someone is handling it (first one wins)."""
    if actor.kind is ActorKind.DEVICE:
        raise Forbidden("a speaker cannot acknowledge alerts")
    alert = session.get(EmergencyAlert, alert_id) if len(alert_id) <= 36 else None
    if alert is None:
        raise NotFound(f"alert {alert_id!r} not found")
    household = get_household(session, actor, alert.household_id)
    done = rows_changed(
        session,
        update(EmergencyAlert)
        .where(EmergencyAlert.id == alert.id, EmergencyAlert.acknowledged_at.is_(None))
        .values(acknowledged_at=now, acknowledged_by=actor.id)
        .execution_options(synchronize_session=False),
    )
    if done != 1:
        raise Conflict("已经有人处理了")
    session.refresh(alert)
    record_change(session, household.community_id, household.id, Entity.ALERT, alert.id, now)
    return alert
