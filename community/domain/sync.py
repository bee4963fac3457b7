"""Device ops applied at most once: each op and its `device_ops` row commit together.

A replayed op id returns the stored first result and writes nothing. A domain refusal
(activity full, reminder gone, bad payload) is a *result* too ("rejected"), stored like a
success, so the device acknowledges it and stops retrying. Only transient failures (the
database busy or down) leave no row, and the device sends the op again later.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..actors import Actor
from ..db import Database
from ..errors import CommunityError, InvalidInput, NotFound
from ..models import (
    Booking,
    BookingStatus,
    DeviceOp,
    Household,
    Origin,
    Reminder,
    ReminderEventKind,
    Repeat,
    ServiceKind,
)
from ..notify import EmergencyNotice
from . import bookings, messages, reminders, service_requests
from .checks import object_id
from .feed import DeviceScope

_LOGGER = logging.getLogger(__name__)
MAX_SKEW = timedelta(days=1)
"""Device timestamps further than this from server time are replaced by server time."""
_SERVICES = {
    "checkup": (ServiceKind.HEALTH_CHECK, "体检"),
    "meal": (ServiceKind.MEAL, "送餐"),
    "transport": (ServiceKind.CAR, "用车"),
    "haircut": (ServiceKind.OTHER, "理发"),
    "housekeeping": (ServiceKind.OTHER, "保洁"),
}


@dataclass(frozen=True)
class DeviceOpIn:
    """One outbox op as the device sends it."""

    op_id: str
    type: str
    payload: Mapping[str, Any]


@dataclass(frozen=True)
class _Ctx:
    actor: Actor
    scope: DeviceScope
    now: datetime
    op_id: str


Handler = Callable[[Session, _Ctx, Mapping[str, Any]], Tuple[Dict[str, Any], Optional[EmergencyNotice]]]


def apply_op(
    database: Database, actor: Actor, scope: DeviceScope, op: DeviceOpIn, now: datetime
) -> Tuple[Dict[str, Any], Optional[EmergencyNotice]]:
    """Apply one op (or return its first result); returns (result, emergency to notify or None)."""
    first = _first_result(database, op.op_id, scope.device_id)
    if first is not None:
        return first, None
    ctx = _Ctx(actor, scope, now, op.op_id)
    session = database.writer()
    notice: Optional[EmergencyNotice] = None
    try:
        try:
            handler = _HANDLERS.get(op.type)
            if handler is None:
                raise InvalidInput(
                    f"type: unknown op type {op.type!r}; expected one of {', '.join(_HANDLERS)}"
                )
            extra, notice = handler(session, ctx, op.payload)
            result: Dict[str, Any] = {"op_id": op.op_id, "status": "applied", **extra}
        except CommunityError as exc:
            session.rollback()
            notice = None
            result = {"op_id": op.op_id, "status": "rejected", "code": exc.code, "message": exc.message}
        session.add(
            DeviceOp(
                op_id=op.op_id,
                device_id=scope.device_id,
                type=op.type[:40],
                result_json=json.dumps(result, ensure_ascii=False),
                applied_at=now,
            )
        )
        session.commit()
    except IntegrityError:
        # The same op raced in through a second request (a retry after a cut connection):
        # whichever committed first wins, and this one reports that first result.
        session.rollback()
        first = _first_result(database, op.op_id, scope.device_id)
        if first is None:
            raise
        return first, None
    finally:
        session.close()
    return result, notice


def _first_result(database: Database, op_id: str, device_id: str) -> Optional[Dict[str, Any]]:
    with database.reader() as session:
        row = session.get(DeviceOp, op_id)
        if row is None:
            return None
        if row.device_id != device_id:
            return {
                "op_id": op_id,
                "status": "rejected",
                "code": "op_id_taken",
                "message": "op id used by another device",
            }
        return json.loads(row.result_json)  # type: ignore[no-any-return]


# ---------------------------------------------------------------------- payload fields
def _text(payload: Mapping[str, Any], key: str, optional: bool = False) -> str:
    value = payload.get(key)
    if value is None and optional:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"payload.{key}: expected text")
    return value


def _uuid(payload: Mapping[str, Any], key: str) -> str:
    value = object_id(f"payload.{key}", _text(payload, key))
    return value or ""


def _device_time(payload: Mapping[str, Any], key: str, ctx: _Ctx) -> datetime:
    """A naive local time from the device, as aware UTC (the community's zone)."""
    raw = _text(payload, key)
    try:
        value = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidInput(f"payload.{key}: expected an ISO time, got {raw[:40]!r}") from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=ctx.scope.zone)
    return value.astimezone(timezone.utc)


