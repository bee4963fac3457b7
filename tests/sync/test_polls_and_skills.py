"""Issue 16 end to end: a voice poll made on the staff page is asked by two speakers, answered by voice,
and counted on the staff page; a skill offered by voice becomes an activity the elder teaches, told on
their speaker, which then hears the sign-ups.

A real server process on loopback, real paired speakers (store, dialog thread, sync worker), fake wall
clocks (advanced by hand so the poll's quiet moment comes at once).
"""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from sync_world import PASSWORD, World, local_now, wait_for


def _staff(world: World, username: str = "staff1") -> "tuple[httpx.Client, str]":
    """A browser-like login (staff1, or the family login 'daughter') and its CSRF token."""
    client = httpx.Client(base_url=world.server.url, timeout=10, trust_env=False, follow_redirects=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    done = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token[1]})
    assert done.status_code == 200, done.text[:300]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/staff" if username == "staff1"
                                                                        else "/family").text)
    return client, csrf[1] if csrf else ""


def _synced(spk) -> None:  # type: ignore[no-untyped-def]
    wait_for(lambda: spk.assistant.store.get_setting("sync.cursor"), 5, "the first sync")


def _counts(html: str) -> "dict[str, int]":
    """Option → households, from the results table of the staff page."""
    rows = re.findall(r'<td data-label="选项">(?:\d\. )?([^<]+)</td>'
                      r'<td data-label="户数" class="count">(\d+)</td>', html)
    return {label: int(n) for label, n in rows}


def _asked(spk) -> str:  # type: ignore[no-untyped-def]
    """The senior says something, then the conversation is quiet for 25 s: the poll is asked."""
    spk.assistant.handle_text("而家几点")
    spk.clock.advance(timedelta(seconds=25))
    return spk.said("社区想问问您", timeout=10)


def test_a_voice_poll_answered_on_two_speakers_shows_on_the_staff_page(world: World, speaker) -> None:
    wang, li = speaker(world), speaker(world, "dev2", "other")
    _synced(wang)
    _synced(li)
    staff, csrf = _staff(world)
    refused = staff.post("/staff/polls", data={"csrf_token": csrf, "question": "下个月秋游想去哪里？",
                                               "option1": "白云山", "option2": "白云山"})
    assert refused.status_code == 422 and "有两个选项一样" in refused.text
    made = staff.post("/staff/polls", data={"csrf_token": csrf, "question": "下个月秋游想去哪里？",
                                            "option1": "白云山", "option2": "越秀公园", "option3": "陈家祠"})
    assert made.status_code == 200 and "已发出" in made.text
    poll_id = str(world.scalar("SELECT id FROM polls"))
    for spk in (wang, li):
        wait_for(lambda spk=spk: spk.assistant.store.polls_to_ask(), 15, "the poll on the speaker")

    asked = _asked(wang)
    assert asked == "社区想问问您：下个月秋游想去哪里？一，白云山；二，越秀公园；三，陈家祠。您选哪一个？"
    assert wang.assistant.handle_text("百云山啦 近啲")[0].text == "记下了，您选的是白云山。谢谢您！"
    _asked(li)
    chosen = li.assistant.handle_text("白云山太远喇 去越秀公园啦")[0].text
    assert chosen == "记下了，您选的是越秀公园。谢谢您！"
    wait_for(lambda: world.scalar("SELECT count(*) FROM poll_answers") == 2, 15, "both answers on the server")

    results = staff.get(f"/staff/polls/{poll_id}/results")
    assert "no-store" in results.headers["cache-control"]
    counts = _counts(results.json()["html"])
    assert counts == {"白云山": 1, "越秀公园": 1, "陈家祠": 0, "都可以": 0, "不知道 / 不选": 0,
                      "问过，没有回答": 0, "还没问到": 0}
    page = staff.get(f"/staff/polls/{poll_id}").text
    assert "白云去太远喇" not in page and "白云山太远喇 去越秀公园啦" in page  # what the senior said
    assert "2 / 2 户" in staff.get("/staff/polls").text

    # asked once: another quiet moment brings nothing; closing keeps the answers
    wang.sink.take()
    wang.assistant.handle_text("你好")
    wang.clock.advance(timedelta(seconds=30))
    assert not any("社区想问问您" in t for t in wang.sink.texts())
    closed = staff.post(f"/staff/polls/{poll_id}/close", data={"csrf_token": csrf})
    assert closed.status_code == 200 and "调查已结束" in closed.text
    assert _counts(staff.get(f"/staff/polls/{poll_id}/results").json()["html"])["白云山"] == 1

    # the family's 新动向: their own elder's answer, and never the neighbour's page
    family, _ = _staff(world, "daughter")
    news = family.get(f"/family/h/{world.ids['home']}/news")
    assert news.status_code == 200 and "回答了社区调查「下个月秋游想去哪里？」：白云山" in news.text
    assert family.get(f"/family/h/{world.ids['other']}/news").status_code in (403, 404)


