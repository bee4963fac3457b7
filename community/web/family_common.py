"""What every family page carries: the emergency banner of every linked elder, the elder's speaker
status in the header, and the page helper that puts them in (issue 15, points 1 and 2)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from ..actors import Actor, community_zone, get_household
from ..config import Settings
from ..domain import escalation, messages, presence
from ..domain.escalation import Escalation
from ..domain.households import list_households
from ..errors import Forbidden
from ..models import EmergencyAlert, Household
from .render import DATE_TIME, LABELS, TEMPLATES, page_actor, render, shown_time

_LOGGER = logging.getLogger(__name__)


def duration_text(minutes: int) -> str:
    """'2 小时', '90 分钟', '1 天'."""
    if minutes % (24 * 60) == 0:
        return f"{minutes // (24 * 60)} 天"
    if minutes % 60 == 0:
        return f"{minutes // 60} 小时"
    return f"{minutes} 分钟"


def family_actor(who: Actor = Depends(page_actor)) -> Actor:
    if who.is_staff:
        raise Forbidden("这是家属页面；工作人员请使用管理页面")
    if not who.is_family:  # a volunteer-only login sees no household (docs/server.md, "Roles")
        raise Forbidden("这是家属页面；志愿者请使用志愿者页面")
    return who


def safe_next(value: str, default: str) -> str:
    """A same-site path under /family/ to go back to after a banner button, else `default`."""
    value = (value or "")[:300]
    parts = urlsplit(value)
    if (
        not (value == "/family" or value.startswith(("/family/", "/family?")))
        or any(segment in (".", "..") for segment in parts.path.split("/"))
        or "%" in parts.path
        or parts.scheme
        or parts.netloc
        or "//" in value
        or "\\" in value
        or any(ord(c) < 32 for c in value)
    ):
        return default
    return value


@dataclass
class Live:
    """The banner: open emergencies and escalations of every elder the reader may see."""

    alerts: List[Tuple[EmergencyAlert, Household]] = field(default_factory=list)
    """Open calls for help (not handled, not taken back), newest first."""
    concerns: List[Tuple[Escalation, Household]] = field(default_factory=list)
    """Open escalations, newest first."""

    @property
    def ids(self) -> List[str]:
        """What is open, for the page's poll to spot something new."""
        return [a.id for a, _ in self.alerts] + [f"{e.household_id}:{e.key}" for e, _ in self.concerns]


def live(session: Session, who: Actor, homes: List[Household], now: datetime, settings: Settings) -> Live:
    alerts = messages.list_alerts(session, who, open_only=True)
    by_id = {h.id: h for h in homes}
    concerns = [(e, by_id[e.household_id]) for e in escalation.escalations(session, homes, now, settings)]
    return Live(alerts, concerns)


def banner_html(request: Request, who: Actor, board: Live, back: str, zone: ZoneInfo, now: datetime) -> str:
    """The banner alone (the poll answers it as HTML to put in place)."""
    context: Dict[str, Any] = {
        "request": request,
        "who": who,
        "live": board,
        "back": back,
        "now": now,
        "labels": LABELS,
        "late": messages.delivered_late,
        "ago": presence.ago,
        "fmt": lambda v, p=DATE_TIME: shown_time(v, zone, now, p),
        "_zone": zone,
        "_now": now,
    }
    return TEMPLATES.env.get_template("family/_banner.html").render(context)


def family_page(
    request: Request,
    session: Session,
    who: Actor,
    household_id: str,
    template: str,
    context: Dict[str, object],
    status: int = 200,
    household: Optional[Household] = None,
    back: str = "",
) -> Response:
    """A family page of one elder, with the banner of every elder and this one's speaker status.

    back: where the banner's buttons return to (default: this page's address; a page answering a
    POST to an address with no GET names its GET page here)
    """
    household = household or get_household(session, who, household_id)
    zone = community_zone(session, household.community_id)
    homes = list_households(session, who)
    now: datetime = request.app.state.clock.now()
    settings: Settings = request.app.state.settings
    speakers = presence.statuses(session, [h.id for h in homes], now)
    back = back or request.url.path + (f"?{request.url.query}" if request.url.query else "")
    base = {
        "who": who,
        "household": household,
        "homes": homes,
        # Device events that reached the server late are shown with their own time (issue 14).
        "late": messages.delivered_late,
        "said_late": messages.said_late,
        "live": live(session, who, homes, now, settings),
        "back": safe_next(back, f"/family/h/{household.id}/reminders"),
        "speaker": speakers.get(household.id, presence.UNPAIRED),
        "speakers": speakers,
        "now": now,
        "ago": presence.ago,
        "escalate_text": duration_text(settings.escalate_after_minutes),
    }
    return render(request, template, {**base, **context}, status, zone)
