"""Schema-driven fuzz over the whole API (hypothesis): no input may produce a 5xx."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Tuple
from urllib.parse import quote

from community_world import World
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ACTIVITY = {
    "title": "t",
    "category": "health",
    "place": "p",
    "starts_at": "2026-03-05T09:00",
    "ends_at": "2026-03-05T10:00",
    "capacity": 3,
}
REMINDER = {"content": "c", "time_of_day": "08:00", "repeat": "daily"}
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
NASTY = st.sampled_from(
    [
        "",
        " ",
        "0",
        "-1",
        "..",
        "%00",
        "null",
        "9" * 40,
        "x" * 300,
        "ä½ å¥½",
        "\u202e",
        "' OR 1=1 --",
        "00000000-0000-0000-0000-000000000000",
        "1e309",
        "2026-02-30T25:61",
        "\x00",
        "a\x00b",
        "9999-12-31T23:00:00-05:00",
        "0001-01-01T00:30:00+05:00",
    ]
)
WEB_FORMS = [
    "/login",
    "/logout",
    "/family/h/{a}/reminders/new",
    "/family/r/{reminder}/edit",
    "/family/r/{reminder}/pause",
    "/family/h/{a}/bookings",
    "/family/h/{a}/messages",
    "/staff/activities/new",
    "/staff/announcements",
    "/staff/households",
    "/staff/pairing-codes",
    "/staff/points",
    "/staff/activities/{activity}/edit",
]


def _strategy(schema: Dict[str, Any], components: Dict[str, Any], depth: int = 0) -> st.SearchStrategy:
    if "$ref" in schema:
        return _strategy(components[schema["$ref"].rsplit("/", 1)[1]], components, depth)
    if "anyOf" in schema:
        return st.one_of([_strategy(s, components, depth) for s in schema["anyOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"]) | NASTY
    kind = schema.get("type")
    if kind == "object" and depth < 3:
        props = schema.get("properties", {})
        required = set(schema.get("required", []))
        fields = {k: _strategy(v, components, depth + 1) for k, v in props.items()}
        return st.fixed_dictionaries(
            {k: v for k, v in fields.items() if k in required},
            optional={**{k: v for k, v in fields.items() if k not in required}, "unexpected": JSON},
        )
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date-time":
            return st.datetimes(timezones=st.none() | st.timezones()).map(lambda d: d.isoformat()) | NASTY
        if fmt == "date":
            return st.dates().map(lambda d: d.isoformat()) | NASTY
        return st.text(max_size=int(schema.get("maxLength", 50)) + 3) | NASTY
    if kind == "integer":
        return st.integers(min_value=-(2**40), max_value=2**40) | st.integers(-3, 12)
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        return st.lists(_strategy(schema.get("items", {}), components, depth + 1), max_size=9)
    return JSON


def _operations(world: World) -> List[Tuple[str, str, Dict[str, Any]]]:
    spec = world.app.openapi()
    return [(method.upper(), path, op) for path, item in spec["paths"].items() for method, op in item.items()]


def _callers(world: World) -> Tuple[Dict[str, Any], List[str]]:
    """Five callers and the ids worth trying (real ones of every scope)."""
    clients = {
        "staff": world.client("staff1"),
        "family": world.client("fam_ab"),
        "device": world.device("a"),
        "anonymous": world.client(),
        "other": world.client("staff2"),
    }
    activity = clients["staff"].post("/api/v1/activities", json=ACTIVITY).json()["id"]
    reminder = (
        clients["staff"].post(f"/api/v1/households/{world.ids['a']}/reminders", json=REMINDER).json()["id"]
    )
    return clients, [
        world.ids["a"],
        world.ids["b"],
        world.ids["c"],
        activity,
        reminder,
        world.ids["device_a"],
    ]


def test_no_input_makes_a_server_error(world: World) -> None:
    components = world.app.openapi().get("components", {}).get("schemas", {})
    clients, known = _callers(world)
    operations = _operations(world)
    bodies = {
        (m, p): _strategy(op["requestBody"]["content"]["application/json"]["schema"], components)
        for m, p, op in operations
        if "requestBody" in op
    }

    @st.composite
    def calls(draw: st.DrawFn) -> Tuple[str, str, str, Dict[str, str], Any]:
        method, path, op = draw(st.sampled_from(operations))
        for param in op.get("parameters", []):
            if param["in"] == "path":
                value = draw(st.sampled_from(known) | NASTY | st.uuids().map(str))
                path = path.replace("{" + param["name"] + "}", quote(value, safe="") or "x")
        query = {
            p["name"]: draw(NASTY | st.text(max_size=10))
            for p in op.get("parameters", [])
            if p["in"] == "query" and draw(st.booleans())
        }
        body: Any = None
        if (method, _template(path, operations)) in bodies:
            body = draw(bodies[(method, _template(path, operations))] | JSON)
        elif method != "GET":
            body = draw(st.none() | JSON)
        return draw(st.sampled_from(sorted(clients))), method, path, query, body

    @settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(call=calls(), raw=st.booleans())
    def check(call: Tuple[str, str, str, Dict[str, str], Any], raw: bool) -> None:
        who, method, path, query, body = call
        if raw and body is not None:
            content = json.dumps(body, ensure_ascii=False).encode("utf-8")[:-1]  # truncated JSON
            response = clients[who].request(
                method, path, params=query, content=content, headers={"content-type": "application/json"}
            )
        else:
            response = clients[who].request(method, path, params=query, json=body)
        assert response.status_code < 500, (who, method, path, body, response.text[:300])

    check()


def _template(path: str, operations: List[Tuple[str, str, Dict[str, Any]]]) -> str:
    """The OpenAPI path template a concrete path came from."""
    concrete = path.split("?", 1)[0].split("/")
    for _, template, _ in operations:
        parts = template.split("/")
        if len(parts) == len(concrete) and all(
            p.startswith("{") or p == c for p, c in zip(parts, concrete, strict=True)
        ):
            return template
    return path


def test_no_form_makes_a_server_error(world: World) -> None:
    staff, family = world.client("staff1"), world.client("fam_a")
    reminder = family.post(f"/api/v1/households/{world.ids['a']}/reminders", json=REMINDER).json()["id"]
    activity = staff.post("/api/v1/activities", json=ACTIVITY).json()["id"]
    names = [
        "title",
        "body",
        "content",
        "time_of_day",
        "repeat",
        "weekday1",
        "start_date",
        "category",
        "place",
        "starts_at",
        "ends_at",
        "capacity",
        "description",
        "group_name",
        "publish_at",
        "days",
        "urgent",
        "elder_name",
        "address_as",
        "dialect",
        "household_id",
        "points",
        "reason",
        "activity_id",
        "booking_id",
        "username",
        "password",
    ]

    @settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(
        path=st.sampled_from(WEB_FORMS),
        fields=st.dictionaries(st.sampled_from(names), NASTY | st.text(max_size=30)),
        who=st.sampled_from(["staff", "family"]),
        with_csrf=st.booleans(),
    )
    def check(path: str, fields: Dict[str, str], who: str, with_csrf: bool) -> None:
        client = staff if who == "staff" else family
        url = path.format(a=world.ids["a"], reminder=reminder, activity=activity)
        if with_csrf:
            fields = {**fields, "csrf_token": client.headers["X-CSRF-Token"]}
        response = client.post(url, data=fields, follow_redirects=False)
        assert response.status_code < 500, (who, url, fields, response.text[:300])

    check()
