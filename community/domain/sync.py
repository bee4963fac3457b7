"""Device ops applied at most once: each op and its `device_ops` row commit together.

A replayed op id returns the stored first result and writes nothing. Every op is applied or
rejected on its own, in its own transaction: a refusal (activity full, another household's
object, an id already used, a field out of range) is a *result* ("rejected" with a code),
stored like a success, so the device acknowledges it and never sends it again. Only a
temporary failure (database busy, a server bug) leaves no row: its result says
`"retry": true`, and the device sends the op again later with backoff. Nothing an op carries
can fail the whole batch.
"""

from __future__ import annotations

import json
import logging
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from ..actors import Actor
from ..db import Database
from ..errors import CommunityError, Conflict, InvalidInput, NotFound
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
from . import bookings, deliveries, help_requests, messages, polls, reminders, service_requests, skills
from .checks import object_id
from .feed import DeviceScope

_LOGGER = logging.getLogger(__name__)
MAX_SKEW = timedelta(days=1)
"""Device timestamps further than this from server time are replaced by server time."""
EARLIEST = datetime(2000, 1, 1)
LATEST = datetime(2100, 1, 1)
"""Device times and dates outside [EARLIEST, LATEST) are refused (naive, as the device writes them)."""
OP_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
"""An op id: a UUID in canonical lowercase text (the device's str(uuid4())); no other spelling."""
MAX_DEPTH = 6
"""Deepest nesting of lists and objects accepted in a payload."""
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
    help_points: int = 10
    """Settings.help_points: what a volunteer earns for help the elder thanked for."""


Handler = Callable[[Session, _Ctx, Mapping[str, Any]], Tuple[Dict[str, Any], Optional[EmergencyNotice]]]


def check_op(index: int, raw: Any) -> DeviceOpIn:
    """One element of the request's `ops` as a DeviceOpIn; BadOp (with the result) when it has no
    usable op id or shape. Payload fields are checked later, per op type (a stored rejection)."""
    if not isinstance(raw, dict):
        raise BadOp(_rejection(None, index, f"ops[{index}]: expected an object"))
    op_id = raw.get("op_id")
    echo = op_id if isinstance(op_id, str) and op_id.isascii() and op_id.isprintable() else None
    extra = sorted(str(k) for k in raw if k not in ("op_id", "type", "payload"))
    if not isinstance(op_id, str) or OP_ID.fullmatch(op_id) is None:
        raise BadOp(
            _rejection(
                echo[:64] if echo else None,
                index,
                f"ops[{index}].op_id: expected a lowercase UUID like '1b4e28ba-2fa1-41d2-883f-0016d3cca427'",
            )
        )
    if extra:
        raise BadOp(_rejection(op_id, index, f"ops[{index}]: unknown field {_shown(extra[0])}"))
    kind, payload = raw.get("type"), raw.get("payload", {})
    if not isinstance(kind, str) or not 1 <= len(kind) <= 40 or not kind.isascii() or not kind.isprintable():
        raise BadOp(
            _rejection(op_id, index, f"ops[{index}].type: expected an op type such as 'message.send'")
        )
    if not isinstance(payload, dict):
        raise BadOp(_rejection(op_id, index, f"ops[{index}].payload: expected an object"))
    return DeviceOpIn(op_id, kind, payload)


class BadOp(Exception):
    """An element of `ops` that cannot be applied or stored (no usable op id or shape)."""

    def __init__(self, result: Dict[str, Any]) -> None:
        super().__init__(result["message"])
        self.result = result


def _rejection(op_id: Optional[str], index: int, message: str) -> Dict[str, Any]:
    return {"op_id": op_id, "index": index, "status": "rejected", "code": "invalid", "message": message}


def _shown(value: str) -> str:
    """Text from the request, safe to echo in an answer (no lone surrogates, at most 40 characters)."""
    return repr(value.encode("utf-8", "backslashreplace").decode("utf-8")[:40])


