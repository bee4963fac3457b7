"""Issue 16 (server half): voice polls (活动调查), skill offers (技能教学) and the family's 新动向.

Both databases, real HTTP through the app, the injected clock: staff make a poll for a group; only that
group's speakers get it; `poll.answer` is checked (options, once per household, closed polls, other
communities); skill offers reach the staff page and staff's answer reaches the speaker; the family see
their own elder's happenings and no one else's.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any, Dict

import sqlalchemy as sa
from community_world import World
from test_volunteers import VOLUNTEER_PASSWORD, ask_for_help, csrf_of, op, sync

from community.domain.young import create_young
from community.models import User


def make_young(world: World, key: str, name: str, phone: str, community: str = "staff1") -> str:
    """A young participant's login made as staff would; world.client(key) logs in as it."""
    with world.database.write() as session:
        user = create_young(session, world.staff_actor(community), name, phone, VOLUNTEER_PASSWORD)
        world.ids[key] = user.id
    return world.ids[key]


def _said(world: World, hours: float = 0) -> str:
    """A speaker's local time (the community is UTC+8)."""
    return (world.clock.now() + timedelta(hours=8 + hours)).replace(tzinfo=None).isoformat(timespec="seconds")


def _poll(world: World, group: str = "", **options: str) -> str:
    staff = world.client("staff1")
    fields = {"csrf_token": csrf_of(staff), "question": "下个月秋游想去哪里？", "group_name": group,
              **(options or {"option1": "白云山", "option2": "越秀公园"})}
    made = staff.post("/staff/polls", data=fields, follow_redirects=False)
    assert made.status_code == 303, made.text[:300]
    return made.headers["location"].split("/")[3].split("?")[0]


def _answer(world: World, speaker: Any, poll_id: str, choice: Any, hours: float = 0) -> Dict[str, Any]:
    result = sync(speaker, None, op("poll.answer", poll_id=poll_id, choice=choice, heard="白云山啦",
                                    at=_said(world, hours)))["results"][0]
    return dict(result)


def test_a_poll_for_one_group_reaches_only_its_speakers_and_is_answered_once(world: World) -> None:
    a, b, c = world.device("a"), world.device("b"), world.device("c")
    first = {k: sync(s)["cursor"] for k, s in (("a", a), ("b", b), ("c", c))}
    poll_id = _poll(world, "1号楼")
    got = {k: sync(s, first[k])["changes"]["polls"] for k, s in (("a", a), ("b", b), ("c", c))}
    wanted = {"id": poll_id, "question": "下个月秋游想去哪里？", "options": ["白云山", "越秀公园"]}
    assert got["a"] == [wanted]
    assert got["b"] == [] and got["c"] == []  # another group; another community
    assert [p["id"] for p in sync(world.device("a"))["changes"]["polls"]] == [poll_id]  # a first sync too

    assert _answer(world, b, poll_id, 1)["code"] == "not_found"  # not meant for 2号楼
    assert _answer(world, a, poll_id, 3)["code"] == "invalid"  # only two options
    assert _answer(world, a, poll_id, None)["status"] == "applied"  # asked, no answer
    assert _answer(world, a, poll_id, 1)["choice"] == "1"  # a real answer replaces it
    again = _answer(world, a, poll_id, 2)
    assert again["status"] == "applied" and again["already"] is True and again["choice"] == "1"
    assert sync(world.device("a"))["changes"]["polls"] == []  # answered: not asked again

    staff = world.client("staff1")
    page = staff.get(f"/staff/polls/{poll_id}")
    assert page.status_code == 200 and "白云山啦" in page.text
    assert world.client("staff2").get(f"/staff/polls/{poll_id}").status_code == 404
    assert world.client("fam_a").get(f"/staff/polls/{poll_id}").status_code == 403


def test_a_closed_poll_is_dropped_and_later_answers_refused(world: World) -> None:
    a = world.device("a")
    cursor = sync(a)["cursor"]
    poll_id = _poll(world)
    cursor = sync(a, cursor)["cursor"]
    staff = world.client("staff1")
    closed = staff.post(f"/staff/polls/{poll_id}/close", data={"csrf_token": csrf_of(staff)})
    assert closed.status_code == 200 and "调查已结束" in closed.text
    assert sync(a, cursor)["changes"]["polls"] == [{"id": poll_id, "closed": True}]
    world.clock.advance(minutes=5)
    assert _answer(world, a, poll_id, 1)["code"] == "conflict"  # said after the close
    assert _answer(world, a, poll_id, 1, hours=-1)["status"] == "applied"  # said before it: kept


def test_bad_polls_are_refused_with_the_field_named(world: World) -> None:
    staff = world.client("staff1")
    base = {"csrf_token": csrf_of(staff), "question": "想去哪里？"}
    one = staff.post("/staff/polls", data={**base, "option1": "白云山"})
    assert one.status_code == 422 and "选项：请填 2 到 4 个" in one.text
    long = staff.post("/staff/polls", data={**base, "option1": "白云山" * 8, "option2": "越秀公园"})
    assert long.status_code == 422 and "选项" in long.text
    nobody = staff.post("/staff/polls",
                        data={**base, "option1": "甲", "option2": "乙", "group_name": "9号楼"})
    assert nobody.status_code == 422 and "9号楼" in nobody.text


