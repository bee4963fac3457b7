"""Issue 12: what the family and staff do on the web reaches the speaker, end to end.

A real server process on loopback, a real paired speaker (store, dialog thread, sync worker),
a fake wall clock: routines set on the family page shape the speaker's reminders; bookings and
cancellations made on the web join the speaker's schedule and are told; 我来处理 is told at
once; the senior taking an emergency back shows as 已取消 on the family and staff pages.
"""

from __future__ import annotations

import re
from datetime import time, timedelta

import httpx
from sync_world import PASSWORD, World, local_now, wait_for


def _first_sync(spk) -> None:  # type: ignore[no-untyped-def]
    wait_for(lambda: spk.assistant.store.get_setting("sync.cursor"), 5, "the first sync")


def _web(world: World, username: str) -> "tuple[httpx.Client, str]":
    """A browser-like client logged in through the login form, and its CSRF token."""
    client = httpx.Client(base_url=world.server.url, timeout=10, trust_env=False, follow_redirects=True)
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text[:500]
    done = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token[1]})
    assert done.status_code == 200, done.text[:500]
    home = client.get("/family" if username != "staff1" else "/staff")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', home.text)
    return client, csrf[1] if csrf else ""


def test_routine_set_on_the_family_page_times_the_speakers_reminders(world: World, speaker) -> None:
    spk = speaker(world)
    _first_sync(spk)
    web, csrf = _web(world, "daughter")
    url = f"/family/h/{world.ids['home']}/routine"
    page = web.get(url)
    assert page.status_code == 200 and "现在用的是默认时间" in page.text and 'value="18:00"' in page.text
    bad = web.post(url, data={"csrf_token": csrf, "wake": "06:30", "breakfast": "07:30", "lunch": "12:00",
                              "dinner": "11:00", "bed": "21:30"})
    assert bad.status_code == 422
    assert "晚饭时间要晚于午饭时间" in bad.text and 'value="11:00"' in bad.text  # what was typed is kept
    assert spk.assistant.store.routine() == {}
    good = web.post(url, data={"csrf_token": csrf, "wake": "06:00", "breakfast": "07:00", "lunch": "11:30",
                               "dinner": "17:30", "bed": "21:00"})
    assert good.status_code == 200 and "上次修改" in good.text
    wait_for(lambda: spk.assistant.store.routine().get("dinner") == "17:30", 3, "the routine on the speaker")

    asked = spk.assistant.handle_text("每天晚饭后提醒我散步")[0].text
    assert asked == "晚饭后，每天晚上六点提醒您散步，对吗？"  # dinner 17:30 + 30 min
    assert spk.assistant.handle_text("对")[0].text.startswith("好的，记住了")
    [walk] = [r for r in spk.assistant.store.reminders() if r.content == "散步"]
    assert (walk.at, walk.repeat) == (time(18, 0), "daily")

    api = world.login("daughter")
    routine = api.get(f"/api/v1/households/{world.ids['home']}/routine").json()
    assert (routine["dinner"], routine["default"]) == ("17:30", False)
    body = {**{k: routine[k] for k in ("wake", "breakfast", "lunch", "dinner")}, "bed": "25:00"}
    refused = api.put(f"/api/v1/households/{world.ids['home']}/routine", json=body)
    assert refused.status_code == 422 and "睡觉时间不对" in refused.json()["error"]["message"]
    foreign = api.get(f"/api/v1/households/{world.ids['other']}/routine")
    assert foreign.status_code == 404


def test_family_booking_and_cancelling_on_the_web_reach_the_speakers_schedule(world: World, speaker) -> None:
    activity_id = world.add_activity("粤剧欣赏", capacity=5, days=1)
    spk = speaker(world)
    _first_sync(spk)
    spk.sink.take()
    web, csrf = _web(world, "daughter")
    booked = web.post(f"/family/h/{world.ids['home']}/bookings",
                      data={"csrf_token": csrf, "activity_id": activity_id})
    assert booked.status_code == 200
    assert spk.said("帮您报名了") == "女儿帮您报名了明天上午九点的粤剧欣赏。"
    [mine] = spk.assistant.store.bookings()
    assert (mine.activity_id, mine.status) == (activity_id, "confirmed")
    assert "粤剧欣赏" in "".join(r.text for r in spk.assistant.handle_text("我报了什么"))
    seq = spk.assistant.store.last_seq()
    again = "".join(r.text for r in spk.assistant.handle_text("帮我报名粤剧欣赏"))
    assert "已经报" in again, again  # never a second booking of the same activity
    assert [op.type for op in spk.assistant.store.outbox(seq)] == []

    booking_id = world.scalar("SELECT id FROM bookings WHERE activity_id = :a", a=activity_id)
    spk.sink.take()
    cancelled = web.post(f"/family/h/{world.ids['home']}/bookings",
                         data={"csrf_token": csrf, "booking_id": booking_id})
    assert cancelled.status_code == 200
    assert spk.said("帮您取消了") == "女儿帮您取消了明天上午九点的粤剧欣赏。"
    assert spk.assistant.store.bookings() == []
    assert spk.assistant.store.booking(str(booking_id)).status == "cancelled"


