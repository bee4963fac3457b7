"""Family pages: the elder's reminders, bookings, messages and emergency alerts."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Dict, Optional

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from ..actors import Actor, get_household, origin_of
from ..api import deps
from ..api.routing import ReleasingRoute
from ..domain import activities, bookings, messages, presence, reminders, routines
from ..domain.households import list_households
from ..domain.reminders import ReminderInput
from ..errors import CommunityError, Forbidden, InvalidInput
from ..models import Reminder, ReminderStatus, Repeat
from . import family_live, family_self
from .family_common import family_actor, family_page
from .render import booking_refusal, booking_refusal_text, check_csrf, posted_form, redirect

_LOGGER = logging.getLogger(__name__)
router = APIRouter(prefix="/family", include_in_schema=False, route_class=ReleasingRoute)
__all__ = ["router", "family_actor"]


def _page(
    request: Request,
    session: Session,
    who: Actor,
    household_id: str,
    template: str,
    context: Dict[str, object],
    status: int = 200,
) -> Response:
    return family_page(request, session, who, household_id, template, context, status)


@router.get("")
def family_home(who: Actor = Depends(family_actor), session: Session = Depends(deps.db_session)) -> Response:
    homes = list_households(session, who)
    if not homes:
        raise Forbidden("您的账号还没有关联老人，请联系社区工作人员")
    return redirect(f"/family/h/{homes[0].id}/reminders")


@router.get("/h/{household_id}/reminders")
def reminders_page(
    request: Request,
    household_id: str,
    who: Actor = Depends(family_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> Response:
    items = reminders.list_reminders(session, who, household_id)
    history = [o for o in reminders.occurrences(session, who, household_id, at, days_back=7, days_ahead=1)]
    return _page(
        request,
        session,
        who,
        household_id,
        "family/reminders.html",
        {
            "reminders": items,
            "occurrences": history[:60],
            # 未配对音箱 rather than 未确认 when no speaker was there to say it (issue 15)
            "speakers_then": presence.history(session, household_id),
            "tab": "reminders",
        },
    )


def _reminder_input(fields: Dict[str, str]) -> ReminderInput:
    repeat = fields.get("repeat", "")
    days = tuple(int(d) for d in "1234567" if fields.get(f"weekday{d}"))
    start: Optional[date] = None
    if fields.get("start_date", "").strip():
        try:
            start = date.fromisoformat(fields["start_date"].strip())
        except ValueError as exc:
            raise InvalidInput("日期格式不对") from exc
    if repeat not in {r.value for r in Repeat}:
        raise InvalidInput("请选择重复方式")
    return ReminderInput(
        fields.get("content", ""),
        fields.get("time_of_day", ""),
        Repeat(repeat),
        days if repeat == Repeat.WEEKLY.value else (),
        start,
        important=bool(fields.get("important")),
    )


def _form_page(
    request: Request,
    session: Session,
    who: Actor,
    household_id: str,
    reminder: Optional[Reminder],
    fields: Dict[str, str],
    error: str = "",
    status: int = 200,
) -> Response:
    return _page(
        request,
        session,
        who,
        household_id,
        "family/reminder_form.html",
        {"reminder": reminder, "f": fields, "error": error, "tab": "reminders"},
        status,
    )


@router.get("/h/{household_id}/reminders/new")
def new_reminder(
    request: Request,
    household_id: str,
    who: Actor = Depends(family_actor),
    session: Session = Depends(deps.db_session),
) -> Response:
    return _form_page(request, session, who, household_id, None, {"repeat": "daily", "time_of_day": "08:00"})


@router.post("/h/{household_id}/reminders/new")
def create_reminder(
    request: Request,
    household_id: str,
    who: Actor = Depends(family_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    check_csrf(fields, who)
    get_household(session, who, household_id)
    try:
        reminders.create_reminder(session, who, household_id, _reminder_input(fields), at)
    except CommunityError as exc:
        session.rollback()
        return _form_page(request, session, who, household_id, None, fields, exc.message, exc.status)
    session.commit()
    return redirect(f"/family/h/{household_id}/reminders")


@router.get("/r/{reminder_id}/edit")
def edit_reminder(
    request: Request,
    reminder_id: str,
    who: Actor = Depends(family_actor),
    session: Session = Depends(deps.db_session),
) -> Response:
    item = reminders.get_reminder(session, who, reminder_id)
    fields = {
        "content": item.content,
        "time_of_day": item.time_of_day,
        "repeat": item.repeat.value,
        "start_date": item.start_date.isoformat(),
        **{f"weekday{d}": "on" for d in item.weekdays.split(",") if d},
        **({"important": "on"} if item.important else {}),
    }
    return _form_page(request, session, who, item.household_id, item, fields)


@router.post("/r/{reminder_id}/edit")
def update_reminder(
    request: Request,
    reminder_id: str,
    who: Actor = Depends(family_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    check_csrf(fields, who)
    item = reminders.get_reminder(session, who, reminder_id)
    try:
        reminders.update_reminder(session, who, reminder_id, _reminder_input(fields), at)
    except CommunityError as exc:
        session.rollback()
        return _form_page(request, session, who, item.household_id, item, fields, exc.message, exc.status)
    session.commit()
    return redirect(f"/family/h/{item.household_id}/reminders")


@router.post("/r/{reminder_id}/{action}")
def reminder_action(
    request: Request,
    reminder_id: str,
    action: str,
    who: Actor = Depends(family_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    check_csrf(fields, who)
    item = reminders.get_reminder(session, who, reminder_id)
    if action == "pause":
        reminders.set_reminder_status(session, who, reminder_id, ReminderStatus.PAUSED, at)
    elif action == "resume":
        reminders.set_reminder_status(session, who, reminder_id, ReminderStatus.ACTIVE, at)
    elif action == "delete":
        reminders.delete_reminder(session, who, reminder_id, at)
    else:
        raise InvalidInput(
            "不认识的操作，请从提醒页面重新操作",
            f"unknown action {action!r}; expected pause, resume or delete",
        )
    session.commit()
    return redirect(f"/family/h/{item.household_id}/reminders")


@router.get("/h/{household_id}/bookings")
def bookings_page(
    request: Request,
    household_id: str,
    who: Actor = Depends(family_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> Response:
    booked = bookings.list_bookings(session, who, household_id)
    household = get_household(session, who, household_id)
    upcoming = [
        a
        for a in activities.list_activities(session, who, start=at, include_cancelled=False)
        if a.community_id == household.community_id
    ]
    mine = {b.activity_id for b in booked if b.status.value == "confirmed"}
    return _page(
        request,
        session,
        who,
        household_id,
        "family/bookings.html",
        {
            "bookings": booked,
            "upcoming": upcoming[:40],
            "mine": mine,
            "tab": "bookings",
            "error": booking_refusal_text(request.query_params.get("error", "")),
        },
    )


@router.post("/h/{household_id}/bookings")
def book_activity(
    request: Request,
    household_id: str,
    who: Actor = Depends(family_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    check_csrf(fields, who)
    try:
        if fields.get("booking_id"):
            bookings.cancel_booking(session, who, fields["booking_id"][:36], at)
        else:
            bookings.book(session, who, fields.get("activity_id", "")[:36], household_id, origin_of(who), at)
    except CommunityError as exc:
        session.rollback()
        get_household(session, who, household_id)
        return redirect(f"/family/h/{household_id}/bookings?error={booking_refusal(exc)}")
    session.commit()
    return redirect(f"/family/h/{household_id}/bookings")


@router.get("/h/{household_id}/messages")
def messages_page(
    request: Request,
    household_id: str,
    who: Actor = Depends(family_actor),
    session: Session = Depends(deps.db_session),
) -> Response:
    items = messages.list_messages(session, who, household_id)
    return _page(
        request,
        session,
        who,
        household_id,
        "family/messages.html",
        {
            "messages": items,
            "tab": "messages",
            "error": "",
            "speakers_then": presence.history(session, household_id),
        },
    )


@router.post("/h/{household_id}/messages")
def send_message(
    request: Request,
    household_id: str,
    who: Actor = Depends(family_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    check_csrf(fields, who)
    try:
        messages.send_message(session, who, household_id, fields.get("body", ""), at)
    except CommunityError as exc:
        session.rollback()
        items = messages.list_messages(session, who, household_id)
        return _page(
            request,
            session,
            who,
            household_id,
            "family/messages.html",
            {
                "messages": items,
                "tab": "messages",
                "error": exc.message,
                "speakers_then": presence.history(session, household_id),
            },
            exc.status,
        )
    session.commit()
    return redirect(f"/family/h/{household_id}/messages")


def _routine_page(
    request: Request,
    session: Session,
    who: Actor,
    household_id: str,
    fields: Dict[str, str],
    error: str = "",
    status: int = 200,
) -> Response:
    _, row = routines.get_routine(session, who, household_id)
    return _page(
        request,
        session,
        who,
        household_id,
        "family/routine.html",
        {
            "f": fields,
            "names": list(routines.NAMES.items()),
            "is_default": row is None,
            "updated_at": row.updated_at if row is not None else None,
            "error": error,
            "tab": "routine",
        },
        status,
    )


@router.get("/h/{household_id}/routine")
def routine_page(
    request: Request,
    household_id: str,
    who: Actor = Depends(family_actor),
    session: Session = Depends(deps.db_session),
) -> Response:
    times, _ = routines.get_routine(session, who, household_id)
    return _routine_page(request, session, who, household_id, dict(times))


@router.post("/h/{household_id}/routine")
def set_routine(
    request: Request,
    household_id: str,
    who: Actor = Depends(family_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    check_csrf(fields, who)
    get_household(session, who, household_id)
    values = {a: fields.get(a, "")[:20] for a in routines.ANCHORS}
    try:
        routines.set_routine(session, who, household_id, values, at)
    except CommunityError as exc:
        session.rollback()
        return _routine_page(request, session, who, household_id, values, exc.message, exc.status)
    session.commit()
    return redirect(f"/family/h/{household_id}/routine")


@router.get("/h/{household_id}/alerts")
def alerts_page(
    request: Request,
    household_id: str,
    who: Actor = Depends(family_actor),
    session: Session = Depends(deps.db_session),
) -> Response:
    rows = [(a, h) for a, h in messages.list_alerts(session, who) if h.id == household_id]
    return _page(request, session, who, household_id, "family/alerts.html", {"alerts": rows, "tab": "alerts"})


# Pages of their own modules, under the same /family prefix (issue 15).
router.include_router(family_live.router)
router.include_router(family_self.router)