def test_a_skill_offer_reaches_staff_and_their_answer_the_speaker(world: World) -> None:
    a = world.device("a")
    cursor = sync(a)["cursor"]
    offer_id = str(uuid.uuid4())
    offered = op("skill.offer", offer_id=offer_id, skill="写毛笔字", said="我识写毛笔字 想教下啲街坊",
                 at=_said(world))
    made = sync(a, None, offered)["results"][0]
    assert made["status"] == "applied" and made["skill"] == "new"
    staff = world.client("staff1")
    listed = staff.get("/staff/skills").text
    assert "写毛笔字" in listed and "老人a" in listed
    assert "还没有老人提出教技能" in world.client("staff2").get("/staff/skills").text  # another community
    declined = staff.post(f"/staff/skills/{offer_id}/decline", data={"csrf_token": csrf_of(staff)})
    assert declined.status_code == 200 and "暂不安排" in declined.text
    told = sync(a, cursor)["changes"]["skills"]
    assert told == [{"id": offer_id, "skill": "写毛笔字", "status": "declined"}]
    assert sync(world.device("b"))["changes"].get("skills", []) == []
    again = staff.post(f"/staff/skills/{offer_id}/decline", data={"csrf_token": csrf_of(staff)})
    assert again.status_code == 409


def test_the_family_see_their_elders_happenings_and_no_one_elses(world: World) -> None:
    a = world.device("a")
    ask_for_help(world, a)
    sync(a, None, op("message.send", message_id=str(uuid.uuid4()), to="女儿", text="今晚返唔返嚟食饭",
                     at=_said(world)))
    family = world.client("fam_a")
    page = family.get(f"/family/h/{world.ids['a']}/news")
    assert page.status_code == 200
    items = re.findall(r'<li class="item happening (\w+)', page.text)
    assert "请志愿者帮忙：帮我换个灯泡" in page.text and "留言：今晚返唔返嚟食饭" in page.text
    assert set(items) == {"help", "message"}
    assert family.get(f"/family/h/{world.ids['b']}/news").status_code in (403, 404)
    assert world.client("fam_c").get(f"/family/h/{world.ids['a']}/news").status_code in (403, 404)


def test_a_young_participant_sees_only_the_elders_the_family_allowed(world: World) -> None:
    a = world.device("a")
    ask_for_help(world, a)
    staff = world.client("staff1")
    fields = {"csrf_token": csrf_of(staff), "name": "阿明", "phone": "13700137000",
              "password": VOLUNTEER_PASSWORD}
    made = staff.post("/staff/young", data=fields, follow_redirects=False)
    assert made.status_code == 303 and "阿明" in staff.get("/staff/young").text
    with world.database.reader() as session:
        world.ids["young"] = str(session.scalar(sa.select(User.id).where(User.username == "13700137000")))
    young = world.client("young")
    first = young.get("/young")
    assert first.status_code == 200 and "还没有老人的家属让您查看新动向" in first.text
    assert young.get(f"/young/h/{world.ids['a']}").status_code == 404  # not allowed yet
    assert young.get(f"/family/h/{world.ids['a']}/news").status_code == 403  # no family page at all

    family = world.client("fam_a")
    unknown = family.post(f"/family/h/{world.ids['a']}/young", data={"csrf_token": csrf_of(family),
                                                                    "phone": "13999999999"})
    assert "社区里没有这个手机号的青年参与者" in unknown.text
    allowed = family.post(f"/family/h/{world.ids['a']}/young", data={"csrf_token": csrf_of(family),
                                                                    "phone": "13700137000"})
    assert allowed.status_code == 200 and "阿明（13700137000）" in allowed.text
    other = world.client("fam_c")
    refused = other.post(f"/family/h/{world.ids['a']}/young", data={"csrf_token": csrf_of(other),
                                                                   "phone": "13700137000"})
    assert refused.status_code == 404  # not their elder

    home = young.get("/young").text
    assert f"/young/h/{world.ids['a']}" in home and f"/young/h/{world.ids['b']}" not in home
    news = young.get(f"/young/h/{world.ids['a']}")
    assert news.status_code == 200 and "请志愿者帮忙：帮我换个灯泡" in news.text
    assert young.get(f"/young/h/{world.ids['b']}").status_code == 404

    taken_back = family.post(f"/family/h/{world.ids['a']}/young/{world.ids['young']}/remove",
                             data={"csrf_token": csrf_of(family)})
    assert taken_back.status_code == 200
    assert young.get(f"/young/h/{world.ids['a']}").status_code == 404


def test_an_elder_who_volunteers_hears_their_own_points(world: World) -> None:
    """Issue 16 point 2: '我有多少积分' on the elder-volunteer's own speaker counts what they earned
    helping (staff's adjustment here), and the speaker is told when it changes."""
    from community.domain.volunteers import adjust, create_volunteer

    a = world.device("a")
    first = sync(a)
    before = first["changes"]["points"]
    with world.database.write() as session:
        helper = create_volunteer(session, world.staff_actor(), "王阿姨", "13600136000", VOLUNTEER_PASSWORD,
                                  household_id=world.ids["a"])
        adjust(session, world.staff_actor(), helper.id, 15, "帮邻居买菜", world.clock.now())
    changed = sync(a, first["cursor"])["changes"]["points"]
    assert changed == before + 15
    assert sync(world.device("b"))["changes"]["points"] == 0  # another household: not theirs