def test_a_skill_offered_by_voice_becomes_an_activity_the_elder_teaches(world: World, speaker) -> None:
    wang, li = speaker(world), speaker(world, "dev2", "other")
    _synced(wang)
    _synced(li)
    asked = wang.assistant.handle_text("我识写毛笔字 想教下啲街坊")[0].text
    assert asked == "您会写毛笔字，愿意教大家。我帮您告诉社区，好吗？"
    assert wang.assistant.handle_text("好啊")[0].text.startswith("好的，已经告诉社区了")
    wait_for(lambda: world.scalar("SELECT count(*) FROM skill_offers") == 1, 15, "the offer on the server")
    offer_id = str(world.scalar("SELECT id FROM skill_offers"))

    staff, csrf = _staff(world)
    listed = staff.get("/staff/skills").text
    assert "写毛笔字" in listed and "王秀英" in listed and "开成活动" in listed
    form = staff.get(f"/staff/skills/{offer_id}/activity").text
    assert 'value="写毛笔字班"' in form and "老师：王秀英" in form
    start = (local_now() + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    made = staff.post(f"/staff/skills/{offer_id}/activity", data={
        "csrf_token": csrf, "title": "写毛笔字班", "category": "culture", "place": "活动室",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"), "capacity": "15"})
    assert made.status_code == 200, made.text[:300]
    assert world.scalar("SELECT status FROM skill_offers") == "taught"
    teacher = world.scalar("SELECT teacher_household_id FROM activities WHERE title = '写毛笔字班'")
    assert teacher == world.ids["home"]
    told = wang.said("社区请您来教", timeout=15)
    assert told.startswith("好消息，社区请您来教写毛笔字：") and "写毛笔字班，由您来教" in told

    # a neighbour signs up by voice; the teacher hears the count
    wait_for(lambda: any(a.title == "写毛笔字班" for a in li.assistant.store.activities()), 15, "the class")
    assert "写毛笔字班" in li.assistant.handle_text("我想报名写毛笔字班")[0].text
    li.assistant.handle_text("系")
    wait_for(lambda: world.scalar("SELECT booked FROM activities WHERE title = '写毛笔字班'") == 1, 15,
             "the sign-up on the server")
    activity_id = str(world.scalar("SELECT id FROM activities WHERE title = '写毛笔字班'"))
    wait_for(lambda: wang.assistant.store.taken(activity_id) == 1, 15, "the count on the teacher's speaker")
    heard = wang.assistant.handle_text("我教嘅班有几多人报名啊")[0].text
    assert heard.startswith("您教的写毛笔字班，") and heard.endswith("已经有1个人报名了。")
    family, _ = _staff(world, "daughter")
    assert "愿意教大家写毛笔字，社区开成了活动" in family.get(f"/family/h/{world.ids['home']}/news").text