def _device_time_or_none(payload: Mapping[str, Any], key: str, ctx: _Ctx) -> Optional[datetime]:
    """The device's own time of an event, or None when missing or unreadable: an emergency is
    never refused for its timestamp."""
    try:
        return _device_time(payload, key, ctx)
    except (InvalidInput, OverflowError):
        return None


MAX_LATE = timedelta(days=8)
"""A device event may reach the server this long after it happened (the speaker was offline; it
records reminder occurrences up to 7 days back) and keep its own time (issue 14)."""


def _clamped(value: datetime, ctx: _Ctx) -> datetime:
    """Device clocks may be wrong: 'when it happened' more than MAX_SKEW ahead of server time, or
    more than MAX_LATE behind it, becomes server time; otherwise the device's time is kept (an
    acknowledgement said yesterday while offline is shown as yesterday's, not as now)."""
    return value if -MAX_LATE <= value - ctx.now <= MAX_SKEW else ctx.now


# ---------------------------------------------------------------------- handlers
def _booking_create(session: Session, ctx: _Ctx, payload: Mapping[str, Any]) -> Tuple[Dict[str, Any], None]:
    booking_id = _uuid(payload, "booking_id")
    activity_id = _text(payload, "activity_id")[:36]
    held = session.scalar(
        select(Booking).where(
            Booking.activity_id == activity_id,
            Booking.household_id == ctx.scope.household_id,
            Booking.status == BookingStatus.CONFIRMED,
        )
    )
    if held is not None:  # family already booked this place for the elder on the web
        return {"booking": "confirmed", "booking_id": held.id}, None
    booking = bookings.book(session, ctx.actor, activity_id, None, Origin.DEVICE, ctx.now, booking_id)
    return {"booking": "confirmed", "booking_id": booking.id}, None


def _booking_cancel(session: Session, ctx: _Ctx, payload: Mapping[str, Any]) -> Tuple[Dict[str, Any], None]:
    booking_id = _uuid(payload, "booking_id")
    activity_id = _text(payload, "activity_id", optional=True)[:36]
    booking = session.scalar(
        select(Booking).where(Booking.household_id == ctx.scope.household_id, Booking.id == booking_id)
    ) or session.scalar(
        select(Booking).where(
            Booking.household_id == ctx.scope.household_id, Booking.activity_id == activity_id
        )
    )
    if booking is None or booking.status is not BookingStatus.CONFIRMED:
        return {"booking": "cancelled"}, None
    bookings.cancel_booking(session, ctx.actor, booking.id, ctx.now)
    return {"booking": "cancelled", "booking_id": booking.id}, None


def _repeat(rule: Any) -> Tuple[Repeat, Tuple[int, ...]]:
    if rule is None or rule == "":
        return Repeat.ONCE, ()
    if not isinstance(rule, str):
        raise InvalidInput("payload.repeat: expected text")
    if rule.startswith("weekly:"):
        try:
            return Repeat.WEEKLY, tuple(int(d) for d in rule[7:].split(",") if d)
        except ValueError as exc:
            raise InvalidInput(f"payload.repeat: bad weekdays in {rule!r}") from exc
    if rule in ("daily", "weekdays"):
        return Repeat(rule), ()
    raise InvalidInput(f"payload.repeat: unknown {rule!r}; expected daily, weekdays or weekly:1,3,5")


def _reminder_create(session: Session, ctx: _Ctx, payload: Mapping[str, Any]) -> Tuple[Dict[str, Any], None]:
    reminder_id = _uuid(payload, "reminder_id")
    repeat, days = _repeat(payload.get("repeat"))
    try:
        start = date.fromisoformat(_text(payload, "date"))
    except ValueError as exc:
        raise InvalidInput("payload.date: expected YYYY-MM-DD") from exc
    data = reminders.ReminderInput(_text(payload, "content"), _text(payload, "time"), repeat, days, start)
    existing = session.get(Reminder, reminder_id)
    if existing is not None and existing.deleted_at is None:
        reminders.update_reminder(session, ctx.actor, reminder_id, data, ctx.now)
    else:
        reminders.create_reminder(session, ctx.actor, None, data, ctx.now, reminder_id)
    return {"reminder_id": reminder_id}, None


