"""Issue 12 point 6 (speaker side): severity high alerts at once; check asks first and alerts on
yes, on 20 s of silence or on a second danger; a false alarm is taken back within 10 minutes;
and the reply says what really happened to the alert (sent / queued / could not send)."""

from __future__ import annotations

import threading
from datetime import datetime

from assistant.config import DialogSettings, Settings
from assistant.events import SyncFinished
from assistant.sync import SERVER_KEY, write_token
from intents.schema import IntentId
from tests.assistant.conftest import FakeLink, World

H, CHECK, CANCEL = IntentId.EMERGENCY_HELP, {"severity": "check"}, IntentId.EMERGENCY_CANCEL
TABLE = {
    "救命": (H, {"severity": "high"}),
    "我跌倒了起不来": (H, {"severity": "high"}),
    "我头有点晕": (H, CHECK),
    "心口有点闷": (H, CHECK),
    "我好唔舒服": (H, CHECK),
    "没事了，我按错了": (CANCEL, {}),
    "不用叫人了": (CANCEL, {}),
    "要": (IntentId.DIALOG_YES, {}),
    "唔使": (IntentId.DIALOG_NO, {}),
    "嗯嗯啊啊": (IntentId.UNKNOWN, {}),
}
SENT = "别着急，我已经通知您的家人和社区，请待在原地，不要乱动。"
QUEUED = "别着急，正在联系您的家人和社区。网络不好，求助还没送到，我一直在发。要紧就打120。"
UNSENT = "我这里发不出求助。请马上打120。"
ASK = "您是不是需要人帮忙？"


def _alerts(world):
    return [op for op in world.ops() if op.type == "emergency"]


def test_high_severity_alerts_at_once_and_says_it_was_sent(make_world):
    link = FakeLink("online", sent=True)
    w = make_world(table=TABLE, link=link)
    w.say("报名明天的太极拳")  # an open question does not delay help
    reply = w.replies("我跌倒了起不来")[0]
    assert (reply.text, reply.urgent) == (SENT, True)
    [op] = w.ops()
    assert (op.type, op.urgent, op.payload["severity"], op.payload["text"]) == (
        "emergency", True, "high", "我跌倒了起不来")
    assert link.waited == [op.op_id]
    assert w.say("好") == "您刚才想让我做什么？"  # the booking question was dropped
    assert w.store.bookings() == []


def test_offline_the_reply_says_the_alert_is_queued_then_that_it_went(make_world):
    link = FakeLink("offline")
    w = make_world(table=TABLE, link=link)
    assert w.say("救命") == QUEUED
    [op] = w.ops()
    assert link.waited == []  # offline: no point waiting
    assert w.post(SyncFinished(ok=True)) == []  # not acknowledged yet: nothing to tell
    w.store.mark_acknowledged(op.op_id, {"status": "applied"}, w.clock.now())
    assert w.post(SyncFinished(ok=True)) == ["求助已经发出去了，您的家人和社区知道了。"]
    assert w.post(SyncFinished(ok=True)) == []  # told once


def test_online_but_not_taken_in_time_is_queued(make_world):
    w = make_world(table=TABLE, link=FakeLink("online", sent=False))
    assert w.say("救命") == QUEUED


def test_unpaired_says_it_could_not_send_and_gives_120_and_the_family_number(make_world):
    settings = Settings(dialog=DialogSettings(family_phone="13800138000"))
    w = make_world(table=TABLE, settings=settings)
    reply = w.replies("救命")[0]
    assert reply.text == "我这里发不出求助。请马上打120，或者打给家人：13800138000。"
    assert [op.type for op in w.ops()] == ["emergency"]  # kept: sent if the speaker is paired later


def test_check_asks_first_and_alerts_on_yes(make_world):
    w = make_world(table=TABLE, link=FakeLink("online"))
    reply = w.replies("我头有点晕")[0]
    assert (reply.text, reply.expects_answer) == (ASK, True)
    assert w.ops() == []
    assert w.say("要") == SENT
    [op] = _alerts(w)
    assert (op.payload["severity"], op.payload["text"]) == ("check", "我头有点晕")


def test_check_with_no_is_not_an_alert(make_world):
    w = make_world(table=TABLE)
    w.say("我好唔舒服")
    assert w.say("唔使") == "好，有事就叫我。"
    assert w.advance(seconds=30) == []
    assert w.ops() == []


def test_check_unanswered_for_20_seconds_alerts(make_world):
    w = make_world(table=TABLE)
    w.say("心口有点闷")
    assert w.advance(seconds=19) == []
    assert w.ops() == []
    assert w.advance(seconds=2) == ["您没有回答，我叫人来帮您。" + UNSENT]
    [op] = _alerts(w)
    assert op.payload["text"] == "心口有点闷"
    assert w.advance(seconds=60) == []  # once


