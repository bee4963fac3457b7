"""CSV exports for staff: sign-ups, attendance and points (UTF-8 with BOM, Chinese headers).

Excel and WPS read a CSV without a byte-order mark as the system's code page (GBK on Chinese
Windows) and show 王秀英 as mojibake; with the BOM they read UTF-8. Text cells that start with
= + - @ would be run as formulas, so they get a leading apostrophe (CSV injection).
"""

from __future__ import annotations

import csv
import io
import logging
from datetime import date, datetime, timedelta
from typing import Iterable, List, Optional, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..actors import Actor, community_zone, households_query
from ..clock import combine_local, to_local
from ..errors import InvalidInput
from ..models import (
    Activity,
    Attendance,
    AttendanceStatus,
    Booking,
    BookingStatus,
    Household,
    PointsEntry,
)
from .activities import get_activity

_LOGGER = logging.getLogger(__name__)
BOM = "\ufeff"
MAX_DAYS = 366
_STATUS = {AttendanceStatus.PRESENT: "已到", AttendanceStatus.ABSENT: "未到", None: "未签到"}
SIGNUP_HEADER = ["活动", "开始时间", "地点", "老人", "称呼", "楼栋/小组", "报名时间", "签到", "活动积分"]
POINTS_HEADER = ["时间", "老人", "称呼", "楼栋/小组", "积分", "事由"]


def _cell(value: object) -> object:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 with BOM, CRLF line ends (what Excel writes)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return (BOM + out.getvalue()).encode("utf-8")


def signups_csv(
    session: Session, actor: Actor, first: date, last: date, activity_id: Optional[str] = None
) -> bytes:
    """Every confirmed sign-up of activities starting on local days first–last (or of one
    activity), with check-in and the points given for it."""
    community_id = actor.staff_community
    zone = community_zone(session, community_id)
    query = (
        select(Activity, Booking, Household, Attendance.status, PointsEntry.points)
        .join(Booking, Booking.activity_id == Activity.id)
        .join(Household, Household.id == Booking.household_id)
        .outerjoin(
            Attendance,
            (Attendance.activity_id == Activity.id) & (Attendance.household_id == Booking.household_id),
        )
        .outerjoin(
            PointsEntry,
            (PointsEntry.activity_id == Activity.id) & (PointsEntry.household_id == Booking.household_id),
        )
        .where(Activity.community_id == community_id, Booking.status == BookingStatus.CONFIRMED)
        .order_by(Activity.starts_at, Activity.id, Booking.created_at)
    )
    if activity_id is not None:
        query = query.where(Activity.id == get_activity(session, actor, activity_id).id)
    else:
        if last < first:
            raise InvalidInput("结束日期：不能早于开始日期")
        if (last - first).days >= MAX_DAYS:
            raise InvalidInput("结束日期：一次最多导出一年")
        start = combine_local(first, datetime.min.time(), zone)
        end = combine_local(last + timedelta(days=1), datetime.min.time(), zone)
        query = query.where(Activity.starts_at >= start, Activity.starts_at < end)
    rows: List[List[object]] = []
    for activity, booking, home, status, points in session.execute(query):
        rows.append(
            [
                activity.title + ("（已取消）" if activity.status.value == "cancelled" else ""),
                to_local(activity.starts_at, zone).strftime("%Y-%m-%d %H:%M"),
                activity.place,
                home.elder_name + ("（已删除）" if home.deleted_at is not None else ""),
                home.address_as,
                home.group_name,
                to_local(booking.created_at, zone).strftime("%Y-%m-%d %H:%M"),
                _STATUS[status],
                "" if points is None else points,
            ]
        )
    return to_csv(SIGNUP_HEADER, rows)


def points_csv(session: Session, actor: Actor) -> bytes:
    """The whole points ledger of the community, oldest first, with each household's total last."""
    community_id = actor.staff_community
    zone = community_zone(session, community_id)
    visible = households_query(actor).with_only_columns(Household.id)
    query = (
        select(PointsEntry, Household)
        .join(Household, Household.id == PointsEntry.household_id)
        .where(PointsEntry.household_id.in_(visible))
        .order_by(PointsEntry.created_at, PointsEntry.id)
    )
    rows: List[List[object]] = []
    for entry, home in session.execute(query):
        rows.append(
            [
                to_local(entry.created_at, zone).strftime("%Y-%m-%d %H:%M"),
                home.elder_name,
                home.address_as,
                home.group_name,
                entry.points,
                entry.reason,
            ]
        )
    return to_csv(POINTS_HEADER, rows)


def filename(stem: str, now: datetime, zone: object) -> str:
    return f"{stem}-{to_local(now, zone).strftime('%Y%m%d')}.csv"  # type: ignore[arg-type]
