"""End to end: a real server process on loopback, a real speaker store, a fake wall clock."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest
from sync_world import World, wait_for


def _first_sync(spk) -> None:  # type: ignore[no-untyped-def]
    wait_for(lambda: spk.assistant.store.get_setting("sync.cursor"), 5, "the first sync")


def test_family_reminder_reaches_speaker_fires_and_family_sees_acknowledged(world: World, speaker) -> None:
    spk = speaker(world)
    _first_sync(spk)
    family = world.login("daughter")
    due = spk.clock.now().replace(second=0) + timedelta(minutes=2)
    sent = time.monotonic()
    made = family.post(
        f"/api/v1/households/{world.ids['home']}/reminders",
        json={
            "content": "吃降压药",
            "time_of_day": due.strftime("%H:%M"),
            "repeat": "once",
            "start_date": due.date().isoformat(),
        },
    )
    assert made.status_code == 201
    reminder_id = made.json()["id"]
    wait_for(lambda: spk.assistant.store.reminder(reminder_id), 2.0, "the reminder on the device")
    assert time.monotonic() - sent < 2.0
    assert spk.said("家人给您设了一个提醒").endswith("吃降压药。")

    spk.clock.advance(due - spk.clock.now())
    assert spk.said("提醒您：吃降压药") == "提醒您：吃降压药。听到了请说知道了。"
    spk.sink.take()
    replies = spk.assistant.handle_text("知道了")
    assert [r.text for r in replies] == ["好的。"]

    def acknowledged() -> object:
        rows = family.get(f"/api/v1/households/{world.ids['home']}/occurrences").json()
        return [r for r in rows if r["reminder_id"] == reminder_id and r["state"] == "acknowledged"]

    wait_for(acknowledged, 3.0, "已确认 on the server")
    page = family.get(f"/family/h/{world.ids['home']}/reminders")
    assert page.status_code == 200 and "已确认" in page.text


def test_offline_bookings_are_confirmed_or_rejected_when_the_server_returns(world: World, speaker) -> None:
    open_id = world.add_activity("太极拳", capacity=5)
    full_id = world.add_activity("书法班", capacity=1)
    other = speaker(world, name="neighbour", household="other")
    _first_sync(other)
    other.assistant.store.add_booking(full_id, other.clock.now())  # takes the last place
    other.assistant.outbox_changed.set()
    other.said("社区已经确认了")
    spk = speaker(world)
    _first_sync(spk)
    world.server.stop()
    store = spk.assistant.store
    mine = store.add_booking(open_id, spk.clock.now())
    lost = store.add_booking(full_id, spk.clock.now())
    spk.assistant.outbox_changed.set()
    time.sleep(0.5)  # the speaker tries, fails and backs off while the server is down
    assert store.booking(mine.id).status == "pending"
    assert spk.sink.texts() == []
    world.server.start()
    assert spk.said("书法班") == "抱歉，您报名的书法班没有成功，名额已满。"
    assert "太极拳，社区已经确认了" in spk.said("太极拳")
    assert store.booking(mine.id).status == "confirmed"
    assert store.booking(lost.id).status == "rejected"
    assert (
        world.scalar(
            "SELECT count(*) FROM bookings WHERE household_id = :h AND status = 'confirmed'",
            h=world.ids["home"],
        )
        == 1
    )
    assert world.scalar("SELECT booked FROM activities WHERE id = :a", a=full_id) == 1


def test_urgent_announcement_reaches_a_long_polling_speaker_within_two_seconds(world: World, speaker) -> None:
    spk = speaker(world)
    _first_sync(spk)
    time.sleep(0.2)  # the worker is now held in a long poll
    staff = world.login("staff1")
    sent = time.monotonic()
    staff.post(
        "/api/v1/announcements",
        json={"title": "停电通知", "body": "十点停电，请注意安全。", "target": "all", "urgent": True},
    ).raise_for_status()
    assert spk.said("紧急通知：停电通知", timeout=2.0) == "紧急通知：停电通知。十点停电，请注意安全。"
    assert time.monotonic() - sent < 2.0


def test_revoked_token_makes_the_speaker_ask_for_pairing_again(world: World, speaker) -> None:
    spk = speaker(world)
    _first_sync(spk)
    staff = world.login("staff1")
    device_id = spk.assistant.store.get_setting("sync.device_id")
    assert staff.post(f"/api/v1/devices/{device_id}/revoke").status_code == 200
    spk.assistant.store.send_message("女儿", "我很好", spk.clock.now())
    spk.assistant.outbox_changed.set()
    assert "需要重新配对" in spk.said("配对", timeout=5)


@pytest.mark.postgres
def test_postgres_two_workers_wake_each_other(pg_world: World, speaker) -> None:
    spk = speaker(pg_world)
    _first_sync(spk)
    time.sleep(0.2)
    family = pg_world.login("daughter")
    sent = time.monotonic()
    family.post(
        f"/api/v1/households/{pg_world.ids['home']}/messages", json={"body": "妈，晚上我来接您。"}
    ).raise_for_status()
    assert spk.said("晚上我来接您", timeout=2.0)
    assert time.monotonic() - sent < 2.0


def test_scheduled_announcement_arrives_when_due_not_before(world: World, speaker) -> None:
    spk = speaker(world)
    _first_sync(spk)
    staff = world.login("staff1")
    publish = datetime.now(timezone.utc) + timedelta(seconds=2)
    staff.post(
        "/api/v1/announcements",
        json={
            "title": "体检提醒",
            "body": "明天上午体检。",
            "target": "all",
            "publish_at": publish.isoformat(),
            "expires_at": (publish + timedelta(hours=1)).isoformat(),
        },
    ).raise_for_status()
    assert spk.said("体检提醒", timeout=5.0) == "社区通知：体检提醒。明天上午体检。"
    late = (datetime.now(timezone.utc) - publish).total_seconds()
    assert 0.0 <= late < 1.5


def test_emergency_reaches_family_at_once_while_a_long_poll_is_held(world: World, speaker) -> None:
    spk = speaker(world)
    _first_sync(spk)
    time.sleep(0.2)  # the poller is held in a long poll now
    family = world.login("daughter")
    said = time.monotonic()
    replies = spk.assistant.handle_text("救命啊")
    assert "已经通知您的家人和社区" in replies[0].text
    alerts = wait_for(lambda: family.get("/api/v1/alerts").json(), 1.0, "the alert on the family API")
    assert time.monotonic() - said < 1.0
    assert len(alerts) == 1 and alerts[0]["household_id"] == world.ids["home"]
    page = family.get(f"/family/h/{world.ids['home']}/alerts")
    assert page.status_code == 200 and "救命" in page.text


def test_server_time_makes_an_untrusted_clock_trusted(world: World, speaker) -> None:
    right = speaker(world, trusted=False)
    wrong = speaker(world, name="skewed", household="other", trusted=False, skew=timedelta(hours=3))
    _first_sync(right)
    _first_sync(wrong)
    wait_for(right.clock.is_trusted, 2.0, "the clock to be trusted")
    assert abs(right.assistant.store.get_setting("sync.clock_offset_seconds")) < 5
    assert not wrong.clock.is_trusted()  # 3 h off: the server does not vouch for it
    assert abs(wrong.assistant.store.get_setting("sync.clock_offset_seconds") + 3 * 3600) < 5
