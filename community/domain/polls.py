"""Voice polls (活动调查, issue 16): staff ask a short question with 2–4 spoken options; the speakers it
targets ask it at a quiet moment, take the answer by voice and send it (`poll.answer` op); staff see
the results as they come in.

A household answers a poll once (uq_poll_answer_household): its choice is the option number ("1"–"4"),
"any" (都可以), "none" (不知道 / 不选) or "" (asked, no answer came — the speaker never asks twice). A
later real answer replaces an empty one; any other second answer leaves the first as it was.

Scope: staff their community's polls; a speaker only the polls its household is targeted by.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Dict, List, Optional, Sequence, Tuple

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..actors import Actor
from ..changes import record_change
from ..errors import Conflict, InvalidInput, NotFound
from ..models import AnnouncementTarget, Entity, Household, Poll, PollAnswer
from . import checks

_LOGGER = logging.getLogger(__name__)
MIN_OPTIONS, MAX_OPTIONS = 2, 4
OPTION_CHARS = 20
"""An option is a few words the speaker reads out and the senior repeats (白云山, 星期六上午)."""
ANY, NONE, UNANSWERED = "any", "none", ""
CHOICES_SHOWN = {ANY: "都可以", NONE: "不知道 / 不选", UNANSWERED: "问过，没有回答"}


@dataclass(frozen=True)
class PollInput:
    question: str
    options: Sequence[str]
    target: AnnouncementTarget = AnnouncementTarget.ALL
    group_name: str = ""

    def checked(self) -> "PollInput":
        question = checks.text("question", self.question, 4, 80, "问题")
        options = [str(o).strip() for o in self.options if str(o).strip()]
        if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
            raise InvalidInput(f"选项：请填 {MIN_OPTIONS} 到 {MAX_OPTIONS} 个",
                               f"options: expected {MIN_OPTIONS}–{MAX_OPTIONS}, got {len(options)}")
        options = [checks.text("options", o, 1, OPTION_CHARS, "选项") for o in options]
        if len(set(options)) != len(options):
            raise InvalidInput("选项：有两个选项一样，老人分不出来", "options: two options are the same")
        target = checks.choice("target", AnnouncementTarget, self.target)
        group = checks.text("group_name", self.group_name, 0, 40, "发给")
        if (target is AnnouncementTarget.GROUP) != bool(group):
            raise InvalidInput("发给：发给一个楼栋/小组时请选择是哪一个",
                               "group_name: required for target=group and only then")
        return PollInput(question, tuple(options), target, group)


@dataclass
class Results:
    """How a poll stands: answers per option, 'any', 'none', asked without answer, not yet asked."""

    poll: Poll
    counts: List[int]
    any: int = 0
    none: int = 0
    unanswered: int = 0
    targeted: int = 0
    answers: List[Tuple[PollAnswer, Household]] = field(default_factory=list)

    @property
    def answered(self) -> int:
        return sum(self.counts) + self.any + self.none

    @property
    def waiting(self) -> int:
        """Targeted households whose speaker has not asked yet."""
        return max(0, self.targeted - self.answered - self.unanswered)


def create_poll(session: Session, actor: Actor, data: PollInput, now: datetime) -> Poll:
    """Staff ask their community (or one group of it); every targeted speaker syncs it."""
    community_id = actor.staff_community
    data = data.checked()
    if data.target is AnnouncementTarget.GROUP and not session.scalar(
        select(Household.id).where(Household.community_id == community_id,
                                   Household.group_name == data.group_name,
                                   Household.deleted_at.is_(None)).limit(1)):
        raise InvalidInput(f"发给：“{data.group_name}”里没有住户",
                           f"group_name: no household is in group {data.group_name!r}")
    poll = Poll(community_id=community_id, question=data.question, options=list(data.options),
                target=data.target, group_name=data.group_name, created_by=actor.id, created_at=now)
    session.add(poll)
    session.flush()
    record_change(session, community_id, None, Entity.POLL, poll.id, now)
    return poll


def get_poll(session: Session, actor: Actor, poll_id: str) -> Poll:
    poll = session.get(Poll, str(poll_id)[:36])
    if poll is None or poll.community_id != actor.staff_community:
        raise NotFound("没有这个调查")
    return poll


def close_poll(session: Session, actor: Actor, poll_id: str, now: datetime) -> Poll:
    """结束调查: speakers that have not asked it yet drop it; answers already given stay."""
    poll = get_poll(session, actor, poll_id)
    if poll.closed_at is None:
        poll.closed_at = now
        record_change(session, poll.community_id, None, Entity.POLL, poll.id, now)
    return poll


def list_polls(session: Session, actor: Actor) -> List[Results]:
    """The community's polls, newest first, each with its results."""
    polls = list(session.scalars(select(Poll).where(Poll.community_id == actor.staff_community)
                                 .order_by(Poll.created_at.desc(), Poll.id).limit(200)))
    return [results(session, poll) for poll in polls]


