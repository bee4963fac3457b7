"""Follow-ups from blind sets P–T (issue 12): fragments answered in context, 'what about another day',
a title asked for on a day without it, corrections of a message, reminders found by their words."""

from __future__ import annotations


def _sent(w):
    return [(op.payload["to"], op.payload["text"]) for op in w.ops() if op.type == "message.send"]


def test_a_title_asked_for_on_a_day_without_it_names_it_and_its_next_session(make_world):
    w = make_world()  # Monday; 剪纸班 only on Wednesdays
    reply = w.say("听日有冇剪纸班啊")
    assert reply.startswith("明天没有剪纸班。") and "后天上午十点" in reply
    assert "剪纸班" in w.say("帮我报名") and w.store.bookings() == []
    w.say("好")
    assert [b.activity_id for b in w.store.bookings()] == ["jianzhi-1202"]


def test_what_about_another_day_asks_the_same_question_for_it(make_world):
    w = make_world()
    assert "剪纸班" not in w.say("听日有咩活动")
    again = w.say("后日呢")
    assert again.startswith("后天") and "剪纸班" in again


def test_a_bare_time_answering_the_question_keeps_the_request(make_world):
    w = make_world()
    assert w.say("提醒我食药") == "几点提醒您？"
    assert "晚上九点" in w.say("九点啦")
    w.say("系")
    assert [(r.content, r.at.strftime("%H:%M")) for r in w.store.reminders()] == [("吃药", "21:00")]


def test_a_message_corrected_during_its_read_back_goes_with_the_new_words(make_world):
    w = make_world()
    assert "我今晚不回去吃饭" in w.say("同个女讲 我今晚唔返去食饭")
    fixed = w.say("唔系 我话叫佢今晚放工买啲苹果返嚟")
    assert "苹果" in fixed and fixed.endswith("对吗？") and _sent(w) == []
    w.say("系")
    [(to, text)] = _sent(w)
    assert to == "女儿" and "苹果" in text and "不回去吃饭" not in text


def test_the_request_said_again_answers_the_content_question_with_its_own_words(make_world):
    w = make_world()
    assert w.say("帮我叫个仔返嚟").endswith("说什么？")
    reply = w.say("咁帮我留言俾阿仔 叫佢返嚟食晚饭")
    assert "回来吃晚饭" in reply and "留言给" not in reply.split("：", 1)[1]
    w.say("系")
    [(to, text)] = _sent(w)
    assert to == "儿子" and text.endswith("回来吃晚饭")


def test_a_title_taken_back_in_the_same_breath_is_not_booked(make_world):
    w = make_world()
    reply = w.say("后日朝早报太极拳 唔系唔系 八段锦啊")
    assert "八段锦" in reply and "太极拳" not in reply
    w.say("系")
    assert [b.activity_id for b in w.store.bookings()] == ["baduanjin-1202"]


def test_a_reminder_cancel_finds_the_reminder_by_its_words_and_reads_it_back(make_world):
    w = make_world()
    w.say("后日朝早九点提醒我去医院复诊")
    w.say("系")
    reply = w.say("后日唔使提醒我去复诊喇 医生改咗期")
    assert "复诊" in reply and reply.endswith("对吗？") and len(w.store.reminders()) == 1
    w.say("系")
    assert w.store.reminders() == []


def test_a_misheard_action_word_is_asked_about_never_done(make_world):
    w = make_world()
    asked = w.say("帮我抱名啦")  # 抱名 is no word: read as 报名 (lexical layer), and only asked about
    assert asked == "您想报名哪个活动？"
    assert w.store.bookings() == []


def test_a_no_then_a_new_sign_up_declines_and_reads_the_new_one_back(make_world):
    w = make_world()  # Monday 10:00
    assert "剪纸班" in w.say("报名后日嘅剪纸班")
    reply = w.say("唔要 我想报听朝个太极拳")
    assert "太极拳" in reply and reply.endswith("？") and w.store.bookings() == []
    w.say("系")
    assert [b.activity_id for b in w.store.bookings()] == ["taiji-1201"]