def _reminder_cancel(session: Session, ctx: _Ctx, payload: Mapping[str, Any]) -> Tuple[Dict[str, Any], None]:
    reminder_id = _uuid(payload, "reminder_id")
    try:
        reminders.delete_reminder(session, ctx.actor, reminder_id, ctx.now)
    except NotFound:
        return {"reminder_id": reminder_id, "already": True}, None
    return {"reminder_id": reminder_id}, None


def _reminder_event(kind: ReminderEventKind) -> Handler:
    def handle(session: Session, ctx: _Ctx, payload: Mapping[str, Any]) -> Tuple[Dict[str, Any], None]:
        reminder_id = _uuid(payload, "reminder_id")
        due_at = _device_time(payload, "due_at", ctx)
        at = _clamped(_device_time(payload, "at", ctx), ctx)
        event = reminders.record_reminder_event(session, ctx.actor, reminder_id, due_at, kind, at, ctx.now)
        return {"reminder_id": reminder_id, "event_id": event.id}, None

    return handle


def _message_send(session: Session, ctx: _Ctx, payload: Mapping[str, Any]) -> Tuple[Dict[str, Any], None]:
    message_id = _uuid(payload, "message_id")
    device_at = _device_time_or_none(payload, "at", ctx)  # when it was said, by the speaker's clock
    message = messages.send_message(
        session, ctx.actor, None, _text(payload, "text"), ctx.now, message_id, device_at
    )
    return {"message_id": message.id}, None


def _service_request(session: Session, ctx: _Ctx, payload: Mapping[str, Any]) -> Tuple[Dict[str, Any], None]:
    request_id = _uuid(payload, "request_id")
    service = _text(payload, "service")
    if service not in _SERVICES:
        raise InvalidInput(f"payload.service: unknown {service!r}; expected one of {', '.join(_SERVICES)}")
    kind, word = _SERVICES[service]
    day, when = _text(payload, "date"), _text(payload, "time", optional=True)
    wanted: Optional[datetime] = None
    try:
        if len(when) == 5 and when[2] == ":":
            local = datetime.combine(date.fromisoformat(day), time.fromisoformat(when), tzinfo=ctx.scope.zone)
            wanted = local.astimezone(timezone.utc)
        else:
            date.fromisoformat(day)
    except ValueError as exc:
        raise InvalidInput("payload.date/time: expected YYYY-MM-DD and HH:MM") from exc
    details = f"{word} {day} {when}".strip()
    item = service_requests.create_request(
        session, ctx.actor, None, kind, details, wanted, ctx.now, request_id
    )
    return {"request_id": item.id, "service": "pending"}, None


def _emergency(
    session: Session, ctx: _Ctx, payload: Mapping[str, Any]
) -> Tuple[Dict[str, Any], EmergencyNotice]:
    note = _text(payload, "text", optional=True)[:200]
    device_at = _device_time_or_none(payload, "at", ctx)
    alert = messages.raise_alert(session, ctx.actor, note, ctx.now, ctx.op_id, device_at)
    household = session.get(Household, ctx.scope.household_id)
    notice = EmergencyNotice(
        alert.id,
        ctx.scope.community_id,
        ctx.scope.household_id,
        household.elder_name if household else "",
        household.address_as if household else "",
        note,
        ctx.now,
        device_at,  # the speaker's own time: a call queued offline for a day is not told as new
    )
    return {"alert_id": alert.id}, notice


def _emergency_cancel(
    session: Session, ctx: _Ctx, payload: Mapping[str, Any]
) -> Tuple[Dict[str, Any], None]:
    """'没事了，我按错了' within 10 minutes: the alert (keyed by the emergency op's id) is 已取消."""
    alert_id = _uuid(payload, "emergency_id")
    note = _text(payload, "text", optional=True)[:200]
    device_at = _device_time_or_none(payload, "at", ctx)
    alert = messages.cancel_alert(session, ctx.actor, alert_id, note, device_at, ctx.now)
    return {"alert_id": alert.id, "alert": "cancelled"}, None


_HANDLERS: Dict[str, Handler] = {
    "booking.create": _booking_create,
    "booking.cancel": _booking_cancel,
    "reminder.create": _reminder_create,
    "reminder.cancel": _reminder_cancel,
    "reminder.fired": _reminder_event(ReminderEventKind.FIRED),
    "reminder.acknowledged": _reminder_event(ReminderEventKind.ACKNOWLEDGED),
    "reminder.missed": _reminder_event(ReminderEventKind.MISSED),
    "message.send": _message_send,
    "service.request": _service_request,
    "emergency": _emergency,
    "emergency.cancel": _emergency_cancel,
}
OP_TYPES = tuple(_HANDLERS)
