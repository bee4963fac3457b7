"""Households (one elder, one speaker) of a community."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import List

from sqlalchemy.orm import Session

from ..actors import Actor, get_household, households_query
from ..changes import record_change
from ..models import Dialect, Entity, Household
from . import checks

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
