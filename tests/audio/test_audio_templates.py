"""Every reply template of assistant/replies/zh.yaml, rendered with realistic values (all activity
titles of the demo catalog and seed data, every service, times 00:00–23:59 by 5 minutes, the
dates of a whole year, counts 0–100, the synced texts), reaches espeak-ng as Mandarin it reads
with its own rules — 0 fallbacks — and as pypinyin's phrase reading, except where the override
table or the hour rule says otherwise (those are checked word by word in test_audio_polyphones)."""

from __future__ import annotations

import re
import shutil
from typing import Dict, List, Tuple

import pytest
from pypinyin import Style, lazy_pinyin
from reply_samples import TODAY, pools, rendered_replies, templates

from audio.phonemes import Translator, fallbacks, phonemize
from audio.pronounce import _HAN, FrontEnd, Spoken

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")

_SYLLABLE = re.compile(r"^[a-z]+[1-5]?$")
_RUN = re.compile(f"[{_HAN}]+")


@pytest.fixture(scope="module")
def rendered(front_end: FrontEnd) -> List[Tuple[str, Spoken]]:
    return [(key, front_end.prepare(text)) for key, text in rendered_replies()]


def test_every_template_is_rendered_with_the_whole_range(rendered: List[Tuple[str, Spoken]]) -> None:
    assert {key for key, _ in rendered} == set(templates())
    values = pools()
    assert len(values["time"]) == 24 * 12 and values["time"][0] == "凌晨零点"
    assert len(values["date"]) == 365 and values["count"][0] == "0" and values["count"][-1] == "100"
    assert TODAY.year == 2026 and {"太极拳", "八段锦", "粤剧欣赏"} <= set(values["title"])
    moments = [text for key, text in ((k, s.text) for k, s in rendered) if key == "book.confirm"]
    assert len(moments) >= 365


def test_no_fallbacks_over_all_rendered_templates(rendered: List[Tuple[str, Spoken]],
                                                  translator: Translator, front_end: FrontEnd) -> None:
    found: Dict[str, int] = {}
    seen: Dict[str, int] = {}
    for _key, spoken in rendered:
        if spoken.input not in seen:
            seen[spoken.input] = fallbacks(translator.phonemes(spoken.input), front_end.spec.lang)
        if seen[spoken.input]:
            found[spoken.text] = seen[spoken.input]
    assert sum(found.values()) == 0, list(found.items())[:10]


def test_the_espeak_program_agrees_on_a_sample(rendered: List[Tuple[str, Spoken]], translator: Translator,
                                               front_end: FrontEnd) -> None:
    """The program (`espeak-ng -q -x`, as `say --dry-run` runs it) counts the same — here 0 — on
    the first rendering of every template and every 80th of the rest."""
    first: Dict[str, Spoken] = {}
    for key, spoken in rendered:
        first.setdefault(key, spoken)
    sample = list(first.values()) + [s for _, s in rendered[::80]]
    phonemes = phonemize([s.input for s in sample], front_end.engine_voice)
    assert len(phonemes) == len(sample)
    for spoken, phones in zip(sample, phonemes, strict=True):
        assert phones or not spoken.input, spoken.text
        assert fallbacks(phones, front_end.spec.lang) == 0, (spoken.text, phones)
        assert fallbacks(translator.phonemes(spoken.input), front_end.spec.lang) == 0


def test_numbers_are_words_and_the_input_is_pinyin(rendered: List[Tuple[str, Spoken]]) -> None:
    for _key, spoken in rendered:
        assert not re.search(r"\d", spoken.numerals), spoken.text
        for word in spoken.input.split():
            token = word.rstrip("，。！？；：、")
            assert _SYLLABLE.match(token) or re.fullmatch(r"[A-Z]", token), (spoken.text, word)


def test_pinyin_agrees_with_pypinyins_phrase_reading(rendered: List[Tuple[str, Spoken]]) -> None:
    cache: Dict[str, List[str]] = {}

    def phrase(run: str) -> List[str]:
        if run not in cache:
            cache[run] = [s.replace("ü", "v") for s in lazy_pinyin(run, style=Style.TONE3,
                                                                     neutral_tone_with_five=True)]
        return cache[run]

    for _key, spoken in rendered:
        expected = [s for run in _RUN.findall(spoken.numerals) for s in phrase(run)]
        assert [r.char for r in spoken.readings] == [c for run in _RUN.findall(spoken.numerals) for c in run]
        assert len(expected) == len(spoken.readings), spoken.text
        for reading, reference in zip(spoken.readings, expected, strict=True):
            if reading.source == "pypinyin":
                assert reading.syllable == reference, (spoken.text, reading)
            else:  # the override table or the hour rule (checked in test_audio_polyphones)
                assert reading.source in ("table", "rule")
        # what the engine is given is exactly these syllables, in order
        engine = [w.rstrip("，。！？；：、") for w in spoken.input.split()]
        assert [w for w in engine if not re.fullmatch(r"[A-Z]", w)] == [r.syllable for r in spoken.readings
                                                                        if r.syllable]
