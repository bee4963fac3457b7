"""Escalations: worries the server raises itself, not the elder (issue 15, point 7).

- an important (重要) reminder missed: the speaker said it four times (the first time and three
  repeats, five minutes apart) and nobody said 知道了, or it could not say it at all, and reported
  `reminder.missed` (community.domain.sync); an acknowledgement of the same occurrence that
  arrives later cancels it;
- a daily reminder missed on two days in a row (the streak's last day names it, so a third
  missed day raises it again after someone handled the second);
- a paired speaker silent for more than Settings.speaker_silent_hours (no sync since then).

Computed on read from stored rows with the injected clock (no background job, nothing written
by a page view): every family page shows each open escalation of every linked household at
once; when no family member has handled it (我来处理) within Settings.escalate_after_minutes,
the staff dashboard shows it too (at once for a household without any family login). Handling
one stores a CareAlert row keyed by (household, kind, subject), so it stays handled.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..actors import Actor, ActorKind, community_zone, get_household
from ..clock import to_local
from ..config import Settings
from ..errors import Conflict, Forbidden, NotFound
from ..models import (
    CareAlert,
    CareAlertKind,
    FamilyLink,
    Household,
    Reminder,
    ReminderEvent,
    ReminderEventKind,
    ReminderStatus,
    Repeat,
)
from . import presence

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class Escalation:
    """One open worry about one household."""

    kind: CareAlertKind
    household_id: str
    subject_key: str
    """What it is about: 'reminder-id@due' or 'device-id@last-contact' (UTC, to the minute)."""
    raised_at: datetime
    """When the server could first know (UTC): the missed report's arrival, or the last contact
    plus the silence allowed."""
    staff_from: datetime
    """From when the staff dashboard shows it (raised_at + escalate_after, or raised_at when the
    household has no family login)."""
    detail: str
    """The reminder's content, or the speaker's name."""
    reminder_id: Optional[str] = None
    device_id: Optional[str] = None
    due_at: Optional[datetime] = None
    """The (latest) missed occurrence (UTC)."""
    previous_due_at: Optional[datetime] = None
    """Two days in a row: the day before's occurrence (UTC)."""
    device_at: Optional[datetime] = None
    """By the speaker's own clock: when it recorded the miss; for a silent speaker its last contact."""
    rang: bool = False
    """A missed reminder: the speaker did say it (and repeated it) but nobody answered."""

    @property
    def key(self) -> str:
        """Form value naming this escalation within its household: 'kind:subject'."""
        return f"{self.kind.value}:{self.subject_key}"

    def to_staff(self, now: datetime) -> bool:
        return now >= self.staff_from


def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%MZ")


@dataclass(frozen=True)
class _Miss:
    reminder: Reminder
    due_at: datetime
    at: datetime
    received_at: datetime
    rang: bool


def _misses(
    session: Session, households: Sequence[Household], since: datetime
) -> Tuple[List[_Miss], Dict[str, Reminder]]:
    """Occurrences the speaker reported missed (and nobody acknowledged later) due since `since`,
    of the households' active reminders that can escalate (important or daily)."""
    ids = [h.id for h in households]
    reminders = {
        r.id: r
        for r in session.scalars(
            select(Reminder).where(
                Reminder.household_id.in_(ids),
                Reminder.deleted_at.is_(None),
                Reminder.status == ReminderStatus.ACTIVE,
                (Reminder.important.is_(True)) | (Reminder.repeat == Repeat.DAILY),
            )
        )
    }
    if not reminders:
        return [], reminders
    rows = session.scalars(
        select(ReminderEvent).where(
            ReminderEvent.reminder_id.in_(sorted(reminders)), ReminderEvent.due_at >= since
        )
    )
    kinds: Dict[Tuple[str, datetime], Dict[ReminderEventKind, ReminderEvent]] = {}
    for event in rows:
        kinds.setdefault((event.reminder_id, event.due_at), {})[event.kind] = event
    found = []
    for (rid, due), seen in kinds.items():
        missed = seen.get(ReminderEventKind.MISSED)
        if missed is None or ReminderEventKind.ACKNOWLEDGED in seen:
            continue
        rang = ReminderEventKind.FIRED in seen
        found.append(_Miss(reminders[rid], due, missed.at, missed.received_at, rang))
    return found, reminders


def _two_days(
    misses: List[_Miss], households: Dict[str, Household], session: Session
) -> List[Tuple[_Miss, _Miss]]:
    """(day before, last day) of each streak of two or more missed days of a daily reminder."""
    by_reminder: Dict[str, Dict[date, _Miss]] = {}
    for miss in misses:
        if miss.reminder.repeat is not Repeat.DAILY:
            continue
        zone = community_zone(session, households[miss.reminder.household_id].community_id)
        by_reminder.setdefault(miss.reminder.id, {})[to_local(miss.due_at, zone).date()] = miss
    pairs = []
    for days in by_reminder.values():
        for day, miss in days.items():
            before = days.get(day - timedelta(days=1))
            if before is not None and (day + timedelta(days=1)) not in days:
                pairs.append((before, miss))
    return pairs


