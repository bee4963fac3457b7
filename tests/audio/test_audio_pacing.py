"""Pacing for older ears, measured on the audio itself: the default rate, slower after 慢点说,
pauses that grow from comma to list item to sentence, numbers and times never run together,
and the duration estimate of `say --dry-run` close to the real length."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from typing import List

import numpy as np
import pytest

from assistant import say
from assistant.config import VoiceSettings
from audio import tts
from audio.pronounce import FrontEnd, seconds
from audio.tts import Speaker
from audio.wav import Audio, WavFolderSink, read_wav

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")

SLOWER_STEP = 15
"""assistant.dialog.RATE_STEP: 慢点说 lowers the persisted rate by this much."""
LIST_REPLY = ("明天有3个活动：明天上午九点，八段锦，在活动中心一楼；明天上午十点，剪纸班，在活动中心二楼；"
              "明天下午三点，合唱团，在多功能厅。还有2个，要继续听吗？")
TYPICAL = [
    "您好，明天上午九点在活动室有太极拳。要给您报名吗？",
    "好的，记住了，每天早上八点提醒您吃降压药。",
    "现在是下午三点半，11月29号 星期日。",
    "社区通知：明天上午九点到十二点维修水管，请提前储水。",
    "您现在有120个志愿积分。",
    LIST_REPLY,
]


def _no_pyttsx3(voice: str) -> tts.Backend:
    raise RuntimeError("espeak-ng only: the program, deterministic")


@pytest.fixture()
def speaker(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Speaker:
    monkeypatch.setattr(tts, "_make_pyttsx3", _no_pyttsx3)
    return Speaker(VoiceSettings(), WavFolderSink(tmp_path))


def _silences(audio: Audio, shortest: float = 0.12) -> List[float]:
    """Lengths of the silent stretches (10 ms frames below -50 dBFS) inside and after the speech."""
    samples = audio.samples().astype(np.float64)
    frame = int(audio.rate * 0.01)
    frames = samples[:len(samples) // frame * frame].reshape(-1, frame)
    quiet = np.sqrt((frames ** 2).mean(axis=1)) < 100
    start = int(np.argmin(quiet))  # skip leading silence
    runs, count = [], 0
    for flag in quiet[start:]:
        if flag:
            count += 1
        elif count:
            runs.append(count * 0.01)
            count = 0
    runs.append(count * 0.01)
    return [r for r in runs if r >= shortest]


def _speech_seconds(audio: Audio) -> float:
    return audio.seconds - sum(_silences(audio, 0.0))


def test_default_rate_is_slow_and_clear(speaker: Speaker, front_end: FrontEnd) -> None:
    """Su et al. 2016 (Mandarin Speech Perception sentences): slow 2.48, normal 3.74 words/s;
    the default articulates ~2.8 syllables a second, pauses excluded — slower than normal speech."""
    text = "明天上午九点在活动中心有太极拳"
    audio = speaker.synthesize_audio(text)
    syllables = sum(s.syllables for s in front_end.prepare(text).segments)
    rate = syllables / _speech_seconds(audio)
    assert 2.3 <= rate <= 3.3, rate


def test_slower_after_man_dian_shuo(speaker: Speaker) -> None:
    text = TYPICAL[0]
    normal = speaker.synthesize_audio(text).seconds
    slower = speaker.synthesize_audio(text, rate=VoiceSettings().rate - SLOWER_STEP).seconds
    slowest = speaker.synthesize_audio(text, rate=80).seconds
    assert slower > normal * 1.08 and slowest > slower * 1.2


def test_pauses_grow_from_comma_to_list_item_to_sentence(speaker: Speaker, tmp_path: Path) -> None:
    speaker.speak(LIST_REPLY)
    files = sorted(tmp_path.glob("*.wav"))
    segments = [s.text for s in speaker.segments(LIST_REPLY)]
    assert len(files) == len(segments) == 4  # intro and item 1; item 2; item 3; 还有2个…
    tails = [_silences(read_wav(f), 0.0)[-1] for f in files]
    items = [t for t, s in zip(tails, segments, strict=True) if s.endswith("；")]
    sentences = [t for t, s in zip(tails, segments, strict=True) if s.endswith(("。", "？"))]
    commas = [gap for f in files for gap in _silences(read_wav(f))[:-1]]
    assert items and sentences and commas
    assert min(items) >= 0.45 and min(sentences) >= 0.6
    assert max(commas) < min(items) <= max(items) < min(sentences)
    assert min(commas) >= 0.15


@pytest.mark.parametrize("text, parts", [
    (say.moment(datetime(2026, 12, 3, 15, 30), datetime(2026, 11, 30, 10)), 3),  # 12月3号 星期四 下午三点半
    ("九点3号楼集合", 2),
    ("2025-03-05 15:30开会", 2),
    ("每天早上八点两片药", 2),
    ("每周一、三、五", 3),
    ("电话13812345678", 3),
])
def test_numbers_and_times_never_run_together(speaker: Speaker, front_end: FrontEnd, text: str,
                                              parts: int) -> None:
    """A pause mark goes between them, and the audio has a silence there."""
    spoken = front_end.prepare(text)
    marks = sum(spoken.input.count(m) for m in "，、")
    assert marks >= parts - 1, spoken.input
    audio = speaker.synthesize_audio(text)
    assert len(_silences(audio)) - 1 >= parts - 1


@pytest.mark.parametrize("rate", [80, 100, 130, 160, 200])
def test_the_duration_estimate_is_close_to_the_real_length(speaker: Speaker, front_end: FrontEnd,
                                                           rate: int) -> None:
    for text in TYPICAL:
        real = speaker.synthesize_audio(text, rate=rate).seconds
        assert seconds(front_end.prepare(text), rate) == pytest.approx(real, rel=0.15), (text, rate)
