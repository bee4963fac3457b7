"""Authorization: every role tries the objects of other households and communities."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Dict, List, Tuple

import pytest
import sqlalchemy as sa
from community_world import World, activity_body

from community.domain.devices import device_actor
from community.domain.messages import raise_alert
from community.models import Change

Request = Tuple[str, str, dict]


def _objects_of_household(world: World, key: str) -> Dict[str, str]:
    """Make one of everything belonging to household `key` (a or b: community 1)."""
    staff, fam = world.client("staff1"), world.client("fam_ab")
    hid = world.ids[key]
    activity = staff.post(
        "/api/v1/activities", json=activity_body(datetime.fromisoformat("2026-03-03T09:00+08:00"))
    )
    booking = fam.post("/api/v1/bookings", json={"activity_id": activity.json()["id"], "household_id": hid})
    reminder = fam.post(
        f"/api/v1/households/{hid}/reminders",
        json={"content": "吃药", "time_of_day": "08:00", "repeat": "daily"},
    )
    request = fam.post("/api/v1/service-requests", json={"household_id": hid, "kind": "car"})
    announcement = staff.post("/api/v1/announcements", json={"title": "通知", "body": "内容"})
    device = world.device(key)
    with world.database.write() as session:
        actor = device_actor(session, device.headers["Authorization"].split()[1], world.clock.now())
        alert = raise_alert(session, actor, "help", world.clock.now()).id
    return {
        "household": hid,
        "activity": activity.json()["id"],
        "booking": booking.json()["id"],
        "reminder": reminder.json()["id"],
        "request": request.json()["id"],
        "alert": alert,
        "announcement": announcement.json()["id"],
        "device": world.ids[f"device_{key}"],
    }


def _household_requests(o: Dict[str, str]) -> List[Request]:
    """Requests on one household's objects; all must be 404 for outsiders."""
    h = o["household"]
    return [
        ("GET", f"/api/v1/households/{h}", {}),
        ("PUT", f"/api/v1/households/{h}", {"elder_name": "x", "address_as": "y"}),
        ("GET", f"/api/v1/households/{h}/reminders", {}),
        (
            "POST",
            f"/api/v1/households/{h}/reminders",
            {"content": "x", "time_of_day": "08:00", "repeat": "daily"},
        ),
        ("GET", f"/api/v1/households/{h}/occurrences", {}),
        (
            "PUT",
            f"/api/v1/reminders/{o['reminder']}",
            {"content": "x", "time_of_day": "08:00", "repeat": "daily"},
        ),
        ("POST", f"/api/v1/reminders/{o['reminder']}/pause", {}),
        ("DELETE", f"/api/v1/reminders/{o['reminder']}", {}),
        ("GET", f"/api/v1/households/{h}/messages", {}),
        ("POST", f"/api/v1/households/{h}/messages", {"body": "hi"}),
        ("POST", "/api/v1/bookings", {"activity_id": o["activity"], "household_id": h}),
        ("GET", f"/api/v1/bookings?household_id={h}", {}),
        ("POST", f"/api/v1/bookings/{o['booking']}/cancel", {}),
        ("POST", f"/api/v1/alerts/{o['alert']}/acknowledge", {}),
        ("POST", "/api/v1/service-requests", {"household_id": h, "kind": "meal"}),
        ("POST", f"/api/v1/service-requests/{o['request']}/status", {"status": "cancelled"}),
    ]


def _community_requests(o: Dict[str, str]) -> List[Request]:
    """Requests on community 1's objects; all must be 404 for other communities."""
    body = activity_body(datetime.fromisoformat("2026-03-04T09:00+08:00"))
    return [
        ("GET", f"/api/v1/activities/{o['activity']}", {}),
        ("PUT", f"/api/v1/activities/{o['activity']}", body),
        ("POST", f"/api/v1/activities/{o['activity']}/cancel", {}),
        ("GET", f"/api/v1/activities/{o['activity']}/signups", {}),
        ("DELETE", f"/api/v1/announcements/{o['announcement']}", {}),
        ("POST", "/api/v1/points", {"household_id": o["household"], "points": 1, "reason": "x"}),
        ("POST", "/api/v1/pairing-codes", {"household_id": o["household"]}),
        ("POST", f"/api/v1/devices/{o['device']}/revoke", {}),
    ]


def _change_count(world: World) -> int:
    with world.database.reader() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Change))


_STAFF_ONLY = ("/signups", "/cancel", "/revoke", "/pairing-codes", "/points")


