"""Public API behaviour: catalogs changing at run time, grammar phrases, confidence, odd input."""

from __future__ import annotations

import json
import logging
import random
from datetime import datetime, timedelta, timezone

import pytest

from intents import Activity, Catalog, IntentId, Parse, demo_catalog, grammar_phrases, parse
from intents.errors import TemplateError
from intents.index import index_for
from intents.templates import load_intents

_LOGGER = logging.getLogger(__name__)
NOW = datetime(2025, 3, 5, 10, 0)


def _catalog(*titles: str) -> Catalog:
    return Catalog(tuple(Activity(id=f"a{i}", title=t, category="文化", start=datetime(2025, 3, 6, 9 + i))
                         for i, t in enumerate(titles)))


def test_new_catalog_object_is_used_without_restart() -> None:
    first = _catalog("书法班")
    assert parse("我要报名书法班", NOW, first).slots == {"activity_id": "a0"}
    second = _catalog("葫芦丝班", "书法班")
    assert parse("我要报名葫芦丝班", NOW, second).slots == {"activity_id": "a0"}
    assert parse("我要报名书法班", NOW, second).slots == {"activity_id": "a1"}
    assert parse("我要报名葫芦丝班", NOW, first).slots == {}


def test_index_is_cached_per_catalog_object() -> None:
    catalog = _catalog("书法班")
    assert index_for(catalog) is index_for(catalog)
    assert index_for(_catalog("书法班")) is not index_for(catalog)


def test_title_homophones_and_accent_merges() -> None:
    catalog = _catalog("书法班", "太极拳")
    assert parse("我要报名苏发班", NOW, catalog).slots == {"activity_id": "a0"}  # sh→s
    assert parse("我 要 报名 台 机 圈", NOW, catalog).slots == {"activity_id": "a1"}  # same pinyin
    assert parse("我要报名太极", NOW, catalog).slots == {"activity_id": "a1"}  # short name


def test_session_on_spoken_day_else_next_upcoming() -> None:
    catalog = Catalog((
        Activity("t1", "太极拳", "运动", datetime(2025, 3, 5, 8, 0)),
        Activity("t2", "太极拳", "运动", datetime(2025, 3, 6, 8, 0)),
        Activity("t3", "太极拳", "运动", datetime(2025, 3, 7, 8, 0)),
    ))
    assert parse("我要报名太极拳", NOW, catalog).slots == {"activity_id": "t2"}
    assert parse("我要报名后天的太极拳", NOW, catalog).slots == {"activity_id": "t3", "date": "2025-03-07"}
    assert parse("我要报名今天的太极拳", NOW, catalog).slots == {"activity_id": "t1", "date": "2025-03-05"}


def test_default_catalog_is_the_demo() -> None:
    demo = demo_catalog(NOW)
    assert demo is demo_catalog(datetime(2025, 3, 5, 18, 0))
    assert {"太极拳", "书法班", "合唱团", "广场舞", "健康讲座", "手机课堂", "象棋", "茶话会"} <= {
        a.title for a in demo.activities}
    assert set(demo.categories) == {"运动", "文化", "健康", "娱乐", "学习"}
    assert min(a.start.date() for a in demo.activities) == NOW.date()
    assert parse("明天的书法班我要参加", NOW).slots == {"activity_id": "shufa-0306", "date": "2025-03-06"}


def test_grammar_phrases_bounded_and_complete() -> None:
    catalog = _catalog("葫芦丝班")
    phrases = grammar_phrases(catalog)
    assert 500 < len(phrases) <= 4000
    assert len(set(phrases)) == len(phrases)
    for phrase in ("葫芦丝班", "文化", "是的", "算了", "大声一点", "明天", "下午三点", "体检", "儿子",
                   "提醒我吃药", "报名葫芦丝班"):
        assert phrase in phrases, phrase
    assert all(" " not in p and p for p in phrases)
    assert "太极拳" in grammar_phrases()


@pytest.mark.parametrize("text", ["今天天气怎么样", "给我讲个笑话", "播放一首歌", "hello", "", "   ",
                                  "😀😀😀", "\x00\x01垃圾\ufffd", "活动" * 5000, "123456"])
def test_out_of_domain_and_junk_is_unknown(text: str) -> None:
    result = parse(text, NOW)
    assert (result.intent, result.slots) == (IntentId.UNKNOWN, {})
    assert 0.0 <= result.confidence < 0.6


def test_confidence_and_json_shape() -> None:
    result = parse("明天 有 什么 活动", NOW)
    assert result.confidence >= 0.9
    assert result.to_dict() == {"text": "明天有什么活动", "intent": "activity.query",
                                "slots": {"date": "2025-03-06"}, "confidence": result.confidence}
    assert Parse.from_dict(result.to_dict()) == result


def test_content_strips_command_words() -> None:
    assert parse("每天早上八点提醒我吃降压药", NOW).slots == {
        "date": "2025-03-06", "time": "08:00", "repeat": "daily", "content": "吃降压药"}
    assert parse("提醒我要给孙子打电话", NOW).slots["content"] == "给孙子打电话"


