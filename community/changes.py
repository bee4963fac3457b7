"""The change log that devices sync from (cursor = Change.seq)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Optional

from sqlalchemy import text
from sqlalchemy.orm import Session

from . import wakeup  # noqa: F401  (installs the commit hooks that wake long polls, issue 7)
from .models import Change, ChangeOp, Entity

_LOGGER = logging.getLogger(__name__)
# Arbitrary constant naming the advisory lock that orders change-log appends on PostgreSQL.
_CHANGE_LOCK = 7_300_001


def record_change(
    session: Session,
    community_id: str,
    household_id: Optional[str],
    entity: Entity,
    entity_id: str,
    now: datetime,
    op: ChangeOp = ChangeOp.UPSERT,
) -> None:
    """Append one change; call it as the last write of the transaction.

    On PostgreSQL a transaction-scoped advisory lock makes change rows commit in `seq`
    order, so a device holding cursor N can never later miss a row with seq < N that
    committed after it read. (SQLite writers are serial already.) Taking it last keeps the
    lock order fixed (row locks first, then this), so it cannot deadlock.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHANGE_LOCK})
    session.add(
        Change(
            community_id=community_id,
            household_id=household_id,
            entity=entity,
            entity_id=entity_id,
            op=op,
            at=now,
        )
    )
