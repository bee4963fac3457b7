"""The staff dashboard's live part (issue 15, points 1 and 7): open calls for help, and the
escalations no family member handled in time, refreshed by a short poll (static/app.js asks
GET /staff/live every few seconds; no inline script under the CSP)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Tuple

from fastapi import Request
from jinja2 import pass_context
from jinja2.runtime import Context
from sqlalchemy.orm import Session

from ..actors import Actor, community_zone
from ..config import Settings
from ..domain import escalation, messages, presence
from ..domain.escalation import Escalation
from ..domain.households import list_households
from ..models import Device, EmergencyAlert, Household
from .render import DATE_TIME, LABELS, TEMPLATES, shown_time

_LOGGER = logging.getLogger(__name__)


@dataclass
class StaffLive:
    alerts: List[Tuple[EmergencyAlert, Household]] = field(default_factory=list)
    """Open calls for help of the community, newest first."""
    concerns: List[Tuple[Escalation, Household]] = field(default_factory=list)
    """Escalations nobody in the family handled within Settings.escalate_after_minutes."""
    escalate_minutes: int = 120

    @property
    def ids(self) -> List[str]:
        return [a.id for a, _ in self.alerts] + [f"{e.household_id}:{e.key}" for e, _ in self.concerns]


def staff_live(session: Session, who: Actor, now: datetime, settings: Settings) -> StaffLive:
    homes = list_households(session, who)
    by_id = {h.id: h for h in homes}
    found = escalation.for_staff(escalation.escalations(session, homes, now, settings), now)
    return StaffLive(
        messages.list_alerts(session, who, open_only=True),
        [(e, by_id[e.household_id]) for e in found],
        settings.escalate_after_minutes,
    )


def live_context(board: StaffLive, now: datetime) -> Dict[str, Any]:
    return {"live": board, "now": now, "ago": presence.ago, "late": messages.delivered_late}


def live_html(request: Request, session: Session, who: Actor, board: StaffLive, now: datetime) -> str:
    """The live part alone, as the poll answers it."""
    zone = community_zone(session, who.staff_community)
    context: Dict[str, Any] = {
        "request": request,
        "who": who,
        "labels": LABELS,
        "fmt": lambda v, p=DATE_TIME: shown_time(v, zone, now, p),
        "_zone": zone,
        "_now": now,
        **live_context(board, now),
    }
    return TEMPLATES.env.get_template("staff/_live.html").render(context)


# ---------------------------------------------------------------------- speaker status in lists
# The staff households and devices lists show each speaker's status (在线 / 最后联系 … / 未配对)
# through these template functions, so their pages need no extra context.
@pass_context
def speaker_of(context: Context, household_id: str) -> presence.SpeakerStatus:
    """`{{ speaker_of(h.id).label }}`: the household's speaker status (one query per page)."""
    request: Request = context["request"]
    cache = getattr(request.state, "yc_speakers", None)
    if cache is None:
        who: Actor = context["who"]
        with request.app.state.database.reader() as session:
            cache = presence.community_statuses(session, who.community_ids, context["_now"])
        request.state.yc_speakers = cache
    return cache.get(household_id, presence.UNPAIRED)  # type: ignore[no-any-return]


@pass_context
def device_presence(context: Context, device: Device) -> presence.SpeakerStatus:
    """`{{ device_presence(d).label }}`: one speaker's status."""
    return presence.device_status(device, context["_now"])


TEMPLATES.env.globals["speaker_of"] = speaker_of
TEMPLATES.env.globals["device_presence"] = device_presence
