"""Normalisation, numerals and pinyin folding, from the YAML case files."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml

from intents.normalize import normalize, strip_particles
from intents.numerals import convert, to_number
from intents.pinyin import fold, spelled

_LOGGER = logging.getLogger(__name__)
CASES = Path(__file__).parent / "cases"


def _load(name: str) -> List[Dict[str, Any]]:
    with open(CASES / name, encoding="utf-8") as handle:
        return list(yaml.safe_load(handle))


@pytest.mark.parametrize("case", _load("normalize.yaml"), ids=lambda c: c["text"])
def test_normalize_core(case: Dict[str, Any]) -> None:
    assert normalize(case["text"]).core == case["expected"]


@pytest.mark.parametrize("case", _load("pinyin.yaml"), ids=lambda c: c["text"])
def test_folded_pinyin(case: Dict[str, Any]) -> None:
    assert spelled(case["text"]) == case["expected"]


@pytest.mark.parametrize(("syllable", "folded"), [
    ("zhang", "zan"), ("chi", "ci"), ("shi", "si"), ("neng", "len"), ("ning", "lin"),
    ("xiang", "xian"), ("zi", "zi"), ("lv", "lv"), ("nv", "lv"), ("a", "a"),
])
def test_fold(syllable: str, folded: str) -> None:
    assert fold(syllable) == folded


@pytest.mark.parametrize(("run", "value"), [("一", 1), ("两", 2), ("十", 10), ("十二", 12), ("二十五", 25),
                                            ("三十", 30), ("一百", 100), ("〇", 0)])
def test_to_number(run: str, value: int) -> None:
    assert to_number(run) == value


@pytest.mark.parametrize(("text", "expected"), [
    ("一起", "一起"), ("星期一", "星期一"), ("礼拜天", "礼拜天"), ("大声一点", "大声一点"),
    ("等一下", "等一下"), ("第一", "第一"), ("五分钟后", "5分钟后"), ("两个小时", "2个小时"),
    ("三月一号", "3月1号"), ("下午两点", "下午2点"), ("周日九点", "周日9点"),
])
def test_cn2an_quirks_are_contained(text: str, expected: str) -> None:
    assert convert(text) == expected


def test_strip_particles_keeps_le() -> None:
    assert strip_particles("有什么活动呢") == "有什么活动"
    assert strip_particles("算了") == "算了"
    assert strip_particles("好吧") == "好"


def test_overlong_text_has_empty_core() -> None:
    assert normalize("活动" * 5000).core == ""
