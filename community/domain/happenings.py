"""新动向 (issue 16): what an elder has been doing, newest first, for the family linked to them.

One list from what the server already holds: activities attended or missed (check-in), reminders
acknowledged or not (the occurrences the family pages show), help asked of the volunteers and who came,
messages both ways, community polls answered, skills offered. Read only; scoped like every family page
(get_household raises for a household the login is not linked to).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import List

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..actors import Actor, community_zone, get_household
from ..clock import to_local
from ..models import (
    Activity,
    Attendance,
    AttendanceStatus,
    HelpRequest,
    HelpStatus,
    Message,
    MessageDirection,
    Poll,
    PollAnswer,
    SkillOffer,
    SkillOfferStatus,
)
from . import reminders
from .reminders import OccurrenceState

_LOGGER = logging.getLogger(__name__)
DAYS = 14
"""How far back the list goes."""
LIMIT = 200


@dataclass(frozen=True)
class Happening:
    at: datetime
    """Local time in the community's zone (naive)."""
    kind: str
    """activity / reminder / help / message / poll / skill — the CSS class of the row."""
    text: str
    good: bool = True
    """False for what the family may want to look into (a reminder not acknowledged, a class missed)."""


def happenings(session: Session, actor: Actor, household_id: str, now: datetime) -> List[Happening]:
    """The elder's last DAYS days, newest first (at most LIMIT)."""
    household = get_household(session, actor, household_id)
    zone = community_zone(session, household.community_id)
    since = now - timedelta(days=DAYS)

    def local(value: datetime) -> datetime:
        return to_local(value, zone).replace(tzinfo=None)

    out: List[Happening] = []
    for mark, act in session.execute(
            select(Attendance, Activity).join(Activity, Activity.id == Attendance.activity_id)
            .where(Attendance.household_id == household.id, Activity.starts_at >= since)):
        came = mark.status is AttendanceStatus.PRESENT
        out.append(Happening(local(act.starts_at), "activity",
                             f"{'参加了' if came else '没去'}「{act.title}」", came))
    for item in reminders.occurrences(session, actor, household.id, now, days_back=DAYS, days_ahead=0):
        if item.state is OccurrenceState.ACKNOWLEDGED:
            out.append(Happening(item.due_at.replace(tzinfo=None), "reminder", f"确认了提醒：{item.content}"))
        elif item.state is OccurrenceState.UNACKNOWLEDGED:
            word = "错过了提醒" if item.missed else "没有确认提醒"
            due = item.due_at.replace(tzinfo=None)
            out.append(Happening(due, "reminder", f"{word}：{item.content}", False))
    for req in session.scalars(select(HelpRequest).where(HelpRequest.household_id == household.id,
                                                        HelpRequest.created_at >= since)):
        out.append(Happening(local(req.created_at), "help", f"请志愿者帮忙：{req.what}"))
        if req.status in (HelpStatus.DONE, HelpStatus.THANKED) and req.done_at is not None:
            out.append(Happening(local(req.done_at), "help", f"志愿者帮完了：{req.what}"))
    for msg in session.scalars(select(Message).where(Message.household_id == household.id,
                                                     Message.created_at >= since)):
        if msg.direction is MessageDirection.FROM_ELDER:
            out.append(Happening(local(msg.device_sent_at or msg.created_at), "message", f"留言：{msg.body}"))
        elif msg.read_at is not None:
            out.append(Happening(local(msg.read_at), "message", f"听了留言：{msg.body}"))
    for answer, poll in session.execute(
            select(PollAnswer, Poll).join(Poll, Poll.id == PollAnswer.poll_id)
            .where(PollAnswer.household_id == household.id, PollAnswer.answered_at >= since)):
        if answer.choice.isdigit():
            chosen = poll.options[int(answer.choice) - 1]
            text = f"回答了社区调查「{poll.question}」：{chosen}"
            out.append(Happening(local(answer.answered_at), "poll", text))
    for offer in session.scalars(select(SkillOffer).where(SkillOffer.household_id == household.id,
                                                         SkillOffer.created_at >= since)):
        taught = "，社区开成了活动" if offer.status is SkillOfferStatus.TAUGHT else ""
        out.append(Happening(local(offer.created_at), "skill", f"愿意教大家{offer.skill}{taught}"))
    out.sort(key=lambda h: h.at, reverse=True)
    return out[:LIMIT]
