"""Households (one elder, one speaker) of a community."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import List

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..actors import Actor, get_household, households_query
from ..changes import record_change
from ..errors import NotFound
from ..models import (
    Activity,
    Booking,
    BookingStatus,
    Device,
    Dialect,
    EmergencyAlert,
    Entity,
    FamilyLink,
    Household,
    PairingCode,
    PointsEntry,
    Reminder,
    User,
)
from . import bookings, checks, devices

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class HouseholdInput:
    elder_name: str
    address_as: str
    """How the speaker addresses the elder, e.g. 王阿姨."""
    dialect: Dialect = Dialect.MANDARIN
    group_name: str = ""

    def checked(self) -> "HouseholdInput":
        return HouseholdInput(
            elder_name=checks.text("elder_name", self.elder_name, 1, 40),
            address_as=checks.text("address_as", self.address_as, 1, 20),
            dialect=checks.choice("dialect", Dialect, self.dialect),
            group_name=checks.text("group_name", self.group_name, 0, 40),
        )


def list_households(session: Session, actor: Actor) -> List[Household]:
    return list(session.scalars(households_query(actor).order_by(Household.group_name, Household.elder_name)))


def create_household(session: Session, actor: Actor, data: HouseholdInput, now: datetime) -> Household:
    """Staff add a household to their community."""
    data = data.checked()
    household = Household(
        community_id=actor.staff_community,
        elder_name=data.elder_name,
        address_as=data.address_as,
        dialect=data.dialect,
        group_name=data.group_name,
        created_at=now,
    )
    session.add(household)
    session.flush()
    record_change(session, household.community_id, household.id, Entity.HOUSEHOLD, household.id, now)
    return household


def update_household(
    session: Session, actor: Actor, household_id: str, data: HouseholdInput, now: datetime
) -> Household:
    _ = actor.staff_community
    data = data.checked()
    household = get_household(session, actor, household_id)
    household.elder_name, household.address_as = data.elder_name, data.address_as
    household.dialect, household.group_name = data.dialect, data.group_name
    record_change(session, household.community_id, household.id, Entity.HOUSEHOLD, household.id, now)
    return household


@dataclass(frozen=True)
class Removal:
    """What deleting a household takes away, as the confirmation page lists it."""

    household: Household
    family: List[str]
    """Family logins that see this elder ('王小红（女儿）')."""
    family_only_here: List[str]
    """Those of them linked to no other household (they will see no elder at all)."""
    speakers: int
    """Speakers in use, stopped by the delete."""
    future_bookings: int
    """Sign-ups for activities still to come, cancelled (their places given back)."""
    reminders: int
    """Reminders in use (kept in the records; the speaker is stopped, so none rings)."""
    points: int
    open_alerts: int = 0
    """Calls for help nobody has taken in hand yet (they leave the dashboards with the household)."""


def removal(session: Session, actor: Actor, household_id: str, now: datetime) -> Removal:
    """What `delete_household` would take away (staff only)."""
    _ = actor.staff_community
    household = get_household(session, actor, household_id)
    links = session.execute(
        select(User.id, User.display_name, FamilyLink.relation)
        .join(FamilyLink, FamilyLink.user_id == User.id)
        .where(FamilyLink.household_id == household.id)
        .order_by(User.display_name)
    ).all()
    family, alone = [], []
    for user_id, name, relation in links:
        label = f"{name}（{relation}）" if relation else name
        family.append(label)
        others = session.scalar(
            select(func.count())
            .select_from(FamilyLink)
            .join(Household, Household.id == FamilyLink.household_id)
            .where(
                FamilyLink.user_id == user_id,
                FamilyLink.household_id != household.id,
                Household.deleted_at.is_(None),
            )
        )
        if not others:
            alone.append(label)
    speakers = session.scalar(
        select(func.count())
        .select_from(Device)
        .where(Device.household_id == household.id, Device.revoked_at.is_(None))
    )
    bookings_ahead = session.scalar(
        select(func.count())
        .select_from(Booking)
        .join(Activity, Activity.id == Booking.activity_id)
        .where(
            Booking.household_id == household.id,
            Booking.status == BookingStatus.CONFIRMED,
            Activity.starts_at > now,
        )
    )
    reminders_on = session.scalar(
        select(func.count())
        .select_from(Reminder)
        .where(Reminder.household_id == household.id, Reminder.deleted_at.is_(None))
    )
    open_alerts = session.scalar(
        select(func.count())
        .select_from(EmergencyAlert)
        .where(
            EmergencyAlert.household_id == household.id,
            EmergencyAlert.acknowledged_at.is_(None),
            EmergencyAlert.cancelled_at.is_(None),
        )
    )
    total = session.scalar(
        select(func.sum(PointsEntry.points)).where(PointsEntry.household_id == household.id)
    )
    return Removal(
        household,
        family,
        alone,
        int(speakers or 0),
        int(bookings_ahead or 0),
        int(reminders_on or 0),
        int(total or 0),
        int(open_alerts or 0),
    )


def delete_household(session: Session, actor: Actor, household_id: str, now: datetime) -> Removal:
    """Soft delete (docs/server.md, "Deleting a household"): hidden from every page, list and
    sync; its speakers stopped; its future sign-ups cancelled (places given back); its records
    (reminders and their history, messages, calls for help, points) kept, so staff can restore it."""
    what = removal(session, actor, household_id, now)
    household = what.household
    for device in session.scalars(
        select(Device).where(Device.household_id == household.id, Device.revoked_at.is_(None))
    ):
        devices.revoke_device(session, actor, device.id, now)
    future = session.scalars(
        select(Booking.id)
        .join(Activity, Activity.id == Booking.activity_id)
        .where(
            Booking.household_id == household.id,
            Booking.status == BookingStatus.CONFIRMED,
            Activity.starts_at > now,
        )
    ).all()
    for booking_id in future:
        bookings.cancel_booking(session, actor, booking_id, now)
    # A pairing code handed out before the delete must not pair a speaker to a deleted household.
    session.execute(
        update(PairingCode)
        .where(
            PairingCode.household_id == household.id,
            PairingCode.used_at.is_(None),
            PairingCode.expires_at > now,
        )
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    household.deleted_at, household.deleted_by = now, actor.id
    session.flush()
    _LOGGER.info("staff %s deleted household %s", actor.id, household.id)
    return what


def deleted_households(session: Session, actor: Actor) -> List[Household]:
    """The community's deleted households, newest first (staff only)."""
    community_id = actor.staff_community
    return list(
        session.scalars(
            select(Household)
            .where(Household.community_id == community_id, Household.deleted_at.is_not(None))
            .order_by(Household.deleted_at.desc())
        )
    )


def restore_household(session: Session, actor: Actor, household_id: str, now: datetime) -> Household:
    """Bring a deleted household back (its speakers stay stopped: pair again)."""
    community_id = actor.staff_community
    household = session.scalar(
        select(Household).where(
            Household.id == household_id,
            Household.community_id == community_id,
            Household.deleted_at.is_not(None),
        )
    )
    if household is None:
        raise NotFound("找不到这户已删除的住户")
    household.deleted_at, household.deleted_by = None, None
    record_change(session, household.community_id, household.id, Entity.HOUSEHOLD, household.id, now)
    return household