def test_an_unclear_answer_does_not_stop_the_20_seconds(make_world):
    w = make_world(table=TABLE)
    w.say("我头有点晕")
    w.advance(seconds=10)
    assert w.say("嗯嗯啊啊") == "您需要人帮忙吗？请说要，或者不要。"
    assert w.advance(seconds=11) == ["您没有回答，我叫人来帮您。" + UNSENT]


def test_a_second_danger_utterance_alerts(make_world):
    w = make_world(table=TABLE, link=FakeLink("online"))
    w.say("我头有点晕")
    assert w.say("心口有点闷") == SENT
    [op] = _alerts(w)
    assert op.payload["text"] == "我头有点晕；心口有点闷"
    assert op.payload["severity"] == "high"


def test_talking_about_something_else_ends_the_check(make_world):
    w = make_world(table=TABLE)
    w.say("我头有点晕")
    assert w.say("现在几点") == "现在是上午十点，11月30号 星期一。"
    assert w.advance(seconds=30) == []
    assert w.ops() == []


def test_a_false_alarm_is_taken_back_within_ten_minutes(make_world):
    w = make_world(table=TABLE, link=FakeLink("online"))
    w.say("救命")
    [alert] = w.ops()
    w.advance(minutes=3)
    assert w.say("没事了，我按错了") == "好的，我已经告诉家人和社区：您没事了。"
    [cancel] = w.ops()
    assert (cancel.type, cancel.urgent) == ("emergency.cancel", True)
    assert cancel.payload["emergency_id"] == alert.op_id  # the emergency's id
    assert w.say("不用叫人了") == "没事就好，有事随时叫我。"  # nothing left to take back
    assert w.ops() == []


def test_taking_back_offline_is_queued_and_unpaired_says_nothing_went(make_world):
    w = make_world(table=TABLE, link=FakeLink("offline"))
    w.say("救命")
    assert w.say("没事了，我按错了") == "好的，网络一通我就告诉家人和社区：您没事了。"
    assert [op.type for op in w.ops()] == ["emergency", "emergency.cancel"]
    u = make_world(table=TABLE)
    u.say("救命")
    assert u.say("没事了，我按错了") == "好，没事就好。刚才的求助也没有发出去。"
    assert [op.type for op in u.ops()] == ["emergency", "emergency.cancel"]


def test_after_ten_minutes_it_cannot_be_taken_back(make_world):
    w = make_world(table=TABLE)
    w.say("救命")
    w.ops()
    w.advance(minutes=11)
    assert w.say("没事了，我按错了") == "求助已经发出十分钟以上，取消不了了。请打电话告诉家人您没事。"
    assert w.ops() == []


def test_taking_back_a_check_question(make_world):
    w = make_world(table=TABLE)
    w.say("我头有点晕")
    assert w.say("不用叫人了") == "好，有事就叫我。"
    assert w.advance(seconds=30) == [] and w.ops() == []


def test_nothing_to_take_back(make_world):
    w = make_world(table=TABLE)
    assert w.say("没事了，我按错了") == "没事就好，有事随时叫我。"
    assert w.ops() == []


# ---------------------------------------------------------------------- the runtime's link status
def test_link_status_follows_pairing_and_sync(tmp_path):
    w = World(tmp_path)
    assert w.assistant.link_status() == "unpaired"
    assert w.say("救命") == UNSENT
    w.close()
    write_token(tmp_path, "token")
    w = World(tmp_path)
    w.store.set_setting(SERVER_KEY, "http://127.0.0.1:9")
    w.close()
    w = World(tmp_path)
    assert w.assistant.link_status() == "offline"  # paired, sync not running: ops wait
    assert w.say("救命") == QUEUED
    w.assistant.sync = object()  # as if the sync worker ran
    w.post(SyncFinished(ok=True))
    assert w.assistant.link_status() == "online"
    w.post(SyncFinished(ok=False, error="unreachable"))
    assert w.assistant.link_status() == "offline"
    w.assistant.sync = None
    w.close()


def test_wait_sent_returns_when_the_server_acknowledges(tmp_path):
    w = World(tmp_path)
    op_id = w.store.record_emergency("救命", datetime(2026, 11, 30, 10), "high")
    assert w.assistant.wait_sent(op_id, 0.05) is False  # no sync worker
    w.assistant.sync = object()
    threading.Timer(0.1, lambda: w.store.mark_acknowledged(op_id, {}, datetime(2026, 11, 30, 10))).start()
    assert w.assistant.wait_sent(op_id, 3.0) is True
    assert w.assistant.outbox_changed.is_set()
    w.assistant.sync = None
    w.close()
