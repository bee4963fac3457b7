"""The lexical layer: every Cantonese rule does what its example says; traditional text is folded."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from intents import IntentId, parse
from intents.lexical import fold, rules, simplified
from intents.normalize import colloquial
from intents.numerals import convert

NOW = datetime(2025, 3, 11, 9, 30)  # a Tuesday


def _post(text: str) -> str:
    """What the parser reads after the layer: colloquial rewrites and numerals, on both sides."""
    return convert(colloquial(text))


@pytest.mark.parametrize("rule", rules(), ids=lambda r: r[2])
def test_each_rule_does_what_its_example_says(rule: Any) -> None:
    pattern, _, example, expected = rule
    assert pattern.search(example), f"{pattern.pattern!r} does not occur in its own example {example!r}"
    assert _post(fold(example)) == _post(expected)


@pytest.mark.parametrize(("text", "want"), [
    ("預約體檢", "预约体检"), ("報名太極拳", "报名太极拳"), ("幾點鐘", "几点钟"), ("頭髮", "头发"),
    ("後天", "后天"), ("明天有什么活动", "明天有什么活动"),
])
def test_traditional_characters_are_folded(text: str, want: str) -> None:
    assert simplified(text) == want


@pytest.mark.parametrize(("text", "intent", "slots"), [
    ("听日下昼有冇活动", IntentId.ACTIVITY_QUERY, {"date": "2025-03-12", "part_of_day": "afternoon"}),
    ("預約明天的體檢", IntentId.SERVICE_BOOK, {"service": "checkup", "date": "2025-03-12"}),
    ("每日朝早八点提我食降压药", IntentId.REMINDER_CREATE,
     {"date": "2025-03-12", "time": "08:00", "repeat": "daily", "content": "吃降压药"}),
    ("而家几点钟", IntentId.TIME_QUERY, {}),
])
def test_local_words_reach_the_intent_and_slots(text: str, intent: IntentId, slots: dict) -> None:
    result = parse(text, NOW)
    assert (result.intent, result.slots) == (intent, slots)


@pytest.mark.parametrize(("text", "not_"), [
    ("食堂几点开门", "吃堂"), ("打电话给女儿", "打电说"), ("我认识他", "认会"), ("关系好", "关是"),
    ("送餐不要呢", "不要这"), ("饮料好贵", "喝料"), ("返回上一步", "回回"), ("这个女的是谁", "这女儿"),
    ("往返车票", "往回"), ("注意饮食", "喝食"),
])
def test_mandarin_words_that_look_local_are_left_alone(text: str, not_: str) -> None:
    assert not_ not in fold(text)


def test_no_local_sound_word_sounds_like_a_common_mandarin_word() -> None:
    """A local word restored by sound must not capture a Mandarin word that sounds the same
    (下昼 would turn every 下周 into 下午): checked against pypinyin's phrase dictionary."""
    from pypinyin.phrases_dict import phrases_dict

    from intents.lexical import sound_words
    from intents.pinyin import keys

    wanted = {keys(word): word for word in sound_words()}
    lengths = {len(word) for word in sound_words()}
    clashes = []
    for phrase in phrases_dict:
        if len(phrase) in lengths and phrase not in wanted.values():
            word = wanted.get(keys(phrase))
            if word is not None and sum(a == b for a, b in zip(word, phrase, strict=True)) >= 1:
                clashes.append((word, phrase))
    assert clashes == []


@pytest.mark.parametrize(("heard", "meant"), [("朝燥八点", "早上8点"), ("唔概晒", "谢谢"), ("厅日", "明天")])
def test_local_words_misheard_by_one_character_are_restored(heard: str, meant: str) -> None:
    assert _post(fold(heard)) == _post(meant)
