"""Issue 12 end to end: the issue's conversations in v2 wording through the real parser, a real
store file and a fake clock. Marked xfail only where the NLU does not yet give the intent or slots."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any, Callable, List, Optional, Sequence, Tuple

import pytest

from assistant.events import MessageArrived
from tests.assistant.conftest import MONDAY, World

NEEDS_NLU = pytest.mark.xfail(strict=False, reason="needs NLU v2")
Turn = Tuple[str, str]


def _book(w: World, *texts: str) -> None:
    for text in texts:
        w.say(text)
        w.say("好的")


def _pills(w: World) -> None:
    today = w.clock.now().date()
    w.store.add_reminder("吃降压药", time(8), today, "daily", w.clock.now())
    w.store.add_reminder("吃降糖药", time(20), today, "daily", w.clock.now())


def _taiji_twice(w: World) -> None:
    _book(w, "报名明天的太极拳", "报名后天的太极拳")


CONVERSATIONS: List[Tuple[str, Optional[Callable[[World], None]], Sequence[Turn], Any]] = [
    ("yes after not understood", None, [
        ("今日天气点样啊", "我没听懂，您可以说：明天有什么活动。"),
        ("好", "您刚才想让我做什么？")], ()),
    ("expired read-back", None, [
        ("帮我报名明天的太极拳", "您要报名明天早上八点在社区广场的太极拳，对吗？"),
        ("/wait 31", ""),
        ("好", "刚才的报名还没办好。您要报名明天早上八点在社区广场的太极拳，对吗？")], ()),
    ("wait then yes", None, [
        ("帮我报名明天的太极拳", "您要报名明天早上八点在社区广场的太极拳，对吗？"),
        ("等一下", "好，您想好了叫我。"),
        ("/wait 60", ""),
        ("好", "好的，太极拳的报名已提交，等社区确认。")], ()),
    ("correction of the day", None, [
        ("明天下午三点提醒我去医院", "明天下午三点提醒您去医院，对吗？"),
        ("不对，是后天", "后天12月2号下午三点提醒您去医院，对吗？"),
        ("对", "好的，记住了，后天下午三点提醒您去医院。")], ()),
    ("cantonese correction", None, [
        ("明天晚上八点提醒我吃药", "明天晚上八点提醒您吃药，对吗？"),
        ("唔系啊，我话朝早八点", "明天早上八点提醒您吃药，对吗？")], ()),
    ("bare hour keeps the day", None, [
        ("后天早上提醒我去复诊", "几点提醒您？"),
        ("八点半", "后天早上八点半提醒您去复诊，对吗？")], ()),
    ("tingri zhaozao", None, [
        ("我听日要去医院复诊，帮我叫部车，朝早八点", "您要预约明天早上八点的用车，对吗？")], ()),
    ("two taiji bookings", _taiji_twice, [
        ("帮我把太极拳取消了", "您是说明天早上八点的太极拳，还是后天早上八点的太极拳？"),
        ("第二个", "您要取消后天早上八点的太极拳，对吗？")], ()),
    ("two medicine reminders", _pills, [
        ("取消吃药的提醒", "您是说吃降压药的，还是吃降糖药的？"),
        ("降糖的那个", "您要取消每天晚上八点吃降糖药的提醒，对吗？")], ()),
    ("first of the reminder list", lambda w: (_book(w, "报名明天的太极拳"), _pills(w)), [
        ("我有哪些提醒", "您有2个提醒：每天早上八点吃降压药；每天晚上八点吃降糖药。"),
        ("第一个取消掉", "您要取消每天早上八点吃降压药的提醒，对吗？")], ()),
    ("singing this afternoon", None, [
        ("/now 2026-12-02T09:00", ""),
        ("下午那个唱歌的几点", "今天有1场合唱团，在多功能厅：下午三点。"),
        ("今天的帮我报名", "您要报名今天下午三点在多功能厅的合唱团，对吗？")], ()),
    ("dizzy, then yes", None, [
        ("我头有点晕", "您是不是需要人帮忙？"),
        ("要", "我这里发不出求助。请马上打120。")], ()),
    ("dizzy, then silence", None, [
        ("我好唔舒服", "您是不是需要人帮忙？"),
        ("/wait 21", "您没有回答，我叫人来帮您。我这里发不出求助。请马上打120。")], ()),
    ("fall: at once; then a false alarm", None, [
        ("我跌倒了起不来", "我这里发不出求助。请马上打120。"),
        ("没事了，我按错了", "好，没事就好。刚才的求助也没有发出去。")], ()),
    ("ack with 食咗", lambda w: w.store.add_reminder("吃降压药", time(10, 5), MONDAY.date(), None, MONDAY), [
        ("/wait 300", "提醒您：吃降压药。听到了请说知道了。"),
        ("/wait 300", "再提醒您一次：吃降压药。吃了药就说：吃过了。"),
        ("食咗", "好的。")], ()),
    ("what did you say", lambda w: w.post(MessageArrived("m1", "女儿", "周末回来看您")), [
        ("你刚才说什么", "女儿给您发来一条留言：周末回来看您"),
        ("再听一次女儿的留言", "女儿今天留言：周末回来看您。")], ()),
    ("thanks and greeting", None, [
        ("早晨", "您好！有事尽管跟我说。"),
        ("唔该晒", "不客气。")], ()),
    ("narration stripped", None, [
        ("每天早上七点半提醒我吃药，我这个记性越来越差了，医生说要按时吃",
         "每天早上七点半提醒您吃药，对吗？")], ()),
    ("times stripped from content", None, [
        ("提醒我老伴下午3点吃药", "今天下午三点提醒您老伴吃药，对吗？")], ()),
    ("tomorrow's date", None, [("明天几号", "明天是12月1号 星期二。")], ()),
]


@pytest.mark.parametrize("name,setup,turns,marks", [
    pytest.param(*c, id=c[0], marks=c[3]) for c in CONVERSATIONS])
def test_conversation(tmp_path, name, setup, turns, marks):
    w = World(tmp_path)
    try:
        if setup is not None:
            setup(w)
        for said, expected in turns:
            if said.startswith("/wait "):
                heard = w.advance(seconds=int(said.split()[1]))
                assert "".join(heard) == expected, (name, said)
            elif said.startswith("/now "):
                w.close()
                w.open(datetime.fromisoformat(said.split()[1]))
            else:
                assert w.say(said) == expected, (name, said)
    finally:
        w.close()
