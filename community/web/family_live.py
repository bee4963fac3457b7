"""The family banner's poll and its 我来处理 buttons (issue 15, points 1 and 7).

Every family page shows the open calls for help and escalations of every linked elder; the page
asks GET /family/live every few seconds (static/app.js, no inline script under the CSP) and puts
the answered banner in place, with a sound and a flash when something new is there. A 我来处理
button works from any page and returns to it.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Dict

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from ..actors import Actor, community_zone, get_household
from ..api import deps
from ..api.routing import ReleasingRoute
from ..config import Settings
from ..domain import escalation, messages
from ..domain.households import list_households
from ..errors import Conflict, NotFound
from .family_common import banner_html, family_actor, live, safe_next
from .render import check_csrf, posted_form, redirect

_LOGGER = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False, route_class=ReleasingRoute)


@router.get("/live")
def live_banner(
    request: Request,
    who: Actor = Depends(family_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
    settings: Settings = Depends(deps.settings),
) -> Response:
    """{"ids": [...], "html": "<div id=live>…"}: what is open now and the banner showing it."""
    homes = list_households(session, who)
    board = live(session, who, homes, at, settings)
    zone = community_zone(session, homes[0].community_id) if homes else None
    back = safe_next(request.query_params.get("back", ""), "/family")
    html = banner_html(request, who, board, back, zone, at) if zone else ""
    return JSONResponse({"ids": board.ids, "html": html})


@router.post("/alerts/{alert_id}/acknowledge")
def acknowledge(
    request: Request,
    alert_id: str,
    who: Actor = Depends(family_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    """我来处理 on a call for help; back to the page it was pressed on (else the alerts tab).

    Someone else was quicker: the page comes back anyway and shows it handled (nothing to do).
    """
    check_csrf(fields, who)
    try:
        alert = messages.acknowledge_alert(session, who, alert_id[:36], at)
    except Conflict:
        session.rollback()
        alert = None
    session.commit()
    default = f"/family/h/{alert.household_id}/alerts" if alert else "/family"
    return redirect(safe_next(fields.get("next", ""), default))


@router.post("/care/handle")
def handle_escalation(
    request: Request,
    who: Actor = Depends(family_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
    settings: Settings = Depends(deps.settings),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    """我来处理 on an escalation (a missed important reminder, a silent speaker …)."""
    check_csrf(fields, who)
    household_id = get_household(session, who, fields.get("household_id", "")[:36]).id
    try:
        escalation.handle(session, who, household_id, fields.get("key", ""), at, settings)
    except (Conflict, NotFound):  # someone was quicker, or it is over (the speaker is back)
        session.rollback()
    session.commit()
    return redirect(safe_next(fields.get("next", ""), f"/family/h/{household_id}/reminders"))