def test_bad_template_file_names_the_problem(tmp_path) -> None:  # noqa: ANN001
    (tmp_path / "x.yaml").write_text('intent: dialog.yes\nsentences: ["(好|行"]\n', encoding="utf-8")
    with pytest.raises(TemplateError, match="x.yaml.*unclosed"):
        load_intents(tmp_path)
    (tmp_path / "x.yaml").write_text('intent: dialog.yes\nsentences: ["{when}好"]\n', encoding="utf-8")
    with pytest.raises(TemplateError, match="unknown slot"):
        load_intents(tmp_path)
    (tmp_path / "x.yaml").write_text('intent: weather.query\nsentences: ["天气"]\n', encoding="utf-8")
    with pytest.raises(TemplateError, match="unknown intent"):
        load_intents(tmp_path)


def test_random_input_never_crashes() -> None:
    rng = random.Random(7)
    alphabet = ("明天提醒我吃药报名太极拳取消好不是的一二三四五六七八九十点半号周星期"
                + "abc 123:：，。！？😀\t\u3000" + "".join(chr(c) for c in range(0x4E00, 0x4E40)))
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        result = parse(text, NOW)
        assert isinstance(json.dumps(result.to_dict(), ensure_ascii=False), str)
        assert result.intent in IntentId


def test_free_text_is_kept_as_heard() -> None:
    result = parse("给我孙子发个消息说爷爷想他了", NOW)
    assert (result.intent, result.slots) == (IntentId.MESSAGE_SEND, {"to": "孙子", "content": "爷爷想他了"})


@pytest.mark.parametrize("text", ["我摔了一跤起不来", "救命啊快来人", "哎呀我头晕得厉害"])
def test_calls_for_help_win_inside_longer_talk(text: str) -> None:
    assert parse(text, NOW).intent is IntentId.EMERGENCY_HELP


def test_aware_now_is_taken_as_local_wall_clock() -> None:
    aware = datetime(2025, 3, 5, 10, 0, tzinfo=timezone(timedelta(hours=8)))
    assert parse("我要报名明天的太极拳", aware).slots == {"activity_id": "taiji-0306", "date": "2025-03-06"}


LEAD_NOW = datetime(2026, 11, 29, 10, 0)  # a Sunday; the demo catalog starts that day


@pytest.mark.parametrize(("text", "intent", "slots"), [
    # No 书法班 on Wednesdays: the title's category and the spoken day and part of day.
    ("下周三下午有书法课吗", IntentId.ACTIVITY_QUERY,
     {"date": "2026-12-02", "part_of_day": "afternoon", "category": "文化"}),
    ("下周三下午有书发课吗", IntentId.ACTIVITY_QUERY,
     {"date": "2026-12-02", "part_of_day": "afternoon", "category": "文化"}),
    ("下周四有书法课吗", IntentId.ACTIVITY_QUERY, {"date": "2026-12-03", "activity_id": "shufa-1203"}),
    ("下个星期有没有讲座", IntentId.ACTIVITY_QUERY,
     {"date_range": ["2026-11-30", "2026-12-06"], "activity_id": "jiankang-1204"}),
    ("报名", IntentId.ACTIVITY_BOOK, {}),
    ("报个名", IntentId.ACTIVITY_BOOK, {}),
    ("我要报名", IntentId.ACTIVITY_BOOK, {}),
    ("取消", IntentId.BOOKING_CANCEL, {}),
    ("我要取消", IntentId.BOOKING_CANCEL, {}),
    ("取消吧", IntentId.DIALOG_NO, {}),
    ("提醒我", IntentId.REMINDER_CREATE, {}),
    ("我要约个服务", IntentId.SERVICE_BOOK, {}),
    ("我不去了", IntentId.BOOKING_CANCEL, {}),
    ("那个活动我不参加了", IntentId.BOOKING_CANCEL, {}),
    ("要继续", IntentId.DIALOG_YES, {}),
    ("继续", IntentId.DIALOG_YES, {}),
    ("继续说", IntentId.DIALOG_YES, {}),
    ("还要听", IntentId.DIALOG_YES, {}),
    ("接着说", IntentId.DIALOG_YES, {}),
    ("嗯", IntentId.DIALOG_YES, {}),
])
def test_lead_failures_on_the_demo_catalog(text: str, intent: IntentId, slots: dict) -> None:
    result = parse(text, LEAD_NOW)
    assert (result.intent, result.slots) == (intent, slots)


@pytest.mark.parametrize("text", ["我年轻时候学过书法", "唱歌跳舞我都喜欢", "帮我买点菜", "我饿了",
                                  "帮我打电话给儿子", "明天几点日出", "今晚新闻联播几点", "周末我孙子来看我",
                                  "下雨了我不去医院", "我去过广场舞", "我女儿参加了合唱团",
                                  "太极拳对身体好不好",
                                  "我儿子约了女朋友"])
def test_domain_words_in_chit_chat_stay_unknown(text: str) -> None:
    assert parse(text, LEAD_NOW).intent is IntentId.UNKNOWN


def test_unknown_text_is_shown_as_heard() -> None:
    assert parse("给我讲个笑话", LEAD_NOW).to_dict()["text"] == "给我讲个笑话"
