"""Issue 16 (server half): volunteers, help requests (志愿帮扶) and volunteer points per person.

Both databases, real HTTP through the app, the injected clock: a speaker asks for help by the
`help.request` op, a volunteer logged in with their phone accepts on /volunteer, the speaker's change
feed carries who and when, the elder's thanks (`help.thanked`) puts the points on the ledger once,
unaccepted requests reach the staff dashboard after the set time, and nobody sees more than their role
allows.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import replace
from datetime import timedelta
from typing import Any, Dict, Optional

import pytest
import sqlalchemy as sa
from community_world import PASSWORD, World

from community.app import create_app
from community.domain.accounts import grant_role
from community.domain.volunteers import create_volunteer
from community.models import Role, User, VolunteerPoints

VOLUNTEER_PASSWORD = "lamp-helper-42"


def make_volunteer(world: World, key: str, name: str, phone: str, community: str = "staff1") -> str:
    """A volunteer login made as staff would (domain call); world.client(key) logs in as it."""
    with world.database.write() as session:
        user = create_volunteer(session, world.staff_actor(community), name, phone, VOLUNTEER_PASSWORD)
        world.ids[key] = user.id
    return world.ids[key]


def sync(speaker: Any, cursor: Optional[str] = None, *ops: Dict[str, Any]) -> Dict[str, Any]:
    answer = speaker.post("/api/v1/device/sync", json={"cursor": cursor, "ops": list(ops)})
    assert answer.status_code == 200, answer.text
    return answer.json()


def op(kind: str, **payload: Any) -> Dict[str, Any]:
    return {"op_id": str(uuid.uuid4()), "type": kind, "payload": payload}


def ask_for_help(world: World, speaker: Any, text: str = "帮我换个灯泡", **extra: Any) -> str:
    request_id = str(uuid.uuid4())
    said = (world.clock.now() + timedelta(hours=8)).replace(tzinfo=None).isoformat(timespec="seconds")
    answer = sync(speaker, None, op("help.request", request_id=request_id, text=text, at=said, **extra))
    assert answer["results"][0]["status"] == "applied", answer["results"]
    return request_id


def csrf_of(client: Any) -> str:
    return client.headers["X-CSRF-Token"]


def test_staff_make_a_volunteer_who_logs_in_with_the_phone_and_lands_on_the_volunteer_page(
    world: World,
) -> None:
    staff = world.client("staff1")
    form = staff.get("/staff/volunteers")
    assert form.status_code == 200 and "新建志愿者账号" in form.text
    bad = staff.post(
        "/staff/volunteers",
        data={
            "csrf_token": csrf_of(staff),
            "name": "小李",
            "phone": "一三八",
            "password": VOLUNTEER_PASSWORD,
        },
    )
    assert bad.status_code == 422 and "手机号：请填写 5 到 20 位数字" in bad.text and "小李" in bad.text
    made = staff.post(
        "/staff/volunteers",
        data={
            "csrf_token": csrf_of(staff),
            "name": "小李",
            "phone": "13800138000",
            "password": VOLUNTEER_PASSWORD,
            "household_id": world.ids["b"],
        },
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    page = staff.get(made.headers["location"])
    assert "小李" in page.text and "13800138000" in page.text and "老人b" in page.text
    assert "小李" in staff.get("/staff/volunteers").text
    no_csrf = staff.post("/staff/volunteers", data={"name": "小王", "phone": "13900139000", "password": "x"})
    assert no_csrf.status_code == 403

    browser = world.client()
    login = browser.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', login.text).group(1)
    landed = browser.post(
        "/login",
        data={"csrf_token": token, "username": "13800138000", "password": VOLUNTEER_PASSWORD},
        follow_redirects=False,
    )
    assert landed.status_code == 303 and landed.headers["location"] == "/volunteer"
    assert browser.get("/volunteer").status_code == 200
    assert browser.get("/home", follow_redirects=False).headers["location"] == "/volunteer"
    # The elder who volunteers gets no family scope: b's pages stay closed.
    assert browser.get(f"/family/h/{world.ids['b']}/reminders").status_code == 403


def test_a_volunteer_accepts_and_the_speaker_hears_who_and_when_then_thanks_give_points_once(
    world: World,
) -> None:
    make_volunteer(world, "li", "小李", "13800138000")
    make_volunteer(world, "wang", "小王", "13900139000")
    speaker = world.device("a")
    first = sync(speaker)
    request_id = ask_for_help(world, speaker, wanted_at="2026-03-03T10:00:00")

    li = world.client("li")
    home = li.get("/volunteer")
    assert home.status_code == 200
    assert "a阿姨" in home.text and "1号楼" in home.text and "帮我换个灯泡" in home.text
    assert "老人a" not in home.text  # the elder's full name is not a helper's business
    form = li.get(f"/volunteer/help/{request_id}")
    assert form.status_code == 200 and 'value="2026-03-03T10:00"' in form.text
    past = li.post(
        f"/volunteer/help/{request_id}/accept",
        data={"csrf_token": csrf_of(li), "visit_at": "2026-03-01T10:00"},
    )
    assert past.status_code == 409 and "上门时间：不能早于现在" in past.text
    accepted = li.post(
        f"/volunteer/help/{request_id}/accept",
        data={"csrf_token": csrf_of(li), "visit_at": "2026-03-03T10:00"},
        follow_redirects=False,
    )
    assert accepted.status_code == 303
    assert "志愿者已接单" in li.get("/volunteer").text

    # A second volunteer is too late, with a sentence, and no longer sees it.
    wang = world.client("wang")
    late = wang.post(
        f"/volunteer/help/{request_id}/accept",
        data={"csrf_token": csrf_of(wang), "visit_at": "2026-03-03T11:00"},
    )
    assert late.status_code in (404, 409)
    assert "帮我换个灯泡" not in wang.get("/volunteer").text

    # The speaker's change feed: who and when, as local time.
    answer = sync(speaker, first["cursor"])
    told = [h for h in answer["changes"]["help"] if h["id"] == request_id]
    assert told == [
        {
            "id": request_id,
            "kind": "help.accepted",
            "status": "accepted",
            "what": "帮我换个灯泡",
            "volunteer": "小李",
            "visit_at": "2026-03-03T10:00:00",
            "at": "2026-03-02T10:00:00",
        }
    ]
    # Family of that elder and the staff dashboard see it with its state.
    family = world.client("fam_a").get(f"/family/h/{world.ids['a']}/services").text
    assert "帮我换个灯泡" in family and "志愿者已接单" in family and "志愿者小李" in family
    dashboard = world.client("staff1").get("/staff").text
    assert "帮我换个灯泡" in dashboard and "志愿者小李" in dashboard

    world.clock.advance(days=1)
    done = li.post(f"/volunteer/help/{request_id}/done", data={"csrf_token": csrf_of(li)})
    assert done.status_code == 200 and "已完成" in done.text
    thanks = op("help.thanked", request_id=request_id, at="2026-03-03T11:00:00")
    thanked = sync(speaker, None, thanks)
    assert thanked["results"][0] == {
        "op_id": thanks["op_id"],
        "status": "applied",
        "request_id": request_id,
        "help": "thanked",
    }
    assert sync(speaker, None, thanks)["results"] == thanked["results"]  # a replay: the first result
    again = sync(speaker, None, op("help.thanked", request_id=request_id))["results"][0]
    assert again["status"] == "applied" and again["already"] is True
    staff = world.client("staff1")
    staff.post(f"/staff/help/{request_id}/confirm", data={"csrf_token": csrf_of(staff)})

    ledger = li.get("/volunteer/points").text
    assert "现在共有 <strong>10</strong> 分" in ledger
    assert ledger.count("志愿帮扶：帮我换个灯泡") == 1 and "老人道谢" in ledger
    with world.database.reader() as session:
        rows = session.scalars(sa.select(VolunteerPoints)).all()
    assert [(r.user_id, r.delta, r.help_request_id) for r in rows] == [(world.ids["li"], 10, request_id)]
    assert "现在共有 <strong>10</strong> 分" in staff.get(f"/staff/volunteers/{world.ids['li']}").text
    assert "老人已道谢" in world.client("fam_a").get(f"/family/h/{world.ids['a']}/services").text


def test_staff_confirmation_gives_the_points_once_and_thanks_after_it_give_none(world: World) -> None:
    make_volunteer(world, "li", "小李", "13800138000")
    staff, li = world.client("staff1"), world.client("li")
    created = staff.post(
        "/staff/help",
        data={"csrf_token": csrf_of(staff), "household_id": world.ids["b"], "what": "陪我去医院"},
        follow_redirects=False,
    )
    assert created.status_code == 303
    empty = staff.post("/staff/help", data={"csrf_token": csrf_of(staff), "household_id": world.ids["b"]})
    assert empty.status_code == 422 and "需要帮什么：请填写" in empty.text
    request_id = re.search(r'/volunteer/help/([0-9a-f-]{36})"', li.get("/volunteer").text).group(1)
    li.post(
        f"/volunteer/help/{request_id}/accept",
        data={"csrf_token": csrf_of(li), "visit_at": "2026-03-02T15:00"},
    )
    for _ in range(2):  # a second click gives nothing more
        staff.post(f"/staff/help/{request_id}/confirm", data={"csrf_token": csrf_of(staff)})
    speaker = world.device("b")
    late_thanks = sync(speaker, None, op("help.thanked", request_id=request_id))["results"][0]
    assert late_thanks["status"] == "applied"
    page = li.get("/volunteer/points").text
    assert "现在共有 <strong>10</strong> 分" in page and page.count("陪我去医院") == 1 and "staff1" in page


def test_unaccepted_requests_reach_the_staff_dashboard_after_the_set_time(world: World) -> None:
    speaker = world.device("a")
    ask_for_help(world, speaker, text="帮我搬个柜子")
    staff = world.client("staff1")
    assert "需要志愿者" not in staff.get("/staff").text
    world.clock.advance(minutes=239)
    assert "需要志愿者" not in staff.get("/staff").text
    world.clock.advance(minutes=1)
    dashboard = staff.get("/staff").text
    assert "志愿帮扶：需要志愿者" in dashboard and "超过 4 小时还没有志愿者接单" in dashboard
    assert "需要志愿者" in staff.get("/staff/help").text
    # Another community's staff never see it.
    assert "帮我搬个柜子" not in world.client("staff2").get("/staff").text
    # Accepted: no longer needing a volunteer.
    make_volunteer(world, "li", "小李", "13800138000")
    li = world.client("li")
    request_id = re.search(r'/volunteer/help/([0-9a-f-]{36})"', li.get("/volunteer").text).group(1)
    li.post(
        f"/volunteer/help/{request_id}/accept",
        data={"csrf_token": csrf_of(li), "visit_at": "2026-03-03T09:00"},
    )
    assert "需要志愿者" not in staff.get("/staff").text


def test_the_escalation_delay_is_a_setting(world: World) -> None:
    settings = replace(world.settings, help_escalate_after_minutes=30)
    app = create_app(settings, clock=world.clock, database=world.database)
    world.app = app
    ask_for_help(world, world.device("a"))
    staff = world.client("staff1")
    world.clock.advance(minutes=29)
    assert "需要志愿者" not in staff.get("/staff").text
    world.clock.advance(minutes=1)
    assert "超过 30 分钟还没有志愿者接单" in staff.get("/staff").text


def test_privacy_volunteers_see_no_household_and_family_see_only_their_elder(world: World) -> None:
    make_volunteer(world, "li", "小李", "13800138000")
    make_volunteer(world, "far", "小周", "13700137000", community="staff2")
    request_a = ask_for_help(world, world.device("a"), text="帮我修水龙头")
    ask_for_help(world, world.device("c"), text="帮我拿快递")
    li = world.client("li")
    for path in (
        "/family",
        f"/family/h/{world.ids['a']}/reminders",
        f"/family/h/{world.ids['a']}/services",
        "/staff",
        "/staff/help",
        f"/staff/households/{world.ids['a']}",
    ):
        assert li.get(path).status_code == 403, path
    for path in (
        "/api/v1/households",
        f"/api/v1/households/{world.ids['a']}/reminders",
        "/api/v1/activities",
    ):
        assert li.get(path).status_code == 403, path
    assert li.get("/api/v1/me").json()["kind"] == "volunteer"
    page = li.get("/volunteer").text
    assert "帮我修水龙头" in page and "帮我拿快递" not in page
    assert not re.search(r"1[3-9][0-9]{9}", page)  # no phone number of anyone
    far = world.client("far")
    assert "帮我修水龙头" not in far.get("/volunteer").text
    assert far.get(f"/volunteer/help/{request_a}").status_code == 404
    stolen = far.post(
        f"/volunteer/help/{request_a}/accept",
        data={"csrf_token": csrf_of(far), "visit_at": "2026-03-03T09:00"},
    )
    assert stolen.status_code == 404
    assert far.get(f"/staff/volunteers/{world.ids['li']}").status_code == 403
    assert world.client("staff2").get(f"/staff/volunteers/{world.ids['li']}").status_code == 404
    # Family see their own elder's requests only; family and staff have no volunteer pages.
    assert "帮我修水龙头" in world.client("fam_ab").get(f"/family/h/{world.ids['a']}/services").text
    assert "帮我修水龙头" not in world.client("fam_ab").get(f"/family/h/{world.ids['b']}/services").text
    assert world.client("fam_c").get(f"/family/h/{world.ids['a']}/services").status_code == 404
    assert "帮我修水龙头" not in world.client("fam_c").get(f"/family/h/{world.ids['c']}/services").text
    for who in ("fam_a", "staff1"):
        assert world.client(who).get("/volunteer").status_code == 403
        assert world.client(who).get("/volunteer/points").status_code == 403
    # Another household's speaker cannot thank for it.
    other = sync(world.device("b"), None, op("help.thanked", request_id=request_a))["results"][0]
    assert other["status"] == "rejected" and other["code"] == "not_found"


def test_one_login_may_hold_several_roles(world: World) -> None:
    with world.database.write() as session:
        grant_role(session, world.ids["fam_a"], Role.VOLUNTEER, world.ids["c1"])
        grant_role(session, world.ids["fam_a"], Role.TEACHER)
    ask_for_help(world, world.device("b"), text="帮我贴春联")
    both = world.client("fam_a")
    assert both.get(f"/family/h/{world.ids['a']}/reminders").status_code == 200
    assert "帮我贴春联" in both.get("/volunteer").text
    assert both.get(f"/family/h/{world.ids['b']}/reminders").status_code == 404  # still only its elder
    with pytest.raises(sa.exc.IntegrityError), world.database.write() as session:
        session.execute(
            sa.text("INSERT INTO user_roles (user_id, role) VALUES (:u, 'admin')"), {"u": world.ids["fam_a"]}
        )


def test_staff_adjust_a_volunteers_points_after_a_confirmation_page(world: World) -> None:
    volunteer = make_volunteer(world, "li", "小李", "13800138000")
    staff = world.client("staff1")
    first = staff.post(
        f"/staff/volunteers/{volunteer}/adjust",
        data={"csrf_token": csrf_of(staff), "points": "5", "reason": "敬老院帮忙"},
    )
    assert first.status_code == 200 and "给小李加 5 分？" in first.text and "之后 5 分" in first.text
    with world.database.reader() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(VolunteerPoints)) == 0
    zero = staff.post(
        f"/staff/volunteers/{volunteer}/adjust",
        data={"csrf_token": csrf_of(staff), "points": "0", "reason": "x"},
    )
    assert zero.status_code == 422 and "积分：不能是 0" in zero.text
    no_reason = staff.post(
        f"/staff/volunteers/{volunteer}/adjust",
        data={"csrf_token": csrf_of(staff), "points": "5", "reason": ""},
    )
    assert no_reason.status_code == 422 and "事由：请填写" in no_reason.text
    done = staff.post(
        f"/staff/volunteers/{volunteer}/adjust",
        data={"csrf_token": csrf_of(staff), "points": "5", "reason": "敬老院帮忙", "confirmed": "1"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    page = world.client("li").get("/volunteer/points").text
    assert "现在共有 <strong>5</strong> 分" in page and "敬老院帮忙" in page and "staff1" in page
    # The per-household points keep working beside it.
    assert staff.post(
        "/api/v1/points", json={"household_id": world.ids["a"], "points": 3, "reason": "参加活动"}
    ).status_code in (200, 201)
    with world.database.reader() as session:
        assert session.get(User, volunteer).password_hash != PASSWORD
