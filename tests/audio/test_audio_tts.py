"""Mandarin speech through pyttsx3 / espeak-ng, measured on the samples."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import List, Tuple

import pytest

from assistant.config import VoiceSettings
from audio import tts
from audio.errors import DeviceError, SpeechError
from audio.pronounce import FrontEnd
from audio.tts import Speaker, split_sentences
from audio.wav import Audio, WavFolderSink, read_wav

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")

ANSWER = "您好，明天上午九点在活动室有太极拳。要给您报名吗？"


class _SilentEngine:
    """An engine that "succeeds" without sound, as pyttsx3 sometimes does."""

    name = "pyttsx3"

    def synth(self, text: str, rate: int) -> Audio:
        return Audio(b"", 22050)


class _NoSpeaker:
    """The loudspeaker edge, for tests that only synthesise."""

    def play(self, audio: Audio) -> None:
        raise AssertionError("nothing should be played")

    def stop(self) -> None:
        """Nothing plays."""


def _broken_pyttsx3(voice: str) -> tts.Backend:
    raise RuntimeError("no espeak driver")


def test_split_sentences_keeps_punctuation() -> None:
    assert split_sentences(ANSWER) == ["您好，明天上午九点在活动室有太极拳。", "要给您报名吗？"]


def test_mandarin_answer_has_plausible_length_and_loudness() -> None:
    audio = Audio.from_wav(Speaker(VoiceSettings(), _NoSpeaker()).synthesize(ANSWER))
    assert audio.rate == tts.OUTPUT_RATE and audio.channels == 1
    # 23 syllables at 130 wpm, espeak-ng cmn: about 0.4 s each
    assert 5.0 < audio.seconds < 16.0
    assert 1000 < audio.rms < 12000


def test_slower_rate_gives_longer_speech(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tts, "_make_pyttsx3", _broken_pyttsx3)  # deterministic: espeak-ng only
    speaker = Speaker(VoiceSettings(), _NoSpeaker())
    slow = Audio.from_wav(speaker.synthesize(ANSWER, rate=90)).seconds
    fast = Audio.from_wav(speaker.synthesize(ANSWER, rate=180)).seconds
    assert slow > fast * 1.5


def test_volume_scales_loudness(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tts, "_make_pyttsx3", _broken_pyttsx3)
    speaker = Speaker(VoiceSettings(), _NoSpeaker())
    loud = Audio.from_wav(speaker.synthesize("你好。", volume=1.0)).rms
    quiet = Audio.from_wav(speaker.synthesize("你好。", volume=0.5)).rms
    assert quiet == pytest.approx(loud / 2, rel=0.02)


def test_fallback_when_pyttsx3_writes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tts, "_make_pyttsx3", lambda voice: _SilentEngine())
    audio = Audio.from_wav(Speaker(VoiceSettings(), _NoSpeaker()).synthesize("你好。"))
    assert audio.seconds > 0.3 and audio.rms > 500


def test_fallback_when_pyttsx3_cannot_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tts, "_make_pyttsx3", _broken_pyttsx3)
    assert Audio.from_wav(Speaker(VoiceSettings(), _NoSpeaker()).synthesize("你好。")).seconds > 0.3


def test_clear_error_when_no_engine_works(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tts, "_make_pyttsx3", _broken_pyttsx3)
    missing = "/nonexistent/espeak-ng"
    monkeypatch.setattr(tts, "_make_espeak", lambda voice: tts._EspeakBackend(voice, missing))
    with pytest.raises(SpeechError, match="no speech engine works.*apt install espeak-ng"):
        Speaker(VoiceSettings(), _NoSpeaker()).synthesize("你好。")


def test_speak_goes_sentence_by_sentence_to_the_sink(tmp_path: Path) -> None:
    sink = WavFolderSink(tmp_path)
    Speaker(VoiceSettings(), sink).speak(ANSWER)
    assert len(sink.files()) == 2
    assert read_wav(sink.files()[1]).seconds < read_wav(sink.files()[0]).seconds


class _StoppingSink(WavFolderSink):
    """Calls speaker.stop() from another thread while the first sentence plays."""

    speaker: Speaker

    def play(self, audio: Audio) -> None:
        super().play(audio)
        stopper = threading.Thread(target=self.speaker.stop)
        stopper.start()
        stopper.join(timeout=5)


def test_stop_cuts_the_rest_short(tmp_path: Path) -> None:
    sink = _StoppingSink(tmp_path)
    speaker = Speaker(VoiceSettings(), sink)
    sink.speaker = speaker
    speaker.speak("第一句。第二句。第三句。")
    assert len(sink.files()) == 1
    assert not speaker.speaking.is_set()


def test_pyttsx3_itself_speaks_mandarin_at_the_requested_rate() -> None:
    pytest.importorskip("pyttsx3", reason="pyttsx3 not installed")
    front = FrontEnd.for_voice("cmn")
    text = front.input_for("您好，今天下午三点有太极拳活动。")
    engine = tts._make_pyttsx3(front.engine_voice)
    try:
        normal = engine.synth(text, 130)
        fast = engine.synth(text, 200)
    finally:
        engine.close()  # type: ignore[attr-defined]
    assert 4.0 < normal.seconds < 10.0 and normal.rms > 1000
    assert fast.seconds < normal.seconds * 0.8


class _Recording:
    """A real engine that notes what it is given."""

    def __init__(self, inner: tts.Backend, seen: List[Tuple[str, str]]) -> None:
        self.inner, self.seen, self.name = inner, seen, inner.name

    def synth(self, text: str, rate: int) -> Audio:
        self.seen.append((self.name, text))
        return self.inner.synth(text, rate)


def test_both_engines_are_given_the_same_front_end_output_and_say_it_alike() -> None:
    pytest.importorskip("pyttsx3", reason="pyttsx3 not installed")
    front = FrontEnd.for_voice(VoiceSettings().voice)
    seen: List[Tuple[str, str]] = []
    lengths = {}
    for make in (tts._make_pyttsx3, tts._make_espeak):
        speaker = Speaker(VoiceSettings(), _NoSpeaker())
        engine = make(front.engine_voice)
        speaker._backends = [_Recording(engine, seen)]
        try:
            lengths[engine.name] = Audio.from_wav(speaker.synthesize(ANSWER)).seconds
        finally:
            getattr(engine, "close", lambda: None)()
    given = {name: [text for who, text in seen if who == name] for name in lengths}
    assert given["pyttsx3"] == given["espeak-ng"] == [s.text for s in front.prepare(ANSWER).segments]
    assert lengths["pyttsx3"] == pytest.approx(lengths["espeak-ng"], rel=0.1)


def test_an_undeclared_voice_is_a_clear_error() -> None:
    with pytest.raises(SpeechError, match="voices.yaml"):
        Speaker(VoiceSettings(voice="en"), _NoSpeaker())


def test_no_loudspeaker_is_a_clear_error_when_the_speaker_is_made() -> None:
    from audio.capture import list_devices

    if any(d.outputs for d in list_devices()):
        pytest.skip("this machine has a loudspeaker")
    with pytest.raises(DeviceError, match="no loudspeaker.*--out FILE.wav"):
        Speaker(VoiceSettings())


def test_a_text_the_front_end_cannot_take_is_still_said(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tts, "_make_pyttsx3", _broken_pyttsx3)
    speaker = Speaker(VoiceSettings(), _NoSpeaker())

    def broken(text: str) -> None:
        raise ValueError("front end bug")

    monkeypatch.setattr(speaker.front_end, "prepare", broken)
    assert [s.text for s in speaker.segments("您好，明天见。")] == ["nin2 hao3， ming2 tian1 jian4。"]
    assert Audio.from_wav(speaker.synthesize("您好，明天见。")).seconds > 1.0