def test_i_am_handling_it_is_told_at_once_and_a_take_back_shows_as_cancelled(world: World, speaker) -> None:
    spk = speaker(world)
    _first_sync(spk)
    spk.sink.take()
    spk.assistant.handle_text("救命啊")
    alert_id = wait_for(lambda: world.scalar("SELECT id FROM emergency_alerts"), 3, "the alert on the server")
    web, csrf = _web(world, "daughter")
    alerts = web.get(f"/family/h/{world.ids['home']}/alerts")
    assert "音箱时间" in alerts.text and "我来处理" in alerts.text
    handled = web.post(f"/family/alerts/{alert_id}/acknowledge", data={"csrf_token": csrf})
    assert handled.status_code == 200
    said = spk.said("正在联系您")
    assert said == "女儿知道了，正在联系您。"
    replies = [r for r in spk.sink.replies if r.text == said]
    assert replies and replies[0].urgent

    # a second alert, taken back by the senior within 10 minutes
    spk.sink.take()
    spk.assistant.handle_text("救命啊")
    wait_for(lambda: world.scalar("SELECT count(*) FROM emergency_alerts") == 2, 3, "the second alert")
    spk.clock.advance(timedelta(minutes=1))
    answer = "".join(r.text for r in spk.assistant.handle_text("没事了，我按错了"))
    assert "您没事了" in answer, answer
    wait_for(lambda: world.scalar("SELECT count(*) FROM emergency_alerts WHERE cancelled_at IS NOT NULL"),
             3, "the cancel on the server")
    family_page = web.get(f"/family/h/{world.ids['home']}/alerts").text
    assert "已取消：王阿姨说“没事了我按错了”，音箱时间" in family_page
    staff, _ = _web(world, "staff1")
    dashboard = staff.get("/staff").text
    assert "老人已取消的呼叫" in dashboard and "没有未处理的紧急呼叫" in dashboard


def test_a_family_message_read_out_by_the_speaker_shows_as_heard_on_the_family_page(world: World,
                                                                                     speaker) -> None:
    spk = speaker(world)
    _first_sync(spk)
    spk.sink.take()
    web, csrf = _web(world, "daughter")
    url = f"/family/h/{world.ids['home']}/messages"
    sent = web.post(url, data={"csrf_token": csrf, "body": "妈，周六我带孙子回来吃饭"})
    assert sent.status_code == 200
    said = spk.said("带孙子回来吃饭")
    assert "周六我带孙子回来吃饭" in said
    wait_for(lambda: world.scalar("SELECT read_at FROM messages WHERE body LIKE '%带孙子%'"), 5,
             "the speaker's report that it was heard")
    assert "已听" in web.get(url).text
    # heard again on request: read out again, reported once only
    again = "".join(r.text for r in spk.assistant.handle_text("有冇留言啊"))
    assert "带孙子回来吃饭" in again
    assert [op.type for op in spk.assistant.store.outbox()].count("message.heard") == 1