def _checked_payload(value: Any, path: str, repair: bool, depth: int = 0) -> Any:
    """The payload with every string valid UTF-8 without NUL; InvalidInput naming the field.

    repair: replace bad characters instead (an emergency is never refused for its text)."""
    if depth > MAX_DEPTH:
        if repair:
            return None
        raise InvalidInput(f"{path}: nested too deeply")
    if isinstance(value, str):
        bad = "\x00" in value or not _utf8(value)
        if bad and not repair:
            what = "a NUL character" if "\x00" in value else "a lone surrogate (not valid UTF-8)"
            raise InvalidInput(f"{path}: text contains {what}")
        return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8") if bad else value
    if isinstance(value, float) and not math.isfinite(value):
        if repair:
            return None
        raise InvalidInput(f"{path}: expected a finite number")
    if isinstance(value, list):
        return [_checked_payload(v, f"{path}[{i}]", repair, depth + 1) for i, v in enumerate(value)]
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            name = _checked_payload(str(key), f"{path} key", repair, depth + 1)
            out[name] = _checked_payload(item, f"{path}.{name}", repair, depth + 1)
        return out
    return value


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def apply_op(
    database: Database, actor: Actor, scope: DeviceScope, op: DeviceOpIn, now: datetime, help_points: int = 10
) -> Tuple[Dict[str, Any], Optional[EmergencyNotice]]:
    """Apply one op in its own transaction (or return its first result).

    Returns (result, emergency to notify or None). Never raises for what the op carries: a
    refusal is a stored "rejected" result; a temporary failure (database busy, a bug) is a
    "rejected" result with "retry": true that is not stored, so the op may come again.
    """
    try:
        first = _first_result(database, op.op_id, scope.device_id)
        if first is not None:
            return first, None
        result, notice = _attempt(database, actor, scope, op, now, help_points)
        if result.get("retry"):
            return result, None
        return _store(database, scope, op, result, now), notice
    except _Replayed as replay:
        return replay.result, None
    except OperationalError as exc:
        _LOGGER.warning("op %s (%s): database busy: %s", op.op_id, op.type, exc.orig)
        return _temporary(op, "busy", "服务器繁忙，请稍后再试 (database busy)"), None
    except IntegrityError as exc:  # the device_ops row clashed, yet no first result is readable
        _LOGGER.warning("op %s (%s): unexplained conflict: %s", op.op_id, op.type, exc.orig)
        return _temporary(op, "busy", "服务器繁忙，请稍后再试 (concurrent change)"), None


class _Replayed(Exception):
    """The same op committed first through another request: report that result."""

    def __init__(self, result: Dict[str, Any]) -> None:
        super().__init__(result.get("op_id"))
        self.result = result


def _temporary(op: DeviceOpIn, code: str, message: str) -> Dict[str, Any]:
    return {"op_id": op.op_id, "status": "rejected", "code": code, "message": message, "retry": True}


def _attempt(
    database: Database, actor: Actor, scope: DeviceScope, op: DeviceOpIn, now: datetime, help_points: int
) -> Tuple[Dict[str, Any], Optional[EmergencyNotice]]:
    """Run the op's handler in a transaction and commit it with its device_ops row."""
    ctx = _Ctx(actor, scope, now, op.op_id, help_points)
    session = database.writer()
    try:
        try:
            handler = _HANDLERS.get(op.type)
            if handler is None:
                raise InvalidInput(
                    f"type: unknown op type {_shown(op.type)}; expected one of {', '.join(_HANDLERS)}"
                )
            payload = _checked_payload(op.payload, "payload", repair=op.type == "emergency")
            extra, notice = handler(session, ctx, payload)
            session.flush()
        except CommunityError as exc:
            session.rollback()
            return _refused(op, exc.code, exc.message), None
        except IntegrityError as exc:
            session.rollback()
            first = _first_result(database, op.op_id, scope.device_id)
            if first is not None:
                raise _Replayed(first) from exc
            _LOGGER.info("op %s (%s) conflicts with stored data: %s", op.op_id, op.type, exc.orig)
            error = Conflict("an id in this op is already used by another object")
            return _refused(op, error.code, error.message), None
        except DataError as exc:
            session.rollback()
            _LOGGER.info("op %s (%s): value refused by the database: %s", op.op_id, op.type, exc.orig)
            return _refused(op, "invalid", "a value is out of range or contains invalid characters"), None
        except OperationalError:
            raise
        except Exception:  # a bug: this op fails alone and comes again; the others go on
            session.rollback()
            _LOGGER.exception("op %s (%s) failed", op.op_id, op.type)
            return _temporary(op, "server_error", "服务器出错，稍后重试 (server error; will retry)"), None
        result: Dict[str, Any] = {"op_id": op.op_id, "status": "applied", **extra}
        _commit(database, session, scope, op, result, now)
        return result, notice
    finally:
        session.close()


