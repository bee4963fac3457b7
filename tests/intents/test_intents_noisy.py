"""Misheard words (the recogniser's homophones and southern-accent merges): what is restored by sound,
and what may never be.

The noisy variants are made as `python bench/nlu.py` makes them (one same-sound or accent-merged
character, fillers, word spacing), so the figures here are the ones the bench reports.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from intents import Catalog, IntentId, parse
from intents.emergency import assess
from tests.fakes import bench_module

ROOT = Path(__file__).resolve().parents[2]
CATALOG = Catalog.load(ROOT / "tests" / "data" / "catalog.json")
NOW = datetime(2025, 3, 10, 15, 0)  # a Monday afternoon


def _bench() -> Any:
    return bench_module("nlu")


@pytest.mark.parametrize(("heard", "slots"), [
    # 下昼 (afternoon) sounds exactly like 下周 (next week): after a day word it can only be the afternoon.
    ("礼拜六下奏有乜嘢活动", {"date": "2025-03-15", "part_of_day": "afternoon"}),
    ("听日下周三点有冇活动", {"date": "2025-03-11", "part_of_day": "afternoon", "time": "15:00"}),
    # …but 下周 on its own, and 下周末, stay next week.
    ("下周有乜嘢活动", {"date_range": ["2025-03-17", "2025-03-23"]}),
    ("听日下周末有什么活动", {"date_range": ["2025-03-22", "2025-03-23"]}),
])
def test_the_afternoon_heard_as_next_week_after_a_day_word(heard: str, slots: dict) -> None:
    got = parse(heard, NOW, CATALOG)
    assert got.intent is IntentId.ACTIVITY_QUERY
    for key, value in slots.items():
        assert got.slots.get(key) == value, (heard, got.slots)


def test_a_catalog_title_heard_as_a_homophone_beats_a_template_run() -> None:
    """有没有呵唱: 有没有 + 合唱 (the activity), not the template run 有没有和 + 唱."""
    got = parse("后日有冇呵唱", NOW, CATALOG)
    assert got.slots == {"date": "2025-03-12", "activity_id": "hc-0312"}


@pytest.mark.parametrize(("heard", "slots"), [
    ("每隔两阁钟提醒我饮啖水", {"every_min": 120}),
    ("候日有冇剪纸", {"date": "2025-03-12"}),
    ("访后提醒我食药", {"offset_min": 30}),
    ("听日灶饭前提醒我去验血", {"anchor": "breakfast", "offset_min": -30}),
])
def test_time_and_routine_words_heard_as_homophones_are_restored(heard: str, slots: dict) -> None:
    got = parse(heard, NOW, CATALOG)
    for key, value in slots.items():
        assert got.slots.get(key) == value, (heard, got.slots)


@pytest.mark.parametrize(("heard", "intent"), [
    ("西", IntentId.DIALOG_YES), ("犀啊", IntentId.DIALOG_YES),  # 系 heard as a same-sound character
    ("唔该腻", IntentId.DIALOG_THANKS),
])
def test_short_answers_are_matched_by_sound(heard: str, intent: IntentId) -> None:
    assert parse(heard, NOW, CATALOG).intent is intent


@pytest.mark.parametrize("heard", [
    "我以蔷心口痛过，所以成日带住药",  # 以前 heard as 以蔷: the past
    "收营机讲有个伯伯喺街跌倒",  # 收音机: someone else's words
    "猩闻话天河有间屋着火",  # 新闻
    "丸一我跌倒点算",  # 万一: a worry
    "有冇讲防跌倒嘅键座",  # 讲座: a class
])
def test_a_veto_heard_as_a_homophone_still_takes_the_alarm_away(heard: str) -> None:
    assert parse(heard, NOW, CATALOG).intent is not IntentId.EMERGENCY_HELP


@pytest.mark.parametrize("heard", ["杏口有啲闷", "我流咗好多雪", "责火啊", "我半边身冇晒拟"])
def test_a_danger_heard_only_by_sound_is_asked_about_never_acted_on(heard: str) -> None:
    got = parse(heard, NOW, CATALOG)
    assert got.intent is IntentId.EMERGENCY_HELP
    assert got.slots == {"severity": "check"}


def test_a_danger_said_plainly_is_not_weakened_by_a_sound_alike_word() -> None:
    """A veto must sound like its whole word with one character heard right: 救命 stays high."""
    assert assess("救命啊我起不来").severity == "high"
    assert assess("我心口好痛").severity == "high"


def test_noisy_variants_of_the_emergency_sets_keep_their_safety() -> None:
    bench = _bench()
    data = ROOT / "tests" / "data"
    neg = bench.noisy_of(bench.load_cases(data / "emergency_neg.yaml"))
    pos = bench.noisy_of(bench.load_cases(data / "emergency_pos.yaml"))
    false = [t for t, now, _, _ in neg if parse(t, now, CATALOG).intent is IntentId.EMERGENCY_HELP]
    found = [t for t, now, _, _ in pos if parse(t, now, CATALOG).intent is IntentId.EMERGENCY_HELP]
    assert len(false) <= len(neg) // 100, false
    assert len(found) >= 0.98 * len(pos)


@pytest.mark.parametrize(("name", "intent_min", "slots_min"), [
    ("blind_a.yaml", 0.96, 0.90), ("blind_b.yaml", 0.96, 0.90), ("blind_d.yaml", 0.96, 0.90),
    ("blind_f.yaml", 0.96, 0.90), ("blind_h.yaml", 0.96, 0.90), ("blind_j.yaml", 0.96, 0.90),
    ("blind_l.yaml", 0.96, 0.90), ("blind_p.yaml", 0.96, 0.92),
    ("blind_s.yaml", 0.96, 0.91), ("blind_u.yaml", 0.95, 0.91), ("blind_w.yaml", 0.92, 0.90),
    ("blind_x.yaml", 0.95, 0.90), ("blind_z.yaml", 0.95, 0.89), ("blind_aa.yaml", 0.95, 0.91),
    ("blind_ac.yaml", 0.93, 0.87), ("blind_ae.yaml", 0.97, 0.88), ("blind_ag.yaml", 0.94, 0.83),
    ("blind_ai.yaml", 0.95, 0.90), ("blind_ak.yaml", 0.95, 0.86), ("blind_al.yaml", 0.97, 0.93),
    ("blind_an.yaml", 0.96, 0.87), ("blind_ap.yaml", 0.96, 0.83),
    ("blind_ar.yaml", 0.96, 0.90), ("blind_at.yaml", 0.97, 0.90)])
def test_noisy_variants_of_the_blind_sets_stay_at_their_figures(name: str, intent_min: float,
                                                                 slots_min: float) -> None:
    bench = _bench()
    cases = bench.noisy_of(bench.load_blind(ROOT / "tests" / "data" / name))
    intent, slots, _ = bench.score(bench.ours, cases, CATALOG)
    assert intent >= intent_min and slots >= slots_min, (intent, slots)
