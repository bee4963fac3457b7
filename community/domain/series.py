"""Weekly activity series: one rule (weekdays, from–until, time) that makes ordinary Activity rows.

Each session stays a normal Activity (synced, booked, cancelled like any other), tagged with its
series and local day. Skipped days (SeriesSkip) are exceptions: no session is made on them, and a
session cancelled on its own is recorded as one, so editing the series never brings it back.
Editing the series changes future sessions only, and never one whose sign-ups it would break.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import List, Optional, Set, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..actors import Actor, community_zone
from ..clock import parse_hhmm, to_local
from ..errors import InvalidInput, NotFound
from ..models import Activity, ActivityCategory, ActivitySeries, ActivityStatus, SeriesSkip
from . import activities
from .activities import MAX_CAPACITY, ActivityInput

_LOGGER = logging.getLogger(__name__)
MAX_DAYS = 366
"""A series spans at most this many days (make a new one for the next year)."""
MAX_SESSIONS = 200
WEEKDAY_NAMES = "一二三四五六日"


def _text(label: str, value: str, low: int, high: int) -> str:
    value = (value or "").strip()
    if low and not value:
        raise InvalidInput(f"{label}：请填写")
    if len(value) > high:
        raise InvalidInput(f"{label}：最多 {high} 个字，现在有 {len(value)} 个")
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in value):
        raise InvalidInput(f"{label}：含有无法保存的控制字符")
    return value


@dataclass(frozen=True)
class SeriesInput:
    title: str
    category: ActivityCategory
    place: str
    capacity: int
    weekdays: Tuple[int, ...]
    """ISO weekdays, 1 = Monday."""
    first_day: date
    last_day: date
    start_time: str
    """Local 'HH:MM'."""
    minutes: int
    description: str = ""

    def checked(self, today: date) -> "SeriesInput":
        """Checked copy; InvalidInput in plain Chinese naming the form's labels."""
        days = tuple(sorted(set(self.weekdays)))
        if not days or any(d not in range(1, 8) for d in days):
            raise InvalidInput("每周哪几天：请至少选一天")
        if self.last_day < self.first_day:
            raise InvalidInput("结束日期：不能早于开始日期")
        if (self.last_day - self.first_day).days >= MAX_DAYS:
            raise InvalidInput("结束日期：一个系列最长一年，请分开建")
        if self.last_day < today:
            raise InvalidInput("结束日期：已经过去了，请选今天或以后的日期")
        try:
            parse_hhmm(self.start_time)
        except InvalidInput as exc:
            raise InvalidInput("时间：请填写几点几分，例如 09:30") from exc
        if not 10 <= self.minutes <= 12 * 60:
            raise InvalidInput("时长（分钟）：请填 10 到 720 之间的数字")
        if not 1 <= self.capacity <= MAX_CAPACITY:
            raise InvalidInput(f"名额：请填 1 到 {MAX_CAPACITY} 之间的数字")
        try:
            category = ActivityCategory(self.category)
        except ValueError as exc:
            raise InvalidInput("类别：请选择活动类别") from exc
        return SeriesInput(
            _text("名称", self.title, 1, 60),
            category,
            _text("地点", self.place, 1, 60),
            self.capacity,
            days,
            self.first_day,
            self.last_day,
            parse_hhmm(self.start_time).strftime("%H:%M"),
            self.minutes,
            _text("介绍", self.description, 0, 2000),
        )


@dataclass
class SeriesChange:
    """What creating or editing a series did to its sessions."""

    created: List[Activity] = field(default_factory=list)
    updated: List[Activity] = field(default_factory=list)
    cancelled: List[Activity] = field(default_factory=list)
    kept: List[Tuple[Activity, str]] = field(default_factory=list)
    """Future sessions left as they were, with the reason (their sign-ups)."""


def weekdays_text(weekdays: str) -> str:
    """'1,3' → '周一、周三'."""
    return "、".join(f"周{WEEKDAY_NAMES[int(d) - 1]}" for d in weekdays.split(",") if d)


def get_series(session: Session, actor: Actor, series_id: str) -> ActivitySeries:
    item = session.scalar(
        select(ActivitySeries).where(
            ActivitySeries.id == series_id, ActivitySeries.community_id.in_(actor.community_ids)
        )
    )
    if item is None:
        raise NotFound("找不到这个每周活动")
    return item


def list_series(session: Session, actor: Actor) -> List[ActivitySeries]:
    _ = actor.staff_community
    query = select(ActivitySeries).where(ActivitySeries.community_id.in_(actor.community_ids))
    return list(session.scalars(query.order_by(ActivitySeries.title, ActivitySeries.id)))


def sessions(session: Session, series: ActivitySeries) -> List[Activity]:
    return list(
        session.scalars(select(Activity).where(Activity.series_id == series.id).order_by(Activity.starts_at))
    )


def skipped_days(session: Session, series: ActivitySeries) -> List[date]:
    return list(
        session.scalars(
            select(SeriesSkip.day).where(SeriesSkip.series_id == series.id).order_by(SeriesSkip.day)
        )
    )


def _rule_days(series: ActivitySeries) -> List[date]:
    wanted = {int(d) for d in series.weekdays.split(",") if d}
    span = (series.last_day - series.first_day).days + 1
    days = (series.first_day + timedelta(days=n) for n in range(span))
    return [d for d in days if d.isoweekday() in wanted][:MAX_SESSIONS]


def _session_input(series: ActivitySeries, day: date, zone: object) -> ActivityInput:
    start = datetime.combine(day, parse_hhmm(series.start_time), tzinfo=zone)  # type: ignore[arg-type]
    return ActivityInput(
        series.title,
        series.category,
        series.place,
        start,
        start + timedelta(minutes=series.minutes),
        series.capacity,
        series.description,
    )