def _handled(session: Session, household_ids: Iterable[str]) -> Set[Tuple[str, str, str]]:
    rows = session.execute(
        select(CareAlert.household_id, CareAlert.kind, CareAlert.subject_key).where(
            CareAlert.household_id.in_(sorted(set(household_ids))), CareAlert.handled_at.is_not(None)
        )
    )
    return {(h, k.value if isinstance(k, CareAlertKind) else str(k), s) for h, k, s in rows}


def _with_family(session: Session, household_ids: Iterable[str]) -> Set[str]:
    rows = session.execute(
        select(FamilyLink.household_id, func.count())
        .where(FamilyLink.household_id.in_(sorted(set(household_ids))))
        .group_by(FamilyLink.household_id)
    )
    return {h for h, n in rows if n}


def escalations(
    session: Session, households: Sequence[Household], now: datetime, settings: Settings
) -> List[Escalation]:
    """The open (not yet handled) escalations of these households, newest first.

    households: already scoped to the reader (family: linked ones; staff: the community's)
    now: the injected clock's time
    """
    if not households:
        return []
    by_id = {h.id: h for h in households}
    after = timedelta(minutes=settings.escalate_after_minutes)
    family = _with_family(session, by_id)

    def staff_from(household_id: str, raised: datetime) -> datetime:
        return raised + after if household_id in family else raised

    window = now - timedelta(days=settings.care_alert_days)
    misses, _ = _misses(session, households, window - timedelta(days=1))
    found: List[Escalation] = []
    covered: Set[Tuple[str, datetime]] = set()
    for before, last in _two_days(misses, by_id, session):
        if last.due_at < window:
            continue
        covered.update({(before.reminder.id, before.due_at), (last.reminder.id, last.due_at)})
        raised = max(before.received_at, last.received_at)
        found.append(
            Escalation(
                CareAlertKind.MISSED_TWO_DAYS,
                last.reminder.household_id,
                f"{last.reminder.id}@{_stamp(last.due_at)}",
                raised,
                staff_from(last.reminder.household_id, raised),
                last.reminder.content,
                reminder_id=last.reminder.id,
                due_at=last.due_at,
                previous_due_at=before.due_at,
                device_at=last.at,
                rang=last.rang,
            )
        )
    for miss in misses:
        if not miss.reminder.important or miss.due_at < window or (miss.reminder.id, miss.due_at) in covered:
            continue
        found.append(
            Escalation(
                CareAlertKind.IMPORTANT_MISSED,
                miss.reminder.household_id,
                f"{miss.reminder.id}@{_stamp(miss.due_at)}",
                miss.received_at,
                staff_from(miss.reminder.household_id, miss.received_at),
                miss.reminder.content,
                reminder_id=miss.reminder.id,
                due_at=miss.due_at,
                device_at=miss.at,
                rang=miss.rang,
            )
        )
    silent = timedelta(hours=settings.speaker_silent_hours)
    for household_id, devices in presence.live_devices(session, by_id).items():
        for device in devices:
            seen = presence.last_contact(device)
            if now - seen <= silent:
                continue
            raised = seen + silent
            found.append(
                Escalation(
                    CareAlertKind.SPEAKER_SILENT,
                    household_id,
                    f"{device.id}@{_stamp(seen)}",
                    raised,
                    staff_from(household_id, raised),
                    device.name,
                    device_id=device.id,
                    device_at=seen,
                )
            )
    handled = _handled(session, by_id)
    open_ones = [e for e in found if (e.household_id, e.kind.value, e.subject_key) not in handled]
    return sorted(open_ones, key=lambda e: (e.raised_at, e.key), reverse=True)


def for_staff(found: Iterable[Escalation], now: datetime) -> List[Escalation]:
    """Those the staff dashboard shows: nobody in the family handled them in time."""
    return [e for e in found if e.to_staff(now)]


def handle(
    session: Session,
    actor: Actor,
    household_id: str,
    key: str,
    now: datetime,
    settings: Settings,
) -> CareAlert:
    """我来处理 on an escalation: family of the household, or staff of its community.

    key: Escalation.key ('kind:subject'); NotFound if no such escalation is open, Conflict if
    someone handled it first.
    """
    if actor.kind is ActorKind.DEVICE:
        raise Forbidden("a speaker cannot handle escalations")
    household = get_household(session, actor, household_id)
    kind_text, _, subject = key[:160].partition(":")
    if kind_text not in {k.value for k in CareAlertKind}:
        raise NotFound("这条提醒已经不需要处理了")
    existing = session.scalar(
        select(CareAlert).where(
            CareAlert.household_id == household.id,
            CareAlert.kind == CareAlertKind(kind_text),
            CareAlert.subject_key == subject,
        )
    )
    if existing is not None and existing.handled_at is not None:
        raise Conflict("已经有人处理了")
    match = next((e for e in escalations(session, [household], now, settings) if e.key == key), None)
    if match is None:
        raise NotFound("这条提醒已经不需要处理了")
    row = CareAlert(
        household_id=household.id,
        kind=match.kind,
        subject_key=match.subject_key,
        reminder_id=match.reminder_id,
        device_id=match.device_id,
        due_at=match.due_at,
        detail=match.detail[:200],
        raised_at=match.raised_at,
        handled_at=now,
        handled_by=actor.id,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as exc:  # someone else, at the same moment
        raise Conflict("已经有人处理了") from exc
    return row
