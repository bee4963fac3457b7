"""Demo data: one community with a month of weekly activities, households, family users and staff."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Dict, List
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from .actors import Actor, ActorKind
from .clock import SystemClock, to_local
from .config import Settings
from .db import Database
from .domain import accounts, announcements, help_requests, messages, points, reminders, series, volunteers
from .domain.announcements import AnnouncementInput
from .domain.households import HouseholdInput, create_household
from .domain.reminders import ReminderInput
from .domain.series import SeriesInput
from .models import ActivityCategory, AnnouncementTarget, Community, Dialect, Repeat

_LOGGER = logging.getLogger(__name__)
DEMO_COMMUNITY = "幸福里社区"
DEMO_PASSWORD = "yuechao-demo"
DEMO_VOLUNTEER_PHONE = "13800000001"
"""The demo volunteer 小李 logs in with this phone number."""
_HOMES = [
    ("王秀英", "王阿姨", Dialect.CANTONESE, "1号楼"),
    ("李建国", "李伯伯", Dialect.MANDARIN, "1号楼"),
    ("陈美玲", "陈奶奶", Dialect.CANTONESE, "2号楼"),
    ("张德明", "张爷爷", Dialect.MANDARIN, "2号楼"),
    ("黄淑芬", "黄阿姨", Dialect.HAKKA, "3号楼"),
    ("刘志强", "刘叔叔", Dialect.MINNAN, "3号楼"),
]
# (title, category, place, hour, minutes long, capacity): one weekly timetable, each slot a weekly series.
_TIMETABLE = {
    0: [("太极拳晨练", ActivityCategory.EXERCISE, "社区广场", 8, 60, 30)],
    1: [
        ("免费量血压", ActivityCategory.HEALTH, "社区卫生站", 9, 120, 40),
        ("智能手机课", ActivityCategory.LEARNING, "活动中心二楼", 14, 90, 15),
    ],
    2: [("粤剧欣赏", ActivityCategory.CULTURE, "老年活动室", 15, 120, 25)],
    3: [
        ("书法班", ActivityCategory.LEARNING, "活动中心二楼", 9, 90, 12),
        ("义剪服务", ActivityCategory.VOLUNTEER, "社区服务站", 14, 120, 10),
    ],
    4: [("健康讲座：预防跌倒", ActivityCategory.HEALTH, "社区礼堂", 10, 60, 50)],
    5: [("广场舞", ActivityCategory.EXERCISE, "社区广场", 19, 60, 40)],
    6: [("生日会", ActivityCategory.CULTURE, "老年活动室", 15, 90, 30)],
}


def _staff_actor(user_id: str, community_id: str) -> Actor:
    return Actor(ActorKind.STAFF, user_id, "社区工作人员", frozenset({community_id}))


def seed_demo(database: Database, settings: Settings, days: int = 30) -> List[Dict[str, str]]:
    """Create the demo community (once) and return the logins to print."""
    logins = [
        {"role": "staff", "username": "staff", "password": DEMO_PASSWORD, "url": "/login"},
        {"role": "family", "username": "daughter", "password": DEMO_PASSWORD, "elder": "王阿姨, 李伯伯"},
        {"role": "family", "username": "son", "password": DEMO_PASSWORD, "elder": "陈奶奶"},
        {"role": "volunteer", "username": DEMO_VOLUNTEER_PHONE, "password": DEMO_PASSWORD, "name": "小李"},
    ]
    clock = SystemClock()
    now = clock.now()
    with database.write() as session:
        if session.scalar(select(Community.id).where(Community.name == DEMO_COMMUNITY)):
            _LOGGER.info("demo community exists; nothing to do")
            return logins
        staff = accounts.create_staff(session, "staff", "周社工", DEMO_PASSWORD, DEMO_COMMUNITY)
        community_id = staff.community_id or ""
        actor = _staff_actor(staff.id, community_id)
        zone = ZoneInfo(settings.default_timezone)
        homes = [create_household(session, actor, HouseholdInput(*h), now) for h in _HOMES]
        daughter = accounts.create_family(
            session, "daughter", "王小红", DEMO_PASSWORD, [homes[0].id, homes[1].id], "女儿"
        )
        son = accounts.create_family(session, "son", "陈志明", DEMO_PASSWORD, [homes[2].id], "儿子")
        today = to_local(now, zone).date()
        _seed_activities(session, actor, today, days, zone, now)
        family = accounts.actor_for_user(session, daughter)
        for home in homes[:3]:
            setter = family if home.id in family.household_ids else accounts.actor_for_user(session, son)
            reminders.create_reminder(
                session, setter, home.id, ReminderInput("吃降压药", "08:00", Repeat.DAILY, (), today), now
            )
            reminders.create_reminder(
                session,
                setter,
                home.id,
                ReminderInput("去社区量血压", "09:00", Repeat.WEEKLY, (2,), today),
                now,
            )
        messages.send_message(session, family, homes[0].id, "妈，周末我回来看您，记得按时吃药。", now)
        announcements.create_announcement(
            session,
            actor,
            AnnouncementInput(
                "停水通知",
                "明天上午九点到十二点维修水管，请提前储水。",
                AnnouncementTarget.ALL,
                now,
                now + timedelta(days=2),
            ),
            now,
        )
        for home in homes[:4]:
            points.add_points(session, actor, home.id, 10, "参加义剪服务", now)
        volunteers.create_volunteer(session, actor, "小李", DEMO_VOLUNTEER_PHONE, DEMO_PASSWORD)
        help_requests.create_help(session, actor, homes[1].id, "帮我换个厨房的灯泡", None, now)
    return logins


def _seed_activities(
    session: Session, actor: Actor, today: date, days: int, zone: ZoneInfo, now: datetime
) -> None:
    """The weekly timetable as weekly series (community.domain.series), one per slot, for `days` days."""
    first, last = today + timedelta(days=1), today + timedelta(days=days)
    for weekday, slots in _TIMETABLE.items():
        for title, category, place, hour, minutes, capacity in slots:
            series.create_series(
                session,
                actor,
                SeriesInput(
                    title,
                    category,
                    place,
                    capacity,
                    (weekday + 1,),
                    first,
                    last,
                    f"{hour:02d}:00",
                    minutes,
                    f"{title}，欢迎参加。",
                ),
                now,
            )
