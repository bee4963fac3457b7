"""Text to speech: pyttsx3 over espeak-ng (Mandarin), contained, with the espeak-ng program as fallback.

Every text goes through the pronunciation front end (audio.pronounce) first: the engines —
whichever of the two speaks — are given the same segments (tone-numbered pinyin for the
cmn-latn-pinyin voice), and the speaker adds the same short silence after each.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional, Protocol

from .errors import SpeechError
from .playback import Player
from .pronounce import FrontEnd, Segment, pause_seconds
from .wav import Audio

if TYPE_CHECKING:  # importing assistant runs its package __init__ (slow); only the type is needed
    from assistant.config import VoiceSettings

_LOGGER = logging.getLogger(__name__)

OUTPUT_RATE = 22050
"""Hz of synthesised audio (espeak-ng's native rate)."""
_SYNTH_TIMEOUT_S = 20.0
# Split after sentence ends, keeping the punctuation: "好的。明天见！" → ["好的。", "明天见！"].
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;…\n])")
_MIN_SECONDS = 0.05


def split_sentences(text: str) -> List[str]:
    """Sentences of `text` in order, punctuation kept, blanks dropped."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


class Backend(Protocol):
    """One way of turning text into audio."""

    name: str

    def synth(self, text: str, rate: int) -> Audio:
        """Speech for `text` at `rate` words per minute; raise SpeechError on failure."""


class _Pyttsx3Backend:
    """pyttsx3's espeak driver, kept in a box: a child process (audio.tts_worker), bounded waits.

    In-process, pyttsx3 2.99 returned from runAndWait() before writing the file whenever it
    was driven from a thread other than the main one; the child drives it from its main thread,
    and a hang or crash there is cut off by the timeout.
    """

    name = "pyttsx3"

    def __init__(self, voice: str) -> None:
        import pyttsx3  # noqa: F401 - fail here, not in the child, when it is not installed

        self._lock = threading.Lock()
        self._voice = voice
        self._rate = 0
        self._proc: Optional[subprocess.Popen] = None

    def _start(self, rate: int) -> None:
        """(Re)start the worker for `rate` wpm; ~40 ms, and only when the rate changes."""
        self.close()
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "audio.tts_worker", self._voice, str(rate)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, encoding="utf-8",
            cwd=str(Path(__file__).resolve().parent.parent))
        self._rate = rate
        self._request(None)

    def _request(self, request: Optional[dict]) -> None:
        proc = self._proc
        if proc is None or proc.stdin is None or proc.stdout is None:
            raise SpeechError("pyttsx3 worker is not running")
        stdout = proc.stdout
        if request is not None:
            try:
                proc.stdin.write(json.dumps(request, ensure_ascii=False) + "\n")
                proc.stdin.flush()
            except OSError as exc:
                raise SpeechError(f"pyttsx3 worker is gone: {exc}") from exc
        answer: List[str] = []
        reader = threading.Thread(target=lambda: answer.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(_SYNTH_TIMEOUT_S)
        if reader.is_alive() or not answer or not answer[0]:
            self.close()
            raise SpeechError(f"pyttsx3 gave no answer within {_SYNTH_TIMEOUT_S:.0f} s")
        reply = json.loads(answer[0])
        if not reply.get("ok"):
            raise SpeechError(f"pyttsx3 failed: {reply.get('error')}")

    def synth(self, text: str, rate: int) -> Audio:
        with self._lock, tempfile.TemporaryDirectory(prefix="yuechao-tts-") as tmp:
            path = os.path.join(tmp, "say.wav")
            if rate != self._rate or self._proc is None or self._proc.poll() is not None:
                self._start(rate)
            self._request({"text": text, "path": path})
            with open(path, "rb") as handle:
                return Audio.from_wav(handle.read(), "pyttsx3 output")

    def close(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait(timeout=5)
        self._proc = None


class _EspeakBackend:
    """The espeak-ng program writing WAV to stdout."""

    name = "espeak-ng"

    def __init__(self, voice: str, program: str = "espeak-ng") -> None:
        self._voice = voice
        self._program = shutil.which(program) or program

    def synth(self, text: str, rate: int) -> Audio:
        try:
            done = subprocess.run([self._program, "-v", self._voice, "-s", str(rate), "--stdout", text],
                                  capture_output=True, timeout=_SYNTH_TIMEOUT_S, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SpeechError(f"espeak-ng failed: {exc}") from exc
        if done.returncode != 0:
            detail = done.stderr.decode(errors="replace")[:200]
            raise SpeechError(f"espeak-ng exit {done.returncode}: {detail}")
        return Audio.from_wav(done.stdout, "espeak-ng output")


def _make_pyttsx3(voice: str) -> Backend:
    return _Pyttsx3Backend(voice)


def _make_espeak(voice: str) -> Backend:
    return _EspeakBackend(voice)


class Speaker:
    """Speaks replies sentence by sentence; stop() cuts the current speech short.

    voice: settings.voice (voice id, default rate in wpm, default volume 0–1).
    sink: where audio goes; None = the default loudspeaker (DeviceError if there is none).
    front_end: turns text into engine input; default: the one declared for voice.voice
    (SpeechError when audio/data/voices.yaml does not declare that voice).
    """

    def __init__(self, voice: VoiceSettings, sink: Optional[Player] = None,
                 front_end: Optional[FrontEnd] = None) -> None:
        self.voice = voice
        self.front_end = front_end or FrontEnd.for_voice(voice.voice)
        # The default loudspeaker is opened here, so a missing one (DeviceError) shows up when the
        # Speaker is made — where callers such as `chat --speak` can say so and carry on as text.
        self._sink: Player = sink if sink is not None else _default_sink()
        self._stop = threading.Event()
        self.speaking = threading.Event()
        """Set while audio is being played; the listener ignores the microphone meanwhile."""
        self._backends: Optional[List[Backend]] = None
        self._broken: List[str] = []

    def _get_backends(self) -> List[Backend]:
        if self._backends is None:
            self._backends = []
            for factory in (_make_pyttsx3, _make_espeak):
                try:
                    self._backends.append(factory(self.front_end.engine_voice))
                except Exception as exc:  # an engine that cannot start is skipped, and said so
                    self._broken.append(f"{factory.__name__.lstrip('_').replace('make_', '')}: {exc}")
                    _LOGGER.warning("speech engine unavailable: %s", self._broken[-1])
        return self._backends

    def _synth_one(self, text: str, rate: int, volume: float) -> Audio:
        problems = list(self._broken)
        for backend in list(self._get_backends()):
            try:
                audio = backend.synth(text, rate)
                if audio.seconds < _MIN_SECONDS or audio.rms == 0.0:
                    raise SpeechError(f"{backend.name} produced no sound")
            except SpeechError as exc:
                _LOGGER.warning("%s; trying the next engine", exc)
                problems.append(str(exc))
                self._backends.remove(backend)  # type: ignore[union-attr] - a failed engine stays off
                self._broken.append(str(exc))
                continue
            return audio.to_mono16(OUTPUT_RATE).scaled(volume)
        raise SpeechError("no speech engine works (" + "; ".join(problems)
                          + "); install espeak-ng: sudo apt install espeak-ng")

    def synthesize(self, text: str, rate: Optional[int] = None, volume: Optional[float] = None) -> bytes:
        """The whole text as 16-bit mono WAV bytes at OUTPUT_RATE."""
        audio = self.synthesize_audio(text, rate, volume)
        return audio.to_wav()

    def synthesize_audio(self, text: str, rate: Optional[int] = None,
                         volume: Optional[float] = None) -> Audio:
        """Like synthesize(), as an Audio value."""
        wpm, gain = rate or self.voice.rate, self._volume(volume)
        parts = [self._synth_segment(s, wpm, gain) for s in self.segments(text)]
        return Audio.concat(parts, OUTPUT_RATE)

    def segments(self, text: str) -> List[Segment]:
        """What the engines are given for `text`, piece by piece (see audio.pronounce)."""
        try:
            return list(self.front_end.prepare(text).segments)
        except Exception:  # a text the front end cannot take must still be said, plainly
            _LOGGER.exception("pronunciation front end failed on %r; saying its characters plainly", text)
            return list(self.front_end.plain(text).segments)

    def speak(self, text: str, rate: Optional[int] = None, volume: Optional[float] = None) -> None:
        """Say `text` (blocking), one segment at a time so the first words come fast."""
        self._stop.clear()
        sink = self._get_sink()
        self.speaking.set()
        try:
            for segment in self.segments(text):
                if self._stop.is_set():
                    break
                audio = self._synth_segment(segment, rate or self.voice.rate, self._volume(volume))
                if self._stop.is_set():
                    break
                sink.play(audio)
        finally:
            self.speaking.clear()

    def _synth_segment(self, segment: Segment, rate: int, volume: float) -> Audio:
        """One segment's speech followed by its pause (longer after a sentence than after a list item)."""
        audio = self._synth_one(segment.text, rate, volume)
        silence = Audio(bytes(int(pause_seconds(segment, rate) * OUTPUT_RATE) * 2), OUTPUT_RATE)
        return Audio.concat([audio, silence], OUTPUT_RATE)

    def warm_up(self) -> None:
        """Start the engines and the front end now (pyttsx3's worker takes ~0.6 s, pypinyin's
        dictionaries ~0.2 s), so the first answer comes fast."""
        for segment in self.segments("好。"):
            self._synth_segment(segment, self.voice.rate, self.voice.volume)

    def play(self, audio: Audio) -> None:
        """Play a prepared sound (e.g. the earcon) through the same sink."""
        self._get_sink().play(audio)

    def stop(self) -> None:
        """Cut the current speech short; the rest of the text is dropped."""
        self._stop.set()
        self._sink.stop()

    def _volume(self, volume: Optional[float]) -> float:
        return self.voice.volume if volume is None else max(0.0, min(1.0, volume))

    def _get_sink(self) -> Player:
        return self._sink


def _default_sink() -> Player:
    from .playback import SoundDevicePlayer

    return SoundDevicePlayer()
