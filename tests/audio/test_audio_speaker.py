"""The speaker loop on Korean speech: wake → earcon → command → answer, answers without the wake word."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable, Iterator, List, Optional, Sequence

from speech_samples import RATE, espeak, silence

from assistant.config import VoiceSettings
from assistant.dialog import Reply
from audio.recognizer import Heard, SpeechModel
from audio.speaker import LoopTiming, SpeakerLoop, chunks_of, earcon
from audio.tts import Speaker
from audio.wav import Audio, WavFolderSink, read_wav

WAKE = "감사합니다"
COMMANDS = ["안녕하세요", "음악 시작", "날씨 알려 줘", "오늘 날씨"]
ANSWERS = ["네", "아니요"]


class _Mic:
    """A microphone at the edge: yields prepared chunks; optional hook before each one."""

    def __init__(self, audio: Audio) -> None:
        self.rate = RATE
        self.audio = audio
        self.flushes = 0
        self.hook: Optional[Callable[[int], None]] = None

    def __iter__(self) -> Iterator[bytes]:
        for index, chunk in enumerate(chunks_of(self.audio, 0.1)):
            if self.hook is not None:
                self.hook(index)
            yield chunk

    def flush(self) -> None:
        self.flushes += 1


class _Brain:
    """Scripted replies, one list per utterance, like Assistant.process would give."""

    def __init__(self, *script: Sequence[Reply]) -> None:
        self.script = list(script)
        self.heard: List[str] = []

    def __call__(self, heard: Heard) -> Sequence[Reply]:
        self.heard.append(heard.text)
        return self.script.pop(0) if self.script else [Reply("好的。")]


def _audio(*parts: object) -> Audio:
    pieces = [espeak(p) if isinstance(p, str) else silence(float(p)) for p in parts]  # type: ignore[arg-type]
    return Audio.concat([silence(0.3)] + pieces + [silence(1.0)], RATE)


def _loop(model: SpeechModel, mic: _Mic, brain: _Brain, out: Path, timing: LoopTiming = LoopTiming(),
          push: Optional[threading.Event] = None) -> SpeakerLoop:
    return SpeakerLoop(mic, model, Speaker(VoiceSettings(), WavFolderSink(out)), brain, [WAKE],
                       grammar_phrases=lambda: COMMANDS, answers=ANSWERS, timing=timing, push_to_talk=push)


def test_wake_phrase_then_command_gets_an_earcon_and_a_spoken_answer(ko_model: SpeechModel,
                                                                     tmp_path: Path) -> None:
    brain = _Brain([Reply("今天晴天，二十度。")])
    _loop(ko_model, _Mic(_audio(WAKE, 1.0, "오늘 날씨")), brain, tmp_path).run()
    assert brain.heard == ["오늘 날씨"]
    files = sorted(tmp_path.glob("*.wav"))
    assert len(files) == 2
    assert read_wav(files[0]).pcm == earcon().pcm
    answer = read_wav(files[1])
    assert answer.seconds > 2.0 and answer.rms > 1000


def test_nothing_happens_without_the_wake_phrase(ko_model: SpeechModel, tmp_path: Path) -> None:
    brain = _Brain()
    mic = _Mic(_audio("오늘 날씨", 1.0, "할머니는 공원에서 산책을 하셨습니다"))
    _loop(ko_model, mic, brain, tmp_path).run()
    assert brain.heard == [] and list(tmp_path.glob("*.wav")) == []


def test_after_a_question_the_answer_needs_no_wake_phrase(ko_model: SpeechModel, tmp_path: Path) -> None:
    brain = _Brain([Reply("要给您报名吗？", expects_answer=True)], [Reply("好的，已经报名。")])
    _loop(ko_model, _Mic(_audio(WAKE, 1.0, "오늘 날씨", 1.2, "네")), brain, tmp_path).run()
    assert brain.heard == ["오늘 날씨", "네"]
    assert len(list(tmp_path.glob("*.wav"))) == 3  # earcon, question, confirmation


def test_the_answer_window_closes(ko_model: SpeechModel, tmp_path: Path) -> None:
    brain = _Brain([Reply("要给您报名吗？", expects_answer=True)])
    timing = LoopTiming(answer_seconds=2.0)
    _loop(ko_model, _Mic(_audio(WAKE, 1.0, "오늘 날씨", 4.0, "네")), brain, tmp_path, timing).run()
    assert brain.heard == ["오늘 날씨"]


def test_listening_gives_up_after_the_command_timeout(ko_model: SpeechModel, tmp_path: Path) -> None:
    brain = _Brain()
    timing = LoopTiming(command_seconds=2.0)
    _loop(ko_model, _Mic(_audio(WAKE, 4.0, "오늘 날씨")), brain, tmp_path, timing).run()
    assert brain.heard == []
    assert len(list(tmp_path.glob("*.wav"))) == 1  # the earcon only


def test_push_to_talk_replaces_the_wake_phrase(ko_model: SpeechModel, tmp_path: Path) -> None:
    push = threading.Event()
    push.set()
    brain = _Brain()
    _loop(ko_model, _Mic(_audio(1.0, "오늘 날씨")), brain, tmp_path, push=push).run()
    assert brain.heard == ["오늘 날씨"]


def test_the_microphone_is_ignored_while_the_speaker_talks(ko_model: SpeechModel, tmp_path: Path) -> None:
    # A reminder is being spoken (from the dialog thread) while someone says the wake phrase.
    mic = _Mic(_audio(WAKE, 1.0, "오늘 날씨"))
    brain = _Brain()
    loop = _loop(ko_model, mic, brain, tmp_path)
    speaking = loop.speaker.speaking
    mic.hook = lambda index: speaking.set() if index == 0 else (speaking.clear() if index == 40 else None)
    loop.run()
    assert brain.heard == []
    assert mic.flushes == 1