def _refused(op: DeviceOpIn, code: str, message: str) -> Dict[str, Any]:
    return {"op_id": op.op_id, "status": "rejected", "code": code, "message": message}


def _commit(
    database: Database,
    session: Session,
    scope: DeviceScope,
    op: DeviceOpIn,
    result: Dict[str, Any],
    now: datetime,
) -> None:
    """Add the device_ops row and commit; _Replayed when the op committed first elsewhere."""
    session.add(
        DeviceOp(
            op_id=op.op_id,
            device_id=scope.device_id,
            type=op.type[:40],
            result_json=json.dumps(result, ensure_ascii=False),
            applied_at=now,
        )
    )
    try:
        session.commit()
    except IntegrityError as exc:
        # The same op raced in through a second request (a retry after a cut connection):
        # whichever committed first wins, and this one reports that first result.
        session.rollback()
        first = _first_result(database, op.op_id, scope.device_id)
        if first is None:
            raise
        raise _Replayed(first) from exc


def _store(
    database: Database, scope: DeviceScope, op: DeviceOpIn, result: Dict[str, Any], now: datetime
) -> Dict[str, Any]:
    """A refusal or an applied op's result: already committed when applied, stored here when refused."""
    if result["status"] == "applied":
        return result
    session = database.writer()
    try:
        _commit(database, session, scope, op, result, now)
    finally:
        session.close()
    return result


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
    """A client-made UUID, in canonical lowercase text (any ASCII spelling uuid.UUID reads)."""
    raw = _text(payload, key)
    if not raw.isascii():
        raise InvalidInput(f"payload.{key}: expected a UUID")
    return object_id(f"payload.{key}", raw) or ""


def _device_time(payload: Mapping[str, Any], key: str, ctx: _Ctx) -> datetime:
    """A naive local time from the device (2000–2100), as aware UTC (the community's zone)."""
    raw = _text(payload, key)
    try:
        value = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidInput(f"payload.{key}: expected an ISO time, got {_shown(raw)}") from exc
    if not EARLIEST <= value.replace(tzinfo=None) < LATEST:
        raise InvalidInput(f"payload.{key}: expected a time between 2000 and 2100, got {_shown(raw)}")
    if value.tzinfo is None:
        value = value.replace(tzinfo=ctx.scope.zone)
    return value.astimezone(timezone.utc)


def _device_date(payload: Mapping[str, Any], key: str) -> date:
    """A local date from the device (YYYY-MM-DD, 2000–2100)."""
    raw = _text(payload, key)
    try:
        value = date.fromisoformat(raw) if len(raw) == 10 and raw.isascii() else None
    except ValueError:
        value = None
    if value is None:
        raise InvalidInput(f"payload.{key}: expected YYYY-MM-DD, got {_shown(raw)}")
    if not EARLIEST.date() <= value < LATEST.date():
        raise InvalidInput(f"payload.{key}: expected a date between 2000 and 2100, got {_shown(raw)}")
    return value


def _device_time_or_none(payload: Mapping[str, Any], key: str, ctx: _Ctx) -> Optional[datetime]:
    """The device's own time of an event, or None when missing or unreadable: an emergency is
    never refused for its timestamp."""
    try:
        return _device_time(payload, key, ctx)
    except InvalidInput:
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
    """Cancel this household's booking (by id, else of the activity); another household's or an
    unknown one is not_found, never "applied"; an already cancelled one is applied, unchanged."""
    booking_id = _uuid(payload, "booking_id")
    activity_id = _text(payload, "activity_id", optional=True)
    booking = session.scalar(
        select(Booking).where(Booking.household_id == ctx.scope.household_id, Booking.id == booking_id)
    ) or session.scalar(
        select(Booking)
        .where(Booking.household_id == ctx.scope.household_id, Booking.activity_id == activity_id[:36])
        .order_by(Booking.status != BookingStatus.CONFIRMED)
    )
    if booking is None:
        raise NotFound(f"booking {booking_id!r} not found")
    if booking.status is not BookingStatus.CONFIRMED:
        return {"booking": "cancelled", "booking_id": booking.id, "already": True}, None
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
    start = _device_date(payload, "date")
    data = reminders.ReminderInput(_text(payload, "content"), _text(payload, "time"), repeat, days, start)
    existing = session.get(Reminder, reminder_id)
    if existing is not None and existing.household_id != ctx.scope.household_id:
        raise NotFound(f"reminder {reminder_id!r} not found")
    if existing is not None and existing.deleted_at is not None:
        raise Conflict("the reminder was deleted; a new one needs a new id")
    if existing is not None:
        reminders.update_reminder(session, ctx.actor, reminder_id, data, ctx.now)
    else:
        reminders.create_reminder(session, ctx.actor, None, data, ctx.now, reminder_id)
    return {"reminder_id": reminder_id}, None


