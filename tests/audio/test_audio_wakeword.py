"""Wake-phrase spotting with the Korean model: found in a longer recording, not in ones without it."""

from __future__ import annotations

from typing import List

import pytest
from speech_samples import RATE, espeak, silence

from audio.errors import ModelMissingError
from audio.recognizer import SpeechModel
from audio.wakeword import WakeHit, WakeWordDetector
from audio.wav import Audio

WAKE = "감사합니다"
OTHER = [
    "오늘은 시장에 가서 사과를 샀어요",
    "내일 아침에 친구를 만나서 영화를 보러 갈 거예요",
    "할머니는 공원에서 산책을 하셨습니다",
    "저녁에 라디오를 들으면서 차를 마셨어요",
]


@pytest.fixture(scope="module")
def detector(ko_model: SpeechModel) -> WakeWordDetector:
    return WakeWordDetector(ko_model, [WAKE])


def _hits(detector: WakeWordDetector, *parts: object) -> List[WakeHit]:
    audio = Audio.concat([silence(0.3)] + [espeak(p) if isinstance(p, str) else silence(float(p))  # type: ignore[arg-type]
                                           for p in parts] + [silence(1.0)], RATE)
    detector.reset()
    hits = [h for i in range(0, len(audio.pcm), 3200) if (h := detector.accept(audio.pcm[i:i + 3200]))]
    last = detector.finish()
    return hits + ([last] if last else [])


def test_wake_phrase_is_spotted_in_a_longer_recording(detector: WakeWordDetector) -> None:
    hits = _hits(detector, OTHER[0], 1.0, WAKE, 1.0, "오늘 날씨 알려 줘")
    assert [h.phrase for h in hits] == [WAKE]
    assert hits[0].confidence >= 0.6


@pytest.mark.parametrize("sentence", OTHER)
def test_no_wake_in_speech_without_the_phrase(detector: WakeWordDetector, sentence: str) -> None:
    assert _hits(detector, sentence) == []


def test_speech_right_after_the_phrase_is_handed_on(detector: WakeWordDetector) -> None:
    hits = _hits(detector, WAKE, "오늘 날씨")
    assert [h.phrase for h in hits] == [WAKE]
    # the rest holds "오늘 날씨" (~1.4 s) plus the trailing second of silence
    assert 1.5 < len(hits[0].rest) / (2 * RATE) < 3.5


def test_phrases_the_model_cannot_spell_are_refused_with_a_reason(ko_model: SpeechModel) -> None:
    with pytest.raises(ModelMissingError, match="dialog.wake_phrases"):
        WakeWordDetector(ko_model, ["☃☃"])
    assert WakeWordDetector(ko_model, ["☃☃", WAKE]).phrases == (WAKE,)