def results(session: Session, poll: Poll) -> Results:
    out = Results(poll, [0] * len(poll.options))
    rows = session.execute(
        select(PollAnswer, Household).join(Household, Household.id == PollAnswer.household_id)
        .where(PollAnswer.poll_id == poll.id).order_by(PollAnswer.answered_at.desc())).all()
    for answer, household in rows:
        out.answers.append((answer, household))
        if answer.choice == ANY:
            out.any += 1
        elif answer.choice == NONE:
            out.none += 1
        elif answer.choice == UNANSWERED:
            out.unanswered += 1
        elif answer.choice.isdigit() and 1 <= int(answer.choice) <= len(out.counts):
            out.counts[int(answer.choice) - 1] += 1
    query = select(func.count(Household.id)).where(Household.community_id == poll.community_id,
                                                   Household.deleted_at.is_(None))
    if poll.target is AnnouncementTarget.GROUP:
        query = query.where(Household.group_name == poll.group_name)
    out.targeted = int(session.scalar(query) or 0)
    return out


def _reaches(poll: Poll, household: Household) -> bool:
    return poll.community_id == household.community_id and (
        poll.target is AnnouncementTarget.ALL or poll.group_name == household.group_name)


def answer(session: Session, household: Household, poll_id: str, choice: Optional[object], heard: str,
           said_at: datetime, now: datetime) -> Tuple[PollAnswer, bool]:
    """A speaker's `poll.answer`: (the answer kept, whether one was kept already).

    choice: an option number (1-based), "any", "none", or None/"" when the speaker asked and heard no
    answer. A poll closed before the answer was said refuses it (Conflict); another community's
    poll, or one not meant for this household, is not found."""
    poll = session.get(Poll, str(poll_id)[:36])
    if poll is None or not _reaches(poll, household):
        raise NotFound("没有这个调查 (no such poll for this household)")
    wanted = _choice(choice, len(poll.options))
    if poll.closed_at is not None and said_at > poll.closed_at:
        raise Conflict("这个调查已经结束了 (the poll was closed before this answer)")
    kept = session.scalar(select(PollAnswer).where(PollAnswer.poll_id == poll.id,
                                                   PollAnswer.household_id == household.id))
    if kept is not None:
        if kept.choice == UNANSWERED and wanted != UNANSWERED:
            kept.choice, kept.heard, kept.answered_at, kept.received_at = wanted, heard[:200], said_at, now
            return kept, False
        return kept, True
    item = PollAnswer(poll_id=poll.id, household_id=household.id, choice=wanted, heard=heard[:200],
                      answered_at=said_at, received_at=now)
    session.add(item)
    session.flush()
    return item, False


def _choice(value: Optional[object], options: int) -> str:
    if value is None or value == UNANSWERED:
        return UNANSWERED
    if value in (ANY, NONE):
        return str(value)
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit() \
            or not 1 <= int(value) <= options:
        raise InvalidInput("选择不在选项里",
                           f"choice: expected 1–{options}, 'any', 'none' or null, got {value!r}")
    return str(int(value))


@dataclass(frozen=True)
class Home:
    """The household a speaker belongs to, as the feed knows it."""

    community_id: str
    household_id: str
    group_name: str


def _meant_for(home: Home) -> List[object]:
    return [Poll.community_id == home.community_id,
            or_(Poll.target == AnnouncementTarget.ALL, Poll.group_name == home.group_name)]


def open_for(session: Session, home: Home) -> List[Poll]:
    """Polls this household's speaker should still ask: open, meant for it, not answered (nor asked)."""
    answered = select(PollAnswer.poll_id).where(PollAnswer.household_id == home.household_id)
    return list(session.scalars(
        select(Poll).where(*_meant_for(home), Poll.closed_at.is_(None), Poll.id.not_in(answered))
        .order_by(Poll.created_at, Poll.id).limit(20)))


def feed_items(session: Session, home: Home, ids: Optional[Sequence[str]]) -> List[Dict[str, object]]:
    """`polls[]` of the change feed: the polls to ask ({id, question, options}). With ids (changed polls),
    one closed meanwhile comes as {id, closed: true} so the speaker drops it; a poll meant for another
    group is left out."""
    if ids is None:
        return [_item(p) for p in open_for(session, home)]
    changed = list(session.scalars(select(Poll).where(*_meant_for(home), Poll.id.in_(list(ids)))))
    return [_item(p) if p.closed_at is None else {"id": p.id, "closed": True} for p in changed]


def _item(poll: Poll) -> Dict[str, object]:
    return {"id": poll.id, "question": poll.question, "options": list(poll.options)}