def _reminder_cancel(session: Session, ctx: _Ctx, payload: Mapping[str, Any]) -> Tuple[Dict[str, Any], None]:
    """Delete this household's reminder; one deleted already (family first) is applied, unchanged;
    another household's or an unknown one is not_found."""
    reminder_id = _uuid(payload, "reminder_id")
    existing = session.get(Reminder, reminder_id)
    if existing is None or existing.household_id != ctx.scope.household_id:
        raise NotFound(f"reminder {reminder_id!r} not found")
    if existing.deleted_at is not None:
        return {"reminder_id": reminder_id, "already": True}, None
    reminders.delete_reminder(session, ctx.actor, reminder_id, ctx.now)
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
    day, when = _device_date(payload, "date"), _text(payload, "time", optional=True)
    wanted: Optional[datetime] = None
    if when:
        try:
            at = time.fromisoformat(when) if len(when) == 5 and when.isascii() and when[2] == ":" else None
        except ValueError:
            at = None
        if at is None:
            raise InvalidInput(f"payload.time: expected HH:MM, got {_shown(when)}")
        wanted = datetime.combine(day, at, tzinfo=ctx.scope.zone).astimezone(timezone.utc)
    details = f"{word} {day.isoformat()} {when}".strip()
    item = service_requests.create_request(
        session, ctx.actor, None, kind, details, wanted, ctx.now, request_id
    )
    return {"request_id": item.id, "service": "pending"}, None


def _service_cancel(session: Session, ctx: _Ctx, payload: Mapping[str, Any]) -> Tuple[Dict[str, Any], None]:
    """'体检我唔去啦': this household's pending or confirmed request is cancelled; another household's
    or an unknown one is not_found; one cancelled already is applied, unchanged."""
    request_id = _uuid(payload, "request_id")
    item, already = service_requests.cancel_for_household(session, ctx.actor, request_id, ctx.now)
    result: Dict[str, Any] = {"request_id": item.id, "service": "cancelled"}
    if already:
        result["already"] = True
    return result, None


def _emergency_note(payload: Mapping[str, Any]) -> str:
    """What the speaker heard, cleaned: an emergency is never refused for its text (none, not
    text, control characters)."""
    raw = payload.get("text")
    text = raw if isinstance(raw, str) else ""
    return "".join(ch for ch in text if ord(ch) >= 32 or ch in "\n\t").strip()[:200]


def _emergency(
    session: Session, ctx: _Ctx, payload: Mapping[str, Any]
) -> Tuple[Dict[str, Any], EmergencyNotice]:
    note = _emergency_note(payload)
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


def _emergency_cancel(session: Session, ctx: _Ctx, payload: Mapping[str, Any]) -> Tuple[Dict[str, Any], None]:
    """'没事了，我按错了' within 10 minutes: the alert (keyed by the emergency op's id) is 已取消."""
    alert_id = _uuid(payload, "emergency_id")
    note = _text(payload, "text", optional=True)[:200]
    device_at = _device_time_or_none(payload, "at", ctx)
    alert = messages.cancel_alert(session, ctx.actor, alert_id, note, device_at, ctx.now)
    return {"alert_id": alert.id, "alert": "cancelled"}, None


def _message_heard(session: Session, ctx: _Ctx, payload: Mapping[str, Any]) -> Tuple[Dict[str, Any], None]:
    """'message.heard': the speaker read a family message out, at `at` by its clock (已听 on the page)."""
    message_id = _uuid(payload, "message_id")
    at = _clamped(_device_time_or_none(payload, "at", ctx) or ctx.now, ctx)
    message = messages.mark_heard(session, ctx.actor, message_id, at, ctx.now)
    return {"message_id": message.id}, None


def _announcement_report(played: bool) -> Handler:
    """'announcement.received' (a sync brought it) / 'announcement.played' (read out), with the
    speaker's time `at` (community.domain.deliveries)."""

    def handle(session: Session, ctx: _Ctx, payload: Mapping[str, Any]) -> Tuple[Dict[str, Any], None]:
        announcement_id = _uuid(payload, "announcement_id")
        at = _clamped(_device_time_or_none(payload, "at", ctx) or ctx.now, ctx)
        deliveries.record(session, ctx.actor, announcement_id, played, at, ctx.now)
        return {"announcement_id": announcement_id}, None

    return handle


