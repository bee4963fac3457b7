"""audio.phonemes: espeak-ng's phonemes in bulk and the fallback count, against espeak-ng itself."""

from __future__ import annotations

import shutil
import subprocess
from typing import List

import pytest

from audio.phonemes import Translator, fallbacks, foreign_words, phonemize

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")

PINYIN = ["ming2 tian1 shang4 wu3 jiu3 dian3", "hello ni3 hao3", "A， I", "X O B di4", "Y B， deng3 yu2 C",
          "wifi mi4 ma3", "", "ling2 ling2 ling2", "hao3。 hao3？ hao3；"]
HANZI = ["明天上午九点有书法班，知道了，您好", "你好", "OK", "12月3号"]


def _one_by_one(texts: List[str], voice: str) -> List[str]:
    out = []
    for text in texts:
        done = subprocess.run(["espeak-ng", "-v", voice, "-q", "-x", text], capture_output=True, text=True,
                              check=True)
        out.append(" ".join(line.strip() for line in done.stdout.splitlines() if line.strip()))
    return out


def test_one_process_for_many_texts_gives_what_a_process_each_gives() -> None:
    assert phonemize(PINYIN, "cmn-latn-pinyin") == _one_by_one(PINYIN, "cmn-latn-pinyin")
    assert phonemize(HANZI, "cmn", "hanzi") == _one_by_one(HANZI, "cmn")


def test_fallbacks_are_the_words_between_language_switches() -> None:
    phones = phonemize(["明天上午九点"], "cmn", "hanzi")[0]
    assert phones.startswith("(en)")
    assert fallbacks(phones, "cmn") == len(foreign_words(phones, "cmn")) == 4  # 明 天 九 点; 上午 known
    assert fallbacks(phonemize(["ming2 tian1 shang4 wu3 jiu3 dian3"], "cmn-latn-pinyin")[0], "cmn") == 0


def test_the_translator_counts_what_the_program_counts_text_by_text() -> None:
    """Including a text ending in a letter before one starting with a letter (I, then X …: the
    translator would otherwise hold the I back and read 'I X' as the roman numeral nine)."""
    for voice, reads, texts in (("cmn-latn-pinyin", "pinyin", PINYIN), ("cmn", "hanzi", HANZI)):
        translator = Translator(voice)
        program = [fallbacks(p, "cmn") for p in phonemize(texts, voice, reads)]
        assert [fallbacks(translator.phonemes(t), "cmn") for t in texts] == program
    assert program[0] > 0
