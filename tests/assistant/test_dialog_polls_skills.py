"""Issue 16 on the speaker: voice polls (活动调查) are asked once at a quiet moment and answered by voice;
a skill offer (技能教学) is read back and sent only on a yes; a teacher hears their class's sign-ups and
what staff made of the offer."""

from __future__ import annotations

from datetime import datetime, timedelta

from assistant.changes import PollChange, ServerChanges, SkillChange, apply_changes
from intents.schema import Activity

OPTIONS = ("白云山", "越秀公园", "陈家祠")


def _poll(w, poll_id: str = "poll-1", options=OPTIONS) -> None:  # type: ignore[no-untyped-def]
    poll = PollChange(poll_id, "下个月秋游想去哪里？", tuple(options))
    apply_changes(w.store, ServerChanges(polls=(poll,)), w.clock.now())


def _synced(w, changes: ServerChanges) -> str:  # type: ignore[no-untyped-def]
    """A sync answer applied and its events posted, as the sync worker does: what the speaker said."""
    return "".join(t for event in apply_changes(w.store, changes, w.clock.now()) for t in w.post(event))


def _answers(w):  # type: ignore[no-untyped-def]
    return [op.payload for op in w.ops() if op.type == "poll.answer"]


def _asked_after_a_chat(w) -> str:  # type: ignore[no-untyped-def]
    """The senior talks with the speaker, then 20 s of quiet: the poll is asked."""
    w.say("而家几点")
    assert all("社区想问问您" not in t for t in w.advance(seconds=10))  # not while the talk goes on
    return "".join(w.advance(seconds=15))


def test_a_poll_is_asked_at_a_quiet_moment_and_the_option_said_is_sent(make_world) -> None:
    w = make_world()
    _poll(w)
    assert w.advance(minutes=5) == []  # nobody has spoken: never to an empty room
    asked = _asked_after_a_chat(w)
    assert asked == "社区想问问您：下个月秋游想去哪里？一，白云山；二，越秀公园；三，陈家祠。您选哪一个？"
    assert w.say("百云山啦 近啲") == "记下了，您选的是白云山。谢谢您！"  # a homophone of the option
    [sent] = _answers(w)
    assert sent["poll_id"] == "poll-1" and sent["choice"] == 1 and sent["heard"] == "百云山啦 近啲"
    assert w.store.polls_to_ask() == []
    w.say("而家几点")
    assert "".join(w.advance(seconds=30)) == ""  # never asked twice


def test_ordinals_any_and_dont_know_are_answers(make_world) -> None:
    for said, choice, reply in (("第二个", 2, "越秀公园"), ("都可以", "any", "都可以"),
                                ("唔知喔", "none", "不选"), ("陈家祠去过好多次喇 白云山啦", 1, "白云山")):
        w = make_world()
        _poll(w)
        _asked_after_a_chat(w)
        assert reply in w.say(said)
        assert [a["choice"] for a in _answers(w)] == [choice]


def test_a_muddled_answer_is_asked_again_once_then_the_poll_is_left(make_world) -> None:
    w = make_world()
    _poll(w)
    _asked_after_a_chat(w)
    again = w.say("好啊")  # a yes chooses nothing
    assert "第几个" in again and "白云山" in again and "好的" not in again
    assert _answers(w) == []
    assert w.say("嗯嗯") == "好，那这次先不选了。"
    assert [a["choice"] for a in _answers(w)] == [None]  # asked, no answer: staff see it


def test_no_answer_or_another_request_leaves_the_poll_asked_and_unanswered(make_world) -> None:
    w = make_world()
    _poll(w)
    _asked_after_a_chat(w)
    w.advance(seconds=40)  # the question expires
    assert [a["choice"] for a in _answers(w)] == [None]
    w2 = make_world()
    _poll(w2)
    _asked_after_a_chat(w2)
    reply = w2.say("我跌咗 起唔到身")  # an emergency always comes first
    assert "社区想问问您" not in reply
    ops = w2.ops()
    assert "emergency" in [op.type for op in ops]
    assert [op.payload["choice"] for op in ops if op.type == "poll.answer"] == [None]  # the poll is left
    assert "记下了" not in w2.say("第一个")  # no longer a poll answer


def test_no_poll_in_the_minutes_after_a_call_for_help(make_world) -> None:
    w = make_world()
    w.say("我跌咗 起唔到身")
    _poll(w)
    w.say("而家几点")
    assert "社区想问问您" not in "".join(w.advance(seconds=30))


def test_a_closed_poll_is_not_asked(make_world) -> None:
    w = make_world()
    _poll(w)
    apply_changes(w.store, ServerChanges(polls=(PollChange("poll-1", closed=True),)), w.clock.now())
    assert _asked_after_a_chat(w) == ""


def test_no_poll_in_quiet_hours(make_world) -> None:
    w = make_world(now=datetime(2026, 11, 30, 21, 55))
    _poll(w)
    assert _asked_after_a_chat(w) == ""  # 22:00 on: quiet hours


# ---------------------------------------------------------------------- skill offers
def test_a_skill_offer_is_read_back_and_sent_only_on_yes(make_world) -> None:
    w = make_world()
    asked = w.say("我识写毛笔字 想教下啲街坊")
    assert asked == "您会写毛笔字，愿意教大家。我帮您告诉社区，好吗？"
    assert w.op_types() == []
    assert w.say("好啊").startswith("好的，已经告诉社区了")
    [op] = [op for op in w.ops() if op.type == "skill.offer"]
    assert op.payload["skill"] == "写毛笔字" and "教" in op.payload["said"]


def test_an_offer_that_names_no_skill_asks_what(make_world) -> None:
    w = make_world()
    assert w.say("我想教大家") == "您可以教大家什么？用几个字说。"
    assert w.say("包粽子") == "您会包粽子，愿意教大家。我帮您告诉社区，好吗？"
    w.say("唔使喇")
    assert w.op_types() == []  # declined: nothing sent


def test_someone_wanting_to_learn_is_no_offer(make_world) -> None:
    w = make_world()
    w.say("我想学毛笔字")
    w.say("好")
    assert "skill.offer" not in w.op_types()


def test_the_teacher_hears_what_staff_made_of_it_and_the_sign_ups(make_world) -> None:
    w = make_world()
    start = w.clock.now() + timedelta(days=2, hours=-1)
    act = Activity("mb-1", "毛笔字班", "文化", start, "活动室", 15)
    told = _synced(w, ServerChanges(activities=(act,), taken={"mb-1": 6}, teaching=("mb-1",),
                                    skills=(SkillChange("o-1", "写毛笔字", "taught", "毛笔字班", start),)))
    assert "社区请您来教写毛笔字：后天上午九点的毛笔字班，由您来教" in told
    assert w.say("我教嘅班有几多人报名啊") == "您教的毛笔字班，后天上午九点，已经有6个人报名了。"
    again = ServerChanges(skills=(SkillChange("o-1", "写毛笔字", "taught", "毛笔字班", start),))
    assert _synced(w, again) == ""  # told once


def test_a_declined_offer_is_thanked(make_world) -> None:
    w = make_world()
    told = _synced(w, ServerChanges(skills=(SkillChange("o-2", "剪纸", "declined"),)))
    assert "谢谢您愿意教大家剪纸" in told
