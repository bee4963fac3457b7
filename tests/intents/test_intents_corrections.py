"""Corrections with a remark around them (blind sets H and I): the value is the time the senior
ends with a particle, or the first time after 是 / 我话, never the remark's."""

from __future__ import annotations

from datetime import datetime

import pytest

from intents import IntentId, parse

NOW = datetime(2025, 3, 10, 7, 30)  # a Monday morning


@pytest.mark.parametrize(("heard", "slots"), [
    ("唔系三点 下昼四点啊 三点我仲喺度瞓晏觉", {"time": "16:00", "part_of_day": "afternoon"}),
    ("唔系九点 夜晚十点啊 九点我仲睇紧电视", {"time": "22:00", "part_of_day": "evening"}),
    ("唔系礼拜六 礼拜日啊 礼拜六个女带我去饮茶", {"date": "2025-03-16"}),
    ("唔系 朝早八点啊 七点半我仲未起床", {"time": "08:00", "part_of_day": "morning"}),
    ("唔系七点 朝早七点半啊 个女话七点半先到", {"time": "07:30", "part_of_day": "morning"}),
    ("唔系九点，系朝早十点，九点我要去饮茶", {"time": "10:00", "part_of_day": "morning"}),
    ("唔系听日，系后日，听日要去饮茶", {"date": "2025-03-12"}),
    ("十二点太晏了 我话十一点半", {"time": "11:30"}),
    ("哎，元旦喎，唔系嗰日，我话礼拜五", {"date": "2025-03-14"}),
])
def test_the_corrected_value_not_the_remark(heard: str, slots: dict) -> None:
    got = parse(heard, NOW)
    assert (got.intent, got.slots) == (IntentId.DIALOG_CORRECT, slots)


def test_a_bare_hour_in_a_correction_is_the_next_such_hour() -> None:
    got = parse("我是说八点", datetime(2025, 3, 9, 20, 10))
    assert got.slots == {"time": "08:00"}


@pytest.mark.parametrize(("heard", "intent"), [
    ("系啊 那天我孙子生日", IntentId.DIALOG_YES),
    ("对 要早啲去排队", IntentId.DIALOG_YES),
    ("多谢你 我会着多件衫", IntentId.DIALOG_THANKS),
    ("嗯 打开 电视", IntentId.UNKNOWN),  # 嗯 is a filler, not a yes
])
def test_an_answer_said_first_then_a_remark(heard: str, intent: IntentId) -> None:
    assert parse(heard, NOW).intent is intent


@pytest.mark.parametrize(("heard", "slots"), [
    ("唔系 八点 夜晚七点半", {"time": "19:30", "part_of_day": "evening"}),  # refused first, no particle
    ("唔系啊 我话礼拜六嗰个 礼拜三我个仔请我饮茶", {"date": "2025-03-15"}),  # 我话: the first after it
    ("不对 系后天 听日一家人去饮茶", {"date": "2025-03-12"}),
])
def test_which_of_two_times_is_the_correction(heard: str, slots: dict) -> None:
    assert parse(heard, NOW).slots == slots


def test_an_activity_named_after_its_time_goes_with_the_correction() -> None:
    """Blind set AM: 唔系 我话礼拜六下昼两点嘅象棋 during a read-back of 合唱团 is that 象棋 session, not only
    Saturday afternoon at two."""
    from pathlib import Path

    from intents.schema import Catalog

    catalog = Catalog.load(Path(__file__).resolve().parents[1] / "data" / "catalog.json")
    got = parse("唔系 我话礼拜六下昼两点嘅象棋", datetime(2025, 3, 11, 9, 0), catalog)
    assert got.intent is IntentId.DIALOG_CORRECT
    assert got.slots == {"date": "2025-03-15", "time": "14:00", "part_of_day": "afternoon",
                         "activity_id": "xq-0315"}
    remark = parse("不对，是早上10点，9点我要去饮茶", datetime(2025, 3, 11, 9, 0), catalog)
    assert remark.slots == {"time": "10:00", "part_of_day": "morning"}
