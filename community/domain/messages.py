"""Family messages both ways, and emergency alerts from the speaker."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import List, Optional

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..actors import Actor, ActorKind, default_household, get_household, households_query
from ..changes import record_change
from ..db import rows_changed
from ..errors import Conflict, Forbidden, NotFound
from ..models import EmergencyAlert, Entity, Household, Message, MessageDirection
from ..notify import LATE_SECONDS, delay_seconds
from . import checks

_LOGGER = logging.getLogger(__name__)


def send_message(
    session: Session,
    actor: Actor,
    household_id: Optional[str],
    body: str,
    now: datetime,
    message_id: Optional[str] = None,
    device_at: Optional[datetime] = None,
) -> Message:
    """Family/staff → elder (read aloud by the speaker); device → family (recorded by voice).

    device_at: when the elder said it, by the speaker's clock (kept apart from `created_at`, the
    server's time of arrival; ignored for family and staff).
    """
    household = get_household(session, actor, default_household(actor, household_id))
    from_device = actor.kind is ActorKind.DEVICE
    message = Message(
        id=checks.object_id("id", message_id) or None,
        household_id=household.id,
        direction=MessageDirection.FROM_ELDER if from_device else MessageDirection.TO_ELDER,
        body=checks.text("body", body, 1, 500, "留言"),
        author_user_id=None if from_device else actor.id,
        device_id=actor.id if from_device else None,
        created_at=now,
        device_sent_at=device_at if from_device else None,
    )
    session.add(message)
    session.flush()
    record_change(session, household.community_id, household.id, Entity.MESSAGE, message.id, now)
    return message


def mark_heard(session: Session, actor: Actor, message_id: str, at: datetime, now: datetime) -> Message:
    """The speaker read a family message out (at: by its clock): the family page shows 已听. The first
    report counts; a message of another household, or one the elder sent, is not found."""
    if actor.kind is not ActorKind.DEVICE:
        raise Forbidden("只有音箱可以报告留言已听", "only a speaker reports a message heard")
    message = session.get(Message, message_id) if len(message_id) <= 36 else None
    if message is None or message.household_id not in actor.household_ids \
            or message.direction is not MessageDirection.TO_ELDER:
        raise NotFound("找不到这条留言", f"message {message_id!r} not found")
    if message.read_at is None:
        message.read_at = at
        household = get_household(session, actor, message.household_id)
        record_change(session, household.community_id, household.id, Entity.MESSAGE, message.id, now)
    return message


def list_messages(session: Session, actor: Actor, household_id: Optional[str]) -> List[Message]:
    household = get_household(session, actor, default_household(actor, household_id))
    query = select(Message).where(Message.household_id == household.id)
    return list(session.scalars(query.order_by(Message.created_at.desc()).limit(200)))


def raise_alert(
    session: Session,
    actor: Actor,
    note: str,
    now: datetime,
    alert_id: Optional[str] = None,
    device_at: Optional[datetime] = None,
) -> EmergencyAlert:
    """The speaker calls for help (issue 7 sends it through sync); device_at: when, by its clock."""
    if actor.kind is not ActorKind.DEVICE:
        raise Forbidden("只有老人的音箱可以发出紧急呼叫", "only a speaker raises an emergency alert")
    household = get_household(session, actor, default_household(actor, None))
    alert = EmergencyAlert(
        id=checks.object_id("id", alert_id) or None,
        household_id=household.id,
        device_id=actor.id,
        note=checks.text("note", note, 0, 200),
        raised_at=now,
        device_raised_at=device_at,
    )
    session.add(alert)
    session.flush()
    record_change(session, household.community_id, household.id, Entity.ALERT, alert.id, now)
    return alert


def delivered_late(alert: EmergencyAlert) -> bool:
    """Whether the alert reached the server much later than the speaker raised it (it was offline):
    pages then show the call's own time and when it arrived, never the arrival as the call."""
    return delay_seconds(alert.device_raised_at, alert.raised_at) > LATE_SECONDS


def said_late(message: Message) -> bool:
    """Whether a message from the elder reached the server much later than it was said."""
    return delay_seconds(message.device_sent_at, message.created_at) > LATE_SECONDS


CANCEL_WINDOW = timedelta(minutes=10)
"""The senior can take an alert back by voice this long after raising it (speaker's clock)."""


def cancel_alert(
    session: Session, actor: Actor, alert_id: str, note: str, device_at: Optional[datetime], now: datetime
) -> EmergencyAlert:
    """The speaker takes its own alert back ('没事了，我按错了'); family and staff pages show 已取消.

    Within CANCEL_WINDOW of the alert by the speaker's own clock (both times are the device's,
    so a speaker that was offline for both still may); a second cancel changes nothing.
    """
    if actor.kind is not ActorKind.DEVICE:
        raise Forbidden("只有发出呼叫的音箱可以取消它", "only the speaker that raised an alert takes it back")
    alert = session.get(EmergencyAlert, alert_id) if len(alert_id) <= 36 else None
    if alert is None or alert.household_id not in actor.household_ids:
        raise NotFound("找不到这次紧急呼叫", f"alert {alert_id!r} not found")
    if alert.cancelled_at is not None:
        return alert
    raised = alert.device_raised_at or alert.raised_at
    said = device_at or now
    if said - raised > CANCEL_WINDOW:
        raise Conflict("求助发出已超过10分钟，不能再取消")
    alert.cancelled_at, alert.device_cancelled_at = now, device_at
    alert.cancel_note = checks.text("note", note, 0, 200)
    household = get_household(session, actor, alert.household_id)
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
        query = query.where(EmergencyAlert.acknowledged_at.is_(None), EmergencyAlert.cancelled_at.is_(None))
    rows = session.execute(query.order_by(EmergencyAlert.raised_at.desc()).limit(200)).all()
    return [(r[0], r[1]) for r in rows]


def acknowledge_alert(session: Session, actor: Actor, alert_id: str, now: datetime) -> EmergencyAlert:
    """Family or staff mark that someone is handling it (first one wins)."""
    if actor.kind is ActorKind.DEVICE:
        raise Forbidden("音箱不能处理紧急呼叫", "a speaker cannot acknowledge alerts")
    alert = session.get(EmergencyAlert, alert_id) if len(alert_id) <= 36 else None
    if alert is None:
        raise NotFound("找不到这次紧急呼叫", f"alert {alert_id!r} not found")
    household = get_household(session, actor, alert.household_id)
    if alert.cancelled_at is not None:
        raise Conflict("老人已经取消了这次求助")
    done = rows_changed(
        session,
        update(EmergencyAlert)
        .where(
            EmergencyAlert.id == alert.id,
            EmergencyAlert.acknowledged_at.is_(None),
            EmergencyAlert.cancelled_at.is_(None),
        )
        .values(acknowledged_at=now, acknowledged_by=actor.id)
        .execution_options(synchronize_session=False),
    )
    if done != 1:
        raise Conflict("已经有人处理了")
    session.refresh(alert)
    record_change(session, household.community_id, household.id, Entity.ALERT, alert.id, now)
    return alert
