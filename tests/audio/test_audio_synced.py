"""Text that arrives by sync — announcements, family messages, reminder contents, 200 of them with
Latin letters, emoji, ￥, %, ℃, phone numbers and times (tests/audio/data/synced_texts.txt) —
goes through the same front end and is read by espeak-ng with Mandarin rules only."""

from __future__ import annotations

import re
import shutil
import unicodedata
from typing import List

import pytest
from reply_samples import synced_texts

from assistant.config import VoiceSettings
from audio import tts
from audio.phonemes import fallbacks, phonemize
from audio.pronounce import FrontEnd, Spoken
from audio.tts import Speaker
from audio.wav import Audio

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")

TEXTS = synced_texts()


@pytest.fixture(scope="module")
def spoken(front_end: FrontEnd) -> List[Spoken]:
    return [front_end.prepare(text) for text in TEXTS]


def test_there_are_two_hundred_realistic_texts() -> None:
    assert len(TEXTS) >= 200
    joined = "".join(TEXTS)
    assert re.search(r"[A-Za-z]", joined) and "￥" in joined and "%" in joined and "℃" in joined
    assert re.search(r"1[3-9]\d{9}", joined) and re.search(r"\d{1,2}:\d{2}", joined)
    assert any(unicodedata.category(c) == "So" and c not in "℃" for c in joined)  # emoji


def test_all_synced_texts_total_zero_fallbacks(spoken: List[Spoken], front_end: FrontEnd) -> None:
    phonemes = phonemize([s.input for s in spoken], front_end.engine_voice)
    counts = {s.text: fallbacks(p, front_end.spec.lang) for s, p in zip(spoken, phonemes, strict=True)}
    assert sum(counts.values()) == 0, {t: n for t, n in counts.items() if n}
    assert all(phonemes)


def test_the_engine_gets_no_digits_emoji_or_latin_words(spoken: List[Spoken]) -> None:
    for said in spoken:
        assert not re.search(r"\d", said.numerals), said.text
        for word in said.input.split():
            token = word.rstrip("，。！？；：、")
            # pinyin syllables (tone 1–5) or single spelled capitals (O K, A P P), nothing else
            assert re.fullmatch(r"[a-z]+[1-5]?|[A-Z]", token), (said.text, word)


@pytest.mark.parametrize("text, said", [
    ("交电费￥120", "交电费一百二十元"),
    ("本月水费上调5%，每吨3.65元。", "本月水费上调百分之五，每吨三点六五元。"),
    ("穿厚外套，今天只有5℃", "穿厚外套，今天只有五度"),
    ("寒潮来袭，气温下降8-10℃", "寒潮来袭，气温下降八到十度"),
    ("爸，有问题给我打电话：13912345678。", "爸，有问题给我打电话：幺三九，幺二三四，五六七八。"),
    ("明天上午9:00-12:00维修水管", "明天上午九点到十二点维修水管"),
    ("爷爷生日快乐🎂🎉 我们晚上7点到！", "爷爷生日快乐，我们晚上七点到！"),
    ("妈，OK，我知道了", "妈，O K，我知道了"),
    ("社区WiFi已覆盖活动中心", "社区无线网已覆盖活动中心"),
    ("Hi 妈，详情见 www.example.com/notice 谢谢", "嗨，妈，详情见，谢谢"),
])
def test_symbols_letters_and_emoji_are_said_sensibly(front_end: FrontEnd, text: str, said: str) -> None:
    assert front_end.prepare(text).numerals == said


def test_an_announcement_is_spoken_through_the_front_end(front_end: FrontEnd) -> None:
    """The speaker gives the engines the front end's segments, not the raw synced text."""
    seen: List[str] = []

    class Recording:
        name = "recording"

        def __init__(self, inner: tts.Backend) -> None:
            self.inner = inner

        def synth(self, text: str, rate: int) -> Audio:
            seen.append(text)
            return self.inner.synth(text, rate)

    class NoSink:
        def play(self, audio: Audio) -> None:
            """Nothing is played."""

        def stop(self) -> None:
            """Nothing plays."""

    speaker = Speaker(VoiceSettings(), NoSink())
    speaker._backends = [Recording(tts._EspeakBackend(front_end.engine_voice))]
    text = "社区通知：停水通知：12月5日 8:30至17:30停水🚰，咨询电话020-83456789。"
    speaker.speak(text)
    assert seen == [s.text for s in front_end.prepare(text).segments]
    assert all(not re.search(r"[\u4e00-\u9fff]|(?<![a-z])\d", t) for t in seen)  # pinyin, tone digits only