def _staff_only(method: str, path: str) -> bool:
    """Operations refused to non-staff by role alone, before any lookup (403 leaks nothing)."""
    if path.startswith("/api/v1/bookings"):
        return False
    if method in ("PUT", "DELETE") and path.startswith(
        ("/api/v1/households/", "/api/v1/activities/", "/api/v1/announcements/")
    ):
        return True
    return (
        path.startswith("/api/v1/activities/")
        and path.endswith(_STAFF_ONLY)
        or path.endswith(_STAFF_ONLY[2:])
    )


def _expect_404(world: World, client, requests: List[Request], who: str) -> None:
    before = _change_count(world)
    for method, path, body in requests:
        response = client.request(method, path, json=body or None)
        device_refused = who.startswith("device") and path.endswith("/acknowledge")
        if (not who.startswith("staff") and _staff_only(method, path)) or device_refused:
            assert response.status_code in (403, 404), (who, method, path, response.text)
            continue
        assert response.status_code == 404, (who, method, path, response.status_code, response.text)
        assert response.json()["error"]["code"] == "not_found"
    assert _change_count(world) == before, f"{who} changed something"


@pytest.mark.parametrize("attacker", ["fam_c", "staff2", "device_c"])
def test_other_community_sees_nothing(world: World, attacker: str) -> None:
    objects = _objects_of_household(world, "a")
    client = world.device("c") if attacker == "device_c" else world.client(attacker)
    _expect_404(world, client, _household_requests(objects) + _community_requests(objects), attacker)
    listings = {
        "/api/v1/activities": [],
        "/api/v1/bookings": [],
        "/api/v1/alerts": [],
        "/api/v1/points": [],
        "/api/v1/service-requests": [],
    }
    if attacker != "device_c":
        listings["/api/v1/announcements"] = []
    for path, expected in listings.items():
        assert client.get(path).json() == expected, (attacker, path)
    households = client.get("/api/v1/households").json()
    assert world.ids["a"] not in [h["id"] for h in households]


@pytest.mark.parametrize("attacker", ["fam_a", "device_a"])
def test_same_community_other_household_is_hidden(world: World, attacker: str) -> None:
    objects = _objects_of_household(world, "b")
    client = world.device("a") if attacker == "device_a" else world.client(attacker)
    requests = [r for r in _household_requests(objects) if r[1] != "/api/v1/bookings" or r[0] != "POST"]
    _expect_404(world, client, requests, attacker)
    # The activity itself is community-wide, so booking it for b is refused as b is unknown to them.
    denied = client.post(
        "/api/v1/bookings", json={"activity_id": objects["activity"], "household_id": objects["household"]}
    )
    assert denied.status_code == 404
    assert [h["id"] for h in client.get("/api/v1/households").json()] == [world.ids["a"]]


def test_roles_cannot_do_staff_work(world: World) -> None:
    body = activity_body(datetime.fromisoformat("2026-03-03T09:00+08:00"))
    for client in (world.client("fam_a"), world.device("a")):
        assert client.post("/api/v1/activities", json=body).status_code == 403
        assert client.post("/api/v1/announcements", json={"title": "x", "body": "y"}).status_code == 403
        assert client.post("/api/v1/pairing-codes", json={"household_id": world.ids["a"]}).status_code == 403
        assert client.get("/api/v1/devices").status_code == 403
    anonymous = world.client()
    assert anonymous.get("/api/v1/activities").status_code == 401
    assert anonymous.get(f"/api/v1/households/{world.ids['a']}/reminders").status_code == 401
    forged = world.client()
    forged.headers["Authorization"] = "Bearer not-a-token"
    assert forged.get("/api/v1/activities").status_code == 401


def test_pages_are_scoped_too(world: World) -> None:
    fam_c = world.client("fam_c")
    assert fam_c.get(f"/family/h/{world.ids['a']}/reminders").status_code == 404
    assert fam_c.get(f"/family/h/{world.ids['c']}/reminders").status_code == 200
    assert fam_c.get("/staff/activities").status_code == 403
    staff2 = world.client("staff2")
    activity = (
        world.client("staff1")
        .post("/api/v1/activities", json=activity_body(datetime.fromisoformat("2026-03-03T09:00+08:00")))
        .json()
    )
    assert staff2.get(f"/staff/activities/{activity['id']}").status_code == 404
    assert world.client().get("/staff", follow_redirects=False).headers["location"] == "/login"


