"""The sync endpoint in process: malformed and replayed bodies, first results, conflicts."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import Any, Dict, List

import pytest
from fastapi.testclient import TestClient
from sync_world import World

from assistant.changes import ServerChanges
from assistant.records import OutboxOp
from assistant.sync import server_changes
from community import notify
from community.app import create_app
from community.config import Settings
from community.notify import EmergencyNotice

TABLES = ("device_ops", "bookings", "messages", "changes", "emergency_alerts", "reminders", "reminder_events")


class Api:
    def __init__(self, world: World, tmp: Path) -> None:
        self.world = world
        settings = Settings.load(env={}, data_dir=tmp, database_url=world.database.url)
        self.client = TestClient(create_app(settings, database=world.database))
        self.token = self.pair()

    def pair(self, household: str = "home") -> str:
        answer = self.client.post("/api/v1/devices/pair", json={"code": self.world.pairing_code(household)})
        assert answer.status_code == 201
        return str(answer.json()["token"])

    def sync(self, body: Any, token: str = "", raw: bytes = b"") -> Any:
        headers = {"Authorization": f"Bearer {token or self.token}", "Content-Type": "application/json"}
        if raw:
            return self.client.post("/api/v1/device/sync", content=raw, headers=headers)
        return self.client.post("/api/v1/device/sync", json=body, headers=headers)

    def counts(self) -> Dict[str, int]:
        return {t: int(self.world.scalar(f"SELECT count(*) FROM {t}") or 0) for t in TABLES}


@pytest.fixture
def api(app_world: World, tmp_path: Path) -> Api:
    return Api(app_world, tmp_path)


def op(type_: str, **payload: Any) -> Dict[str, Any]:
    return {"op_id": str(uuid.uuid4()), "type": type_, "payload": payload}


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b"[]",
        b'{"ops": "none"}',
        b'{"ops": [], "extra": 1}',
        b'{"cursor": "abc"}',
        b'{"cursor": "-5"}',
        b'{"wait": 999}',
        b'{"limit": 0}',
    ],
)
def test_malformed_bodies_get_4xx_and_write_nothing(api: Api, raw: bytes) -> None:
    """The envelope only; a bad element of ops is that op's rejection (test_sync_hardening.py)."""
    before = api.counts()
    answer = api.sync(None, raw=raw)
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "invalid"
    assert api.counts() == before


def test_too_many_ops_is_refused_whole(api: Api) -> None:
    before = api.counts()
    body = {
        "ops": [op("message.send", message_id=str(uuid.uuid4()), to="女儿", text="好") for _ in range(101)]
    }
    assert api.sync(body).status_code == 422
    assert api.counts() == before


def test_unknown_or_revoked_token_is_401(api: Api) -> None:
    assert api.sync({}, token="not-a-token").status_code == 401
    assert api.client.post("/api/v1/device/sync", json={}).status_code == 401


def test_replayed_body_returns_first_results_and_writes_nothing_twice(api: Api) -> None:
    activity = api.world.add_activity("太极拳", capacity=3)
    body = {
        "ops": [
            op("booking.create", booking_id=str(uuid.uuid4()), activity_id=activity),
            op("message.send", message_id=str(uuid.uuid4()), to="女儿", text="我报名了太极拳"),
            op("bogus.type"),
            op("reminder.cancel", reminder_id="not-a-uuid"),
        ]
    }
    first = api.sync(body)
    assert first.status_code == 200
    results = first.json()["results"]
    assert [r["status"] for r in results] == ["applied", "applied", "rejected", "rejected"]
    assert [r.get("code") for r in results[2:]] == ["invalid", "invalid"]
    after = api.counts()
    for _ in range(3):
        again = api.sync(body)
        assert again.json()["results"] == results
    changed = {
        **body,
        "ops": [{**body["ops"][1], "payload": {"message_id": str(uuid.uuid4()), "text": "改了"}}],
    }
    assert api.sync(changed).json()["results"] == [results[1]]
    assert api.counts() == after
    assert api.world.scalar("SELECT booked FROM activities WHERE id = :a", a=activity) == 1


def test_concurrent_replays_of_one_op_apply_it_once(api: Api) -> None:
    activity = api.world.add_activity("太极拳", capacity=3)
    body = {"ops": [op("booking.create", booking_id=str(uuid.uuid4()), activity_id=activity)]}
    answers: List[Any] = []

    def send() -> None:
        answers.append(api.sync(body).json()["results"])

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(answers) == 6 and all(a == answers[0] for a in answers)
    assert answers[0][0]["booking"] == "confirmed"
    assert api.world.scalar("SELECT count(*) FROM bookings") == 1
    assert api.world.scalar("SELECT booked FROM activities WHERE id = :a", a=activity) == 1


