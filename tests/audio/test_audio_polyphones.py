"""The polyphone table (tests/audio/data/polyphones.yaml): each word, inside a sentence the speaker
says, reaches espeak-ng with the dictionary reading — and espeak-ng reads it with Mandarin rules."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml

from audio.phonemes import fallbacks, phonemize
from audio.pronounce import _HAN_RE, FrontEnd, Spoken, default_table, phrase_pinyin

TABLE = Path(__file__).resolve().parent / "data" / "polyphones.yaml"
CASES: List[Dict[str, Any]] = yaml.safe_load(TABLE.read_text(encoding="utf-8"))


def _reading_of(spoken: Spoken, word: str) -> List[str]:
    """The syllables the engine gets for `word` where it first occurs in the spoken text."""
    start = spoken.numerals.index(word)
    before = len(_HAN_RE.findall(spoken.numerals[:start]))
    return [r.syllable for r in spoken.readings[before:before + len(word)]]


def test_the_table_is_large_enough_and_product_relevant() -> None:
    assert len(CASES) >= 40
    assert len({c["word"] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["word"] for c in CASES])
def test_word_reaches_the_engine_with_its_reading(front_end: FrontEnd, case: Dict[str, Any]) -> None:
    spoken = front_end.prepare(case["context"])
    assert _reading_of(spoken, case["word"]) == case["reading"].split()
    # and those syllables are in what the engine is given, in that order
    engine = " ".join(w.strip("，。！？；：、") for w in spoken.input.split())
    assert " ".join(case["reading"].split()) in engine


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_espeak_reads_every_context_with_mandarin_rules(front_end: FrontEnd) -> None:
    spoken = [front_end.prepare(c["context"]) for c in CASES]
    phonemes = phonemize([s.input for s in spoken], front_end.engine_voice)
    found = {s.text: p for s, p in zip(spoken, phonemes, strict=True) if fallbacks(p, front_end.spec.lang)}
    assert found == {}


def test_every_override_that_changes_pypinyin_is_checked_here() -> None:
    """An entry of audio/data/pronounce_zh.yaml that overrules pypinyin must have a case above."""
    checked = " ".join(c["context"] + " " + c["word"] for c in CASES)
    unchecked = [word for word, reading in default_table().words.items()
                 if list(phrase_pinyin(word)) != list(reading) and word not in checked]
    assert unchecked == [], f"add a case to {TABLE.name} for: {unchecked}"
