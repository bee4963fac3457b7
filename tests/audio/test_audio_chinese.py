"""With the real Chinese model (VOSK_MODEL_CN=DIR): Mandarin commands, grammar coverage, wake phrase.

Skipped unless VOSK_MODEL_CN points to an unpacked vosk-model-small-cn-0.22; these are the
tests that prove what the Korean model can only stand in for.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, List

import pytest
from speech_samples import RATE, espeak, silence

from audio.recognizer import CommandRecognizer, Heard, SpeechModel
from audio.wakeword import WakeWordDetector
from audio.wav import Audio


@pytest.fixture(scope="module")
def cn_model(cn_model_dir: Path) -> SpeechModel:
    return SpeechModel.load(cn_model_dir)


def _mandarin(*parts: object) -> Audio:
    pieces = [espeak(p, voice="cmn", wpm=130) if isinstance(p, str) else silence(float(p))  # type: ignore[arg-type]
              for p in parts]
    return Audio.concat([silence(0.3)] + pieces + [silence(1.0)], RATE)


def _heard(recognizer: Any, audio: Audio) -> List[Heard]:
    out = [h for i in range(0, len(audio.pcm), 3200) if (h := recognizer.accept(audio.pcm[i:i + 3200]))]
    last = recognizer.finish()
    return out + ([last] if last else [])


def test_the_nlu_grammar_fits_the_model_vocabulary(cn_model: SpeechModel) -> None:
    from intents import grammar_phrases

    phrases = grammar_phrases()
    grammar = cn_model.grammar(phrases)
    assert cn_model.vocabulary() is not None and cn_model.supports_grammar
    assert len(grammar.phrases) >= 0.9 * len(set(phrases))
    assert len(set(grammar.dropped)) <= 20, grammar.dropped


@pytest.mark.parametrize(("text", "intent"),
                         [("明天有什么活动", "activity.query"), ("现在几点", "time.query")])
def test_mandarin_commands_reach_their_intent(cn_model: SpeechModel, text: str, intent: str) -> None:
    from intents import grammar_phrases, parse

    now = datetime(2025, 3, 1, 10, 0)

    def intent_of(t: str) -> str:
        return parse(t, now).intent.value

    recognizer = CommandRecognizer(cn_model, RATE, cn_model.grammar(grammar_phrases()), intent_of)
    heard = _heard(recognizer, _mandarin(text))
    assert len(heard) == 1
    assert parse(heard[0].text, now).intent.value == intent


def test_default_wake_phrase_is_spotted(cn_model: SpeechModel) -> None:
    detector = WakeWordDetector(cn_model, ["小巢小巢", "你好小巢"])
    hits = [h.phrase for h in _heard(detector, _mandarin("今天天气不错", 1.0, "小巢小巢", 1.0))]
    assert hits == ["小巢小巢"]
    assert _heard(detector, _mandarin("今天天气不错，我们去公园散步吧")) == []