# ---------------------------------------------------------------------- every route × every role (issue 16)
ROLES = ("anonymous", "family", "staff", "volunteer", "young", "device")
PAGE_OWNERS = {"/family": "family", "/staff": "staff", "/volunteer": "volunteer", "/young": "young"}
"""Page areas and the one role that may open them (staff see all help requests and every volunteer's
ledger on their own /staff pages; docs/server.md, "Roles")."""
PUBLIC_API = ("/api/v1/auth/login", "/api/v1/devices/pair", "/api/v1/openapi.json")
VOLUNTEER_API = ("/api/v1/me", "/api/v1/auth/logout")


def _routes(app) -> List[Tuple[str, str]]:
    """(method, path template) of every route the app serves, whatever FastAPI's router layout."""
    found = set()

    def walk(routes) -> None:
        for route in routes:
            if hasattr(route, "effective_route_contexts"):  # FastAPI ≥ 0.16x: included routers
                for context in route.effective_route_contexts():
                    for method in context.methods or ():
                        found.add((method, context.path))
            elif hasattr(route, "methods") and getattr(route, "path", None):
                for method in route.methods or ():
                    found.add((method, route.path))
            elif hasattr(route, "routes") and not getattr(route, "path", "").startswith("/static"):
                walk(route.routes)

    walk(app.routes)
    return sorted((m, p) for m, p in found if m not in ("HEAD", "OPTIONS"))


def _filled(path: str) -> str:
    return re.sub(r"\{[^}]+\}", lambda _m: str(uuid.uuid4()), path)


def _area(path: str) -> str:
    for prefix, owner in PAGE_OWNERS.items():
        if path == prefix or path.startswith(prefix + "/"):
            return owner
    return "api" if path.startswith("/api/v1/") else "public"


def _expected(role: str, area: str, path: str) -> str:
    """'login' (sent to log in / 401), 'forbidden' (403), or 'allowed' (anything but 401/403/5xx)."""
    if area in ("family", "staff", "volunteer", "young"):
        if role in ("anonymous", "device"):
            return "login"
        return "allowed" if role == area else "forbidden"
    if area == "api":
        if path in PUBLIC_API:
            return "open"
        if path.startswith("/api/v1/device/"):  # a paired speaker's bearer token only
            return "open" if role == "device" else "login"
        if role == "anonymous":
            return "login"
        if role in ("volunteer", "young") and path not in VOLUNTEER_API:
            return "forbidden"
    return "open"


def test_every_route_for_every_role(world: World) -> None:
    """Each route the app serves, old and new, tried by each role: a volunteer opens none of the family or
    staff pages and no JSON API beyond who it is; family and staff open no volunteer page; nobody gets a
    5xx; a logged-out caller (or a speaker, which has no web session) is sent to log in."""
    from test_polls_skills import make_young
    from test_volunteers import make_volunteer

    make_volunteer(world, "volunteer", "小李", "13800138000")
    make_young(world, "young", "阿明", "13700137000")
    logins = {"anonymous": None, "family": "fam_a", "staff": "staff1", "volunteer": "volunteer",
              "young": "young"}
    clients = {role: world.client(user) for role, user in logins.items()}
    clients["device"] = world.device("a")
    routes = _routes(world.app)
    assert ("GET", "/volunteer") in routes and ("POST", "/staff/volunteers/{user_id}/adjust") in routes
    assert ("GET", "/young/h/{household_id}") in routes and ("POST", "/staff/polls") in routes
    checked = 0
    for method, template in routes:
        if template in ("/api/v1/device/sync",) and method == "POST":
            continue  # a long poll for the speaker; tested in tests/sync and test_volunteers
        area = _area(template)
        for role in ROLES:
            client = clients[role]
            if template.endswith("/logout") and role != "device":  # ends the session: a login of its own
                client = world.client(logins[role])
            path = _filled(template)
            csrf = client.headers.get("X-CSRF-Token", "")
            if method == "GET":
                response = client.get(path, follow_redirects=False)
            elif area == "api":
                response = client.request(method, path, json={}, follow_redirects=False)
            else:
                response = client.request(method, path, data={"csrf_token": csrf}, follow_redirects=False)
            expected = _expected(role, area, template)
            status = response.status_code
            where = (role, method, template, status, response.text[:200])
            assert status < 500, where
            if expected == "login":
                assert status == 401 or (status == 303 and response.headers["location"] == "/login"), where
            elif expected == "forbidden":
                assert status == 403, where
            elif expected == "allowed":
                assert status not in (401, 403), where
            checked += 1
    assert checked >= 5 * 100, checked