def _help_request(session: Session, ctx: _Ctx, payload: Mapping[str, Any]) -> Tuple[Dict[str, Any], None]:
    """'我想找个人帮我换个灯泡': an open help request of this household (志愿帮扶), `text` as the elder said
    it, `wanted_at` when given, `at` the speaker's time it was said (the request's created_at)."""
    request_id = _uuid(payload, "request_id")
    wanted = _device_time(payload, "wanted_at", ctx) if payload.get("wanted_at") is not None else None
    said = _clamped(_device_time_or_none(payload, "at", ctx) or ctx.now, ctx)
    item = help_requests.create_help(
        session, ctx.actor, None, _text(payload, "text"), wanted, ctx.now, request_id, said
    )
    return {"request_id": item.id, "help": item.status.value}, None


def _help_thanked(session: Session, ctx: _Ctx, payload: Mapping[str, Any]) -> Tuple[Dict[str, Any], None]:
    """'谢谢小李': the elder thanks for an accepted or finished request; the volunteer gets the points
    once. Thanked before → applied, unchanged; open or cancelled → conflict; another household's →
    not_found."""
    request_id = _uuid(payload, "request_id")
    at = _clamped(_device_time_or_none(payload, "at", ctx) or ctx.now, ctx)
    points = ctx.help_points
    item, already = help_requests.thank(session, ctx.actor, request_id, at, ctx.now, points)
    result: Dict[str, Any] = {"request_id": item.id, "help": item.status.value}
    if already:
        result["already"] = True
    return result, None


def _poll_answer(session: Session, ctx: _Ctx, payload: Mapping[str, Any]) -> Tuple[Dict[str, Any], None]:
    """活动调查 answered by voice: `choice` is the option number (1-based), "any", "none", or null when the
    speaker asked and no answer came (it never asks twice); `heard` what the senior said. A second answer
    keeps the first (`"already": true`), except that a real answer replaces a null one."""
    household = _own_household(session, ctx)
    said = _clamped(_device_time_or_none(payload, "at", ctx) or ctx.now, ctx)
    kept, already = polls.answer(session, household, _uuid(payload, "poll_id"), payload.get("choice"),
                                 _text(payload, "heard", optional=True), said, ctx.now)
    result: Dict[str, Any] = {"poll_id": kept.poll_id, "choice": kept.choice or None}
    if already:
        result["already"] = True
    return result, None


def _skill_offer(session: Session, ctx: _Ctx, payload: Mapping[str, Any]) -> Tuple[Dict[str, Any], None]:
    """技能教学 offered by voice ("我会写毛笔字，可以教大家", read back and confirmed): `skill` in the
    elder's words, `said` the whole utterance, `at` the speaker's time."""
    household = _own_household(session, ctx)
    said = _clamped(_device_time_or_none(payload, "at", ctx) or ctx.now, ctx)
    item = skills.offer(session, household, _text(payload, "skill"), _text(payload, "said", optional=True),
                        said, ctx.now, _uuid(payload, "offer_id"))
    return {"offer_id": item.id, "skill": item.status.value}, None


def _own_household(session: Session, ctx: _Ctx) -> Household:
    household = session.get(Household, ctx.scope.household_id)
    if household is None:
        raise NotFound("device household is gone")
    return household


_HANDLERS: Dict[str, Handler] = {
    "booking.create": _booking_create,
    "booking.cancel": _booking_cancel,
    "reminder.create": _reminder_create,
    "reminder.cancel": _reminder_cancel,
    "reminder.fired": _reminder_event(ReminderEventKind.FIRED),
    "reminder.acknowledged": _reminder_event(ReminderEventKind.ACKNOWLEDGED),
    "reminder.missed": _reminder_event(ReminderEventKind.MISSED),
    "message.send": _message_send,
    "message.heard": _message_heard,
    "service.request": _service_request,
    "service.cancel": _service_cancel,
    "emergency": _emergency,
    "emergency.cancel": _emergency_cancel,
    "announcement.received": _announcement_report(False),
    "announcement.played": _announcement_report(True),
    "help.request": _help_request,
    "help.thanked": _help_thanked,
    "poll.answer": _poll_answer,
    "skill.offer": _skill_offer,
}
OP_TYPES = tuple(_HANDLERS)
