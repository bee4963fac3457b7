"""Issue 16, 志愿帮扶 by voice: a helping hand asked of the community's volunteers is read back and sent
only on a yes; a task that says nothing is asked about; the volunteer who came is thanked by name."""

from __future__ import annotations

from datetime import datetime, timedelta

from assistant.changes import HelpChange, ServerChanges, apply_changes


def _asked(w):  # type: ignore[no-untyped-def]
    return [op.payload for op in w.ops() if op.type == "help.request"]


def _took(w, volunteer: str, what: str = "换个灯泡") -> str:  # type: ignore[no-untyped-def]
    """The server says a volunteer took a request of this household (as a sync answer would)."""
    request_id = f"req-{volunteer}"
    visit = w.clock.now() + timedelta(days=1)
    apply_changes(w.store, ServerChanges(help=(HelpChange(request_id, "accepted", what, volunteer, visit),)),
                  w.clock.now())
    return request_id


def test_a_help_request_is_read_back_and_sent_only_on_yes(make_world) -> None:
    w = make_world()
    asked = w.say("我对脚唔好 想搵个人帮我换个灯泡")
    assert asked == "帮您请社区的志愿者来换个灯泡，对吗？"
    assert _asked(w) == []
    assert w.say("系啊").startswith("好的，已经请社区的志愿者来换个灯泡")
    [sent] = _asked(w)
    assert sent["text"] == "换个灯泡" and "wanted_at" not in sent
    assert datetime.fromisoformat(sent["at"]) == w.clock.now()


def test_a_wanted_day_is_said_back_and_sent_as_the_time_wanted(make_world) -> None:
    w = make_world()
    asked = w.say("有冇义工听日朝早陪我去医院睇医生")
    assert "明天上午" in asked and "陪您去医院看医生" in asked  # the senior's 我 said back as 您
    w.say("好")
    [sent] = _asked(w)
    wanted = datetime.fromisoformat(sent["wanted_at"])
    assert wanted.date() == w.clock.now().date() + timedelta(days=1) and 8 <= wanted.hour < 12
    assert sent["text"] == "陪我去医院看医生"  # the volunteer reads the senior's own words


def test_a_request_that_says_nothing_of_the_task_is_asked_about(make_world) -> None:
    w = make_world()
    assert w.say("厨房个灯坏咗 可唔可以叫个人嚟整下") == "您想请志愿者帮您做什么？用几个字说。"
    assert w.say("换灯泡") == "帮您请社区的志愿者来换灯泡，对吗？"
    w.say("好")
    assert [p["text"] for p in _asked(w)] == ["换灯泡"]


def test_a_declined_read_back_sends_nothing(make_world) -> None:
    w = make_world()
    w.say("有冇人得闲帮我搬袋米上楼 我拎唔郁")
    reply = w.say("唔使喇 我个仔听日返嚟")
    assert "好的" not in reply and _asked(w) == []


def test_a_thanks_naming_the_volunteer_who_came_gives_their_points(make_world) -> None:
    w = make_world()
    request_id = _took(w, "小李")
    assert w.say("多谢小李啊") == "好的，我会把您的谢意转告小李。"
    assert [op.payload["request_id"] for op in w.ops() if op.type == "help.thanked"] == [request_id]
    assert w.say("多谢小李") != "好的，我会把您的谢意转告小李。"  # once: the request is thanked now
    assert [op for op in w.ops() if op.type == "help.thanked"] == []  # (ops since the last look)


def test_a_thanks_that_names_no_volunteer_is_only_polite(make_world) -> None:
    w = make_world()
    assert "谢意" not in w.say("多谢晒你")  # no one came: thanks to the speaker
    _took(w, "小李")
    _took(w, "小王", "陪我去医院")
    assert "谢意" not in w.say("多谢个义工")  # two came: which one is not said
    assert w.op_types() == []
    assert "小王" in w.say("多谢小王")
    assert [op.payload["request_id"] for op in w.ops() if op.type == "help.thanked"] == ["req-小王"]