def test_an_op_id_of_another_device_is_not_applied(api: Api) -> None:
    body = {"ops": [op("message.send", message_id=str(uuid.uuid4()), to="女儿", text="一")]}
    assert api.sync(body).json()["results"][0]["status"] == "applied"
    other = api.pair("other")
    before = api.counts()
    assert api.sync(body, token=other).json()["results"][0]["code"] == "op_id_taken"
    assert api.counts() == before


def test_emergency_alerts_family_and_notifier_once(api: Api) -> None:
    heard: List[EmergencyNotice] = []

    class Collect:
        def notify(self, notice: EmergencyNotice) -> None:
            heard.append(notice)

    remove = notify.register(Collect())
    try:
        body = {"ops": [op("emergency", text="救命", at="2026-03-02T10:00:00")]}
        alert_id = api.sync(body).json()["results"][0]["alert_id"]
        api.sync(body)
    finally:
        remove()
    assert [(n.alert_id, n.address_as, n.note) for n in heard] == [(alert_id, "王阿姨", "救命")]
    family = api.client
    me = family.post("/api/v1/auth/login", json={"username": "daughter", "password": "correct-horse-1"})
    alerts = family.get("/api/v1/alerts").json()
    assert me.status_code == 200 and [a["id"] for a in alerts] == [alert_id]


def test_cursor_ahead_of_the_server_gets_a_full_snapshot(api: Api) -> None:
    api.world.add_activity("太极拳", capacity=3)
    answer = api.sync({"cursor": "999999:0"}).json()
    assert [a["title"] for a in answer["changes"]["activities"]] == ["太极拳"]
    assert int(answer["cursor"].split(":")[0]) < 999999


def test_family_edit_against_voice_cancel_ends_deleted(api: Api) -> None:
    """Rule (docs/sync.md): a voice cancel deletes the reminder whatever family edited meanwhile."""
    family = TestClient(api.client.app)
    me = family.post(
        "/api/v1/auth/login", json={"username": "daughter", "password": "correct-horse-1"}
    ).json()
    family.headers["X-CSRF-Token"] = me["csrf_token"]
    home = api.world.ids["home"]
    made = family.post(
        f"/api/v1/households/{home}/reminders",
        json={"content": "吃药", "time_of_day": "08:00", "repeat": "daily"},
    ).json()
    cursor = api.sync({}).json()["cursor"]
    edit = family.put(
        f"/api/v1/reminders/{made['id']}",
        json={"content": "吃降压药", "time_of_day": "08:30", "repeat": "daily"},
    )
    assert edit.status_code == 200
    cancel = op("reminder.cancel", reminder_id=made["id"])
    answer = api.sync({"cursor": cursor, "ops": [cancel]}).json()
    assert answer["results"][0]["status"] == "applied"
    assert answer["changes"]["deleted_reminders"] == [made["id"]] and answer["changes"]["reminders"] == []
    assert (
        family.put(
            f"/api/v1/reminders/{made['id']}",
            json={"content": "再改", "time_of_day": "09:00", "repeat": "daily"},
        ).status_code
        == 404
    )
    # The device drops a family edit that arrives while its own cancel is still unanswered.
    late = {
        "cursor": "9:0",
        "results": [],
        "changes": {
            "reminders": [
                {
                    "id": made["id"],
                    "content": "吃降压药",
                    "time": "08:30",
                    "date": "2026-03-02",
                    "repeat": "daily",
                    "active": True,
                }
            ]
        },
    }
    pending = [OutboxOp(1, cancel["op_id"], "reminder.cancel", {"reminder_id": made["id"]})]
    kept: ServerChanges = server_changes(late, pending, True, {made["id"]})
    assert kept.reminders == ()


def test_a_service_cancelled_by_voice_is_cancelled_for_the_community(api: Api) -> None:
    """service.cancel: the household's request becomes 已取消 for staff; again is applied unchanged;
    another household's request is not touched."""
    request_id = str(uuid.uuid4())
    made = op("service.request", request_id=request_id, service="checkup", date="2025-03-09", time="09:00")
    assert api.sync({"ops": [made]}).json()["results"][0]["status"] == "applied"
    cancel = op("service.cancel", request_id=request_id)
    result = api.sync({"ops": [cancel]}).json()["results"][0]
    assert (result["status"], result["service"]) == ("applied", "cancelled")
    status = api.world.scalar(f"SELECT status FROM service_requests WHERE id = '{request_id}'")
    assert str(status).lower().endswith("cancelled")
    again = api.sync({"ops": [op("service.cancel", request_id=request_id)]}).json()["results"][0]
    assert again["status"] == "applied" and again.get("already") is True
    mine = str(uuid.uuid4())
    api.sync({"ops": [op("service.request", request_id=mine, service="meal", date="2025-03-10")]})
    other = api.pair("other")
    theirs = api.sync({"ops": [op("service.cancel", request_id=mine)]}, token=other)
    assert theirs.status_code == 200 and theirs.json()["results"][0]["status"] == "rejected"
    still = api.world.scalar(f"SELECT status FROM service_requests WHERE id = '{mine}'")
    assert str(still).lower().endswith("pending")