def _apply(series: ActivitySeries, data: SeriesInput) -> None:
    series.title, series.category, series.place = data.title, data.category, data.place
    series.capacity, series.description = data.capacity, data.description
    series.weekdays = ",".join(str(d) for d in data.weekdays)
    series.first_day, series.last_day = data.first_day, data.last_day
    series.start_time, series.minutes = data.start_time, data.minutes


def _today(session: Session, actor: Actor, now: datetime) -> date:
    return to_local(now, community_zone(session, actor.staff_community)).date()


def create_series(
    session: Session, actor: Actor, data: SeriesInput, now: datetime
) -> Tuple[ActivitySeries, SeriesChange]:
    """Staff make a weekly series and its sessions (days still to come; at most MAX_SESSIONS)."""
    community_id = actor.staff_community
    data = data.checked(_today(session, actor, now))
    series = ActivitySeries(community_id=community_id, created_at=now, updated_at=now)
    _apply(series, data)
    if not _rule_days(series):
        raise InvalidInput("每周哪几天：从开始日期到结束日期之间没有选中的星期几")
    session.add(series)
    session.flush()
    change = SeriesChange()
    _fill(session, actor, series, set(), now, change)
    if not change.created:
        raise InvalidInput("开始日期：这个时间段里没有还没开始的场次")
    return series, change


def _fill(
    session: Session,
    actor: Actor,
    series: ActivitySeries,
    have: Set[date],
    now: datetime,
    change: SeriesChange,
) -> None:
    """Make the sessions of rule days that have none (not skipped, not started yet)."""
    zone = community_zone(session, series.community_id)
    skipped = set(skipped_days(session, series))
    for day in _rule_days(series):
        if day in have or day in skipped:
            continue
        data = _session_input(series, day, zone)
        if data.starts_at <= now:
            continue
        activity = activities.create_activity(session, actor, data, now)
        activity.series_id, activity.series_day = series.id, day
        session.flush()
        change.created.append(activity)


def update_series(
    session: Session, actor: Actor, series_id: str, data: SeriesInput, now: datetime
) -> SeriesChange:
    """Change the rule and every future session it still holds.

    A future session with sign-ups keeps its day and time (the elders signed up for them) and its
    capacity may not drop below them; such sessions are listed in `kept`. A future session whose
    day left the rule is cancelled when nobody signed up, else kept. Past sessions never change.
    """
    _ = actor.staff_community
    series = get_series(session, actor, series_id)
    data = data.checked(_today(session, actor, now))
    _apply(series, data)
    series.updated_at = now
    if not _rule_days(series):
        raise InvalidInput("每周哪几天：从开始日期到结束日期之间没有选中的星期几")
    zone = community_zone(session, series.community_id)
    rule = set(_rule_days(series))
    change = SeriesChange()
    have: Set[date] = set()
    for activity in sessions(session, series):
        day = activity.series_day
        if day is not None:
            have.add(day)
        if activity.starts_at <= now or activity.status is ActivityStatus.CANCELLED or day is None:
            continue
        if day not in rule:
            if activity.booked:
                change.kept.append((activity, f"已有 {activity.booked} 人报名，这一场保留"))
            else:
                activities.cancel_activity(session, actor, activity.id, now, note_exception=False)
                change.cancelled.append(activity)
            continue
        wanted = _session_input(series, day, zone)
        moved = (wanted.starts_at, wanted.ends_at) != (activity.starts_at, activity.ends_at)
        if activity.booked and moved:  # the elders signed up for this time: it stays
            wanted = ActivityInput(
                wanted.title,
                wanted.category,
                wanted.place,
                activity.starts_at,
                activity.ends_at,
                wanted.capacity,
                wanted.description,
            )
        if not activities.apply_update(session, activity, wanted, now):
            change.kept.append(
                (activity, f"已有 {activity.booked} 人报名，名额不能少于报名人数，这一场没有改")
            )
        elif activity.booked and moved:
            change.kept.append((activity, f"已有 {activity.booked} 人报名，时间没有改"))
        else:
            change.updated.append(activity)
    _fill(session, actor, series, have, now, change)
    return change


def skip_day(session: Session, actor: Actor, series_id: str, day: date, now: datetime) -> Optional[Activity]:
    """No session on `day`: its session (if any, not started) is cancelled, the others untouched.

    Returns the cancelled session (its sign-ups stay, so staff can tell the households)."""
    _ = actor.staff_community
    series = get_series(session, actor, series_id)
    if day not in _rule_days(series):
        raise InvalidInput("跳过哪一天：这一天本来就没有这个活动")
    if day < _today(session, actor, now):
        raise InvalidInput("跳过哪一天：这一天已经过去了")
    activity = session.scalar(
        select(Activity).where(Activity.series_id == series.id, Activity.series_day == day)
    )
    if activity is not None and activity.starts_at <= now:
        raise InvalidInput("跳过哪一天：这一场已经开始了")
    note_skip(session, series.id, day, now)
    if activity is not None and activity.status is ActivityStatus.SCHEDULED:
        activities.cancel_activity(session, actor, activity.id, now)
        return activity
    return None


def note_skip(session: Session, series_id: str, day: date, now: datetime) -> None:
    """Record an exception day (idempotent)."""
    if session.get(SeriesSkip, (series_id, day)) is None:
        session.add(SeriesSkip(series_id=series_id, day=day, created_at=now))
        session.flush()


def start_of(series: ActivitySeries) -> time:
    return parse_hhmm(series.start_time)