def test_a_volunteer_taking_a_help_request_on_the_web_is_told_to_the_senior(world: World, speaker) -> None:
    """Issue 16: staff take a request down for the elder, a volunteer accepts it on their phone page,
    and the speaker tells the senior who is coming and when — once."""
    spk = speaker(world)
    _first_sync(spk)
    staff, csrf = _new_volunteer(world, "小李", "13800138000")
    taken = staff.post("/staff/help", data={"csrf_token": csrf, "household_id": world.ids["home"],
                                            "what": "我想找个人帮我换灯泡"})
    assert taken.status_code == 200, taken.text[:300]
    request_id = world.scalar("SELECT id FROM help_requests")

    volunteer, csrf_v = _volunteer_login(world, "13800138000", "help-me-123")
    assert "换灯泡" in volunteer.get("/volunteer").text
    visit = (local_now() + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    spk.sink.take()
    accepted = volunteer.post(f"/volunteer/help/{request_id}/accept",
                              data={"csrf_token": csrf_v, "visit_at": visit.strftime("%Y-%m-%dT%H:%M")})
    assert accepted.status_code == 200, accepted.text[:300]
    said = spk.said("志愿者", timeout=15)
    assert said == "志愿者小李明天上午十点来帮您换灯泡。"
    spk.sink.take()
    finished = volunteer.post(f"/volunteer/help/{request_id}/done", data={"csrf_token": csrf_v})
    assert finished.status_code == 200
    wait_for(lambda: _help_status(spk, request_id) == "done", 15, "the done status")
    assert not [t for t in spk.sink.texts() if "志愿者" in t]  # told once, not again on the next change


def _help_status(spk, request_id: str) -> str:  # type: ignore[no-untyped-def]
    return str((spk.assistant.store.get_setting(f"help.{request_id}") or {}).get("status"))


def _new_volunteer(world: World, name: str, phone: str) -> "tuple[httpx.Client, str]":
    """Staff make a volunteer login (password help-me-123); returns the staff client and its CSRF token."""
    staff, csrf = _web(world, "staff1")
    made = staff.post("/staff/volunteers", data={"csrf_token": csrf, "name": name, "phone": phone,
                                                 "password": "help-me-123"})
    assert made.status_code == 200, made.text[:300]
    return staff, csrf


def _volunteer_login(world: World, phone: str, password: str) -> "tuple[httpx.Client, str]":
    client = httpx.Client(base_url=world.server.url, timeout=10, trust_env=False, follow_redirects=True)
    login = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', login.text)[1]  # type: ignore[index]
    assert client.post("/login", data={"username": phone, "password": password,
                                       "csrf_token": token}).status_code == 200
    page = client.get("/volunteer")
    return client, re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]  # type: ignore[index]


def test_a_help_request_asked_by_voice_is_taken_told_and_thanked_by_voice(world: World, speaker) -> None:
    """Issue 16 end to end: the senior asks for a hand by voice (read back, confirmed), a volunteer sees
    it on the phone page and takes it, the senior hears who is coming, the volunteer marks it done, and
    '谢谢小王' puts the points on the volunteer's ledger — once."""
    spk = speaker(world)
    _first_sync(spk)
    _new_volunteer(world, "小王", "13800138001")

    asked = spk.assistant.handle_text("我只脚唔好 想搵个人帮我换个灯泡")[0]
    assert asked.text == "帮您请社区的志愿者来换个灯泡，对吗？" and asked.expects_answer
    assert world.scalar("SELECT count(*) FROM help_requests") == 0  # nothing before the yes
    sent = spk.assistant.handle_text("系啊")[0].text
    assert sent == "好的，已经请社区的志愿者来换个灯泡。有人接了，我会告诉您。"
    wait_for(lambda: world.scalar("SELECT count(*) FROM help_requests") == 1, 15, "the request on the server")
    request_id = world.scalar("SELECT id FROM help_requests")
    assert world.scalar("SELECT what FROM help_requests") == "换个灯泡"
    assert world.scalar("SELECT status FROM help_requests") == "open"

    volunteer, csrf_v = _volunteer_login(world, "13800138001", "help-me-123")
    assert "换个灯泡" in volunteer.get("/volunteer").text
    visit = (local_now() + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    spk.sink.take()
    accepted = volunteer.post(f"/volunteer/help/{request_id}/accept",
                              data={"csrf_token": csrf_v, "visit_at": visit.strftime("%Y-%m-%dT%H:%M")})
    assert accepted.status_code == 200, accepted.text[:300]
    assert spk.said("志愿者", timeout=15) == "志愿者小王明天上午十点来帮您换个灯泡。"
    done = volunteer.post(f"/volunteer/help/{request_id}/done", data={"csrf_token": csrf_v})
    assert done.status_code == 200
    wait_for(lambda: _help_status(spk, request_id) == "done", 15, "the done status on the speaker")
    assert world.scalar("SELECT count(*) FROM volunteer_points") == 0  # done alone gives nothing yet

    thanked = spk.assistant.handle_text("多谢小王啊")[0].text
    assert thanked == "好的，我会把您的谢意转告小王。"
    wait_for(lambda: world.scalar("SELECT status FROM help_requests") == "thanked", 15,
             "the thanks on the server")
    assert world.scalar("SELECT sum(delta) FROM volunteer_points") == 10
    ledger = volunteer.get("/volunteer/points").text
    assert "10" in ledger and "换个灯泡" in ledger
    # a second thanks is only polite: no second op, no more points
    assert spk.assistant.handle_text("多谢小王")[0].text != thanked
    assert [op.type for op in spk.assistant.store.outbox()].count("help.thanked") == 1
