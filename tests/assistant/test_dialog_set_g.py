"""What blind set G found (docs/assistant.md), one scenario each, through the real parser and store.

A message is read back before it goes; a correction's value is the one after 是, not a remark's time;
the clock the senior asked for is the one the parser chose; a second danger while an alert is open
raises no second alert; 唔该 or the request said again confirms a read-back.
"""

from __future__ import annotations

from assistant.events import AlertHandled
from tests.assistant.conftest import FakeLink


def _alerts(world):
    return [op for op in world.ops() if op.type == "emergency"]


def test_a_message_is_read_back_and_goes_only_on_yes(make_world):
    w = make_world()
    assert w.say("留言畀阿仔，叫佢礼拜日带两盒药返嚟") == "给儿子留言：你礼拜天带两盒药回来。对吗？"
    assert [op for op in w.ops() if op.type == "message.send"] == []
    assert w.say("系") == "好的，这条留言会转给儿子。"
    [op] = [op for op in w.ops() if op.type == "message.send"]
    assert (op.payload["to"], op.payload["text"]) == ("儿子", "你礼拜天带两盒药回来")


def test_a_message_declined_is_not_sent(make_world):
    w = make_world()
    w.say("同我个孙女讲，新年快乐")
    w.say("唔要")
    assert [op for op in w.ops() if op.type == "message.send"] == []


def test_a_correction_with_a_remark_after_it_takes_the_corrected_day(make_world):
    w = make_world()
    first = w.say("听日下昼帮我约个剪头发")
    assert first.startswith("您要预约明天下午的理发")
    again = w.say("唔系听日，系后日，听日要去饮茶")
    assert again.startswith("您要预约后天") and "号" in again  # the corrected day, read back with its date
    w.say("系")
    [service] = w.store.services()
    assert (service.day - w.clock.now().date()).days == 2


def test_a_correction_with_a_remark_after_it_takes_the_corrected_hour(make_world):
    w = make_world()
    w.say("后日朝早九点帮我搵人上嚟搞下卫生")
    assert "十点" in w.say("唔系九点，系朝早十点，九点我要去饮茶")
    w.say("系")
    [service] = w.store.services()
    assert service.time == "10:00"


def test_the_pick_up_time_not_the_deadline(make_world):
    w = make_world()
    reply = w.say("礼拜三朝早我要去医院，九点前要到，帮我约部车，八点钟嚟接我")
    assert "八点" in reply and "九点" not in reply


def test_a_second_danger_while_the_alert_is_open_raises_no_second_alert(make_world):
    w = make_world(link=FakeLink("online", sent=True))
    assert "通知" in w.say("厨房冒晒烟啊！我煲汤煲干咗，好大烟")
    again = w.say("我熄咗火喇，不过仲系好多烟，我行咗出门口")
    assert "已经收到求助" in again
    assert len(_alerts(w)) == 1


def test_a_new_danger_after_the_open_window_is_a_new_alert(make_world):
    w = make_world(link=FakeLink("online", sent=True))
    w.say("救命啊，我跌倒起唔到身")
    w.advance(minutes=11)
    w.say("救命啊，我心口好痛")
    assert len(_alerts(w)) == 2


def test_please_confirms_a_read_back(make_world):
    w = make_world()
    assert w.say("报名听日嘅太极拳").endswith("对吗？")
    w.say("唔该")
    assert len(w.store.bookings()) == 1


def test_thanks_in_mandarin_keeps_the_read_back_open(make_world):
    w = make_world()
    w.say("报名明天的太极拳")
    w.say("谢谢")
    assert w.store.bookings() == []


def test_the_request_said_again_confirms_its_read_back(make_world):
    w = make_world()
    w.say("帮我报明天的太极拳")
    w.say("系，报啦")
    assert len(w.store.bookings()) == 1


def test_a_service_is_cancelled_by_voice_after_a_read_back(make_world):
    w = make_world()
    w.say("后日朝早十点帮我约个体检")
    w.say("系")
    [request] = w.store.services()
    reply = w.say("我个女话嗰日带我去饮茶，体检唔去住啦，帮我取消咗佢")
    assert reply.startswith("您要取消") and "体检" in reply and reply.endswith("对吗？")
    assert w.store.services()[0].status == "pending"  # nothing before the yes
    assert "取消了" in w.say("系啊")
    assert w.store.services() == []
    [op] = [op for op in w.ops() if op.type == "service.cancel"]
    assert op.payload == {"request_id": request.id}


def test_cancelling_a_service_that_was_never_booked_says_so(make_world):
    w = make_world()
    assert w.say("送饭唔要啦") == "您没有预约送餐。"
    assert [op for op in w.ops() if op.type == "service.cancel"] == []


def test_two_requests_of_a_service_are_told_apart_before_one_is_cancelled(make_world):
    w = make_world()
    for day in ("听日", "后日"):
        w.say(f"{day}中午帮我订个送饭")
        w.say("系")
    first, second = w.store.services()
    assert w.say("送饭唔要啦").startswith("您是说明天")
    assert w.say("第二个").endswith("对吗？")
    w.say("系")
    assert [r.id for r in w.store.services()] == [first.id]
    [op] = [op for op in w.ops() if op.type == "service.cancel"]
    assert op.payload == {"request_id": second.id}


def test_a_call_for_help_after_someone_took_the_first_one_up_is_a_new_alert(make_world):
    w = make_world(link=FakeLink("online", sent=True))
    w.say("救命啊，我跌倒起唔到身")
    [first] = _alerts(w)
    said = w.post(AlertHandled(alert_id=first.op_id, by="女儿", role="family"))  # she pressed 我来处理
    assert any("女儿" in r for r in said)
    w.say("救命啊")
    assert len(_alerts(w)) == 1  # ops() hands each op out once: this is the new one


def test_unpaired_a_second_danger_never_says_help_was_received(make_world):
    w = make_world(link=FakeLink("unpaired"))
    w.say("救命啊，我跌倒起唔到身")
    again = w.say("我起唔到身啊")
    assert "收到" not in again and "120" in again
