"""The speaker loop: wake phrase → earcon → listen → understand → answer, then listen again."""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Callable, Iterable, List, Optional, Protocol, Sequence, Tuple

import numpy as np

from .recognizer import CommandRecognizer, Heard, IntentOf, SpeechModel
from .tts import OUTPUT_RATE, Speaker
from .wakeword import WakeWordDetector
from .wav import Audio

_LOGGER = logging.getLogger(__name__)

ANSWERS_FILE = Path(__file__).resolve().parent / "data" / "answers.json"


def answer_phrases(lang: str = "zh") -> Tuple[str, ...]:
    """The context grammar for answers to a question (是的 / 对 / 好 / 不要 / 算了 …)."""
    with open(ANSWERS_FILE, encoding="utf-8") as handle:
        return tuple(json.load(handle)[lang])


def earcon(rate: int = OUTPUT_RATE) -> Audio:
    """The "I'm listening" sound: two rising 90 ms tones, soft."""
    parts = []
    for freq in (660.0, 880.0):
        t = np.arange(int(0.09 * rate)) / rate
        fade = np.minimum(1.0, np.minimum(t, t[::-1]) / 0.01)  # 10 ms ramps, no clicks
        parts.append(0.3 * np.sin(2 * np.pi * freq * t) * fade)
    samples = np.concatenate(parts) * 32767
    return Audio(samples.astype("<i2").tobytes(), rate)


class Source(Protocol):
    """A microphone or a WavSource: 16-bit mono chunks at `rate`."""

    rate: int

    def __iter__(self) -> Any: ...

    def flush(self) -> None: ...


class ReplyLike(Protocol):
    """assistant.dialog.Reply, as far as the audio side reads it."""

    text: str
    expects_answer: bool
    voice_rate: int
    voice_volume: float
    stop_speaking: bool


class State(str, Enum):
    """What the loop listens for."""

    IDLE = "idle"
    """Only the wake phrase (or push-to-talk)."""
    COMMAND = "command"
    """A command, after the wake phrase."""
    ANSWER = "answer"
    """A reply to the speaker's question, without the wake phrase."""


@dataclass(frozen=True)
class LoopTiming:
    """Time limits, counted in audio seconds (not the wall clock)."""

    command_seconds: float = 8.0
    """After the wake phrase: give up when nothing was said for this long."""
    answer_seconds: float = 6.0
    """After a question: listen this long for the answer without the wake phrase."""


class SpeakerLoop:
    """Drives one source through wake word, recognition and answers.

    respond(heard) → replies: the brain (Assistant.process(heard.to_event()) in `run`).
    grammar_phrases() → command phrases; called again whenever grammar_version() changes.
    """

    def __init__(self, source: Source, model: SpeechModel, speaker: Speaker,
                 respond: Callable[[Heard], Sequence[ReplyLike]], wake_phrases: Sequence[str], *,
                 grammar_phrases: Callable[[], Sequence[str]] = tuple,
                 grammar_version: Callable[[], int] = lambda: 0,
                 answers: Sequence[str] = (), intent_of: Optional[IntentOf] = None,
                 timing: LoopTiming = LoopTiming(), push_to_talk: Optional[threading.Event] = None,
                 heartbeat: Callable[[], None] = lambda: None) -> None:
        self.source = source
        self.model = model
        self.speaker = speaker
        self.respond = respond
        self.timing = timing
        self.push_to_talk = push_to_talk or threading.Event()
        self.heartbeat = heartbeat
        """Called for every audio chunk taken from the source (the systemd watchdog's "capture")."""
        self.state = State.IDLE
        self.heard: List[Heard] = []
        """Every utterance passed to respond(), in order (for logs and tests)."""
        self._grammar_phrases, self._grammar_version = grammar_phrases, grammar_version
        self._version: Optional[int] = None
        self._wake = WakeWordDetector(model, wake_phrases, source.rate)
        self._command = CommandRecognizer(model, source.rate, None, intent_of)
        self._answer = CommandRecognizer(model, source.rate, model.grammar(answers) if answers else None,
                                         intent_of)
        self._speech_lock = threading.Lock()
        self._stop = threading.Event()
        self._elapsed = 0.0
        self._was_speaking = False

    @property
    def wake_phrases(self) -> Tuple[str, ...]:
        """The wake phrases actually listened for (those the model can spell)."""
        return self._wake.phrases

    def stop(self) -> None:
        """Make run() return after the current chunk."""
        self._stop.set()

    def say(self, reply: ReplyLike) -> None:
        """Speak one reply (also called from the dialog thread for reminders and announcements)."""
        if reply.stop_speaking:
            self.speaker.stop()
            return
        with self._speech_lock:
            self.speaker.speak(reply.text, rate=reply.voice_rate, volume=reply.voice_volume)

    def run(self) -> None:
        """Consume the source until it ends or stop() is called."""
        for chunk in self.source:
            if self._stop.is_set():
                break
            self.heartbeat()
            if self.speaker.speaking.is_set():
                self._was_speaking = True  # never listen to ourselves
                continue
            if self._was_speaking:
                self._was_speaking = False
                self.source.flush()
                continue
            self._step(chunk)
        if self.state is not State.IDLE:
            recognizer = self._command if self.state is State.COMMAND else self._answer
            heard = recognizer.finish()
            if heard is not None:
                self._answer_heard(heard)

    def _step(self, chunk: bytes) -> None:
        if self.state is State.IDLE:
            hit = self._wake.accept(chunk)
            if hit is not None:
                _LOGGER.info("wake phrase %s (%.2f)", hit.phrase, hit.confidence)
                self._listen(State.COMMAND, hit.rest)
            elif self.push_to_talk.is_set():
                self.push_to_talk.clear()
                self._listen(State.COMMAND, b"")
            return
        recognizer = self._command if self.state is State.COMMAND else self._answer
        self._elapsed += len(chunk) / (2 * self.source.rate)
        heard = recognizer.accept(chunk)
        if heard is not None:
            self._answer_heard(heard)
        elif self._elapsed > self._limit():
            _LOGGER.info("nothing heard in %.1f s; back to waiting for the wake phrase", self._elapsed)
            self._idle()

    def _limit(self) -> float:
        return self.timing.command_seconds if self.state is State.COMMAND else self.timing.answer_seconds

    def _listen(self, state: State, rest: bytes) -> None:
        self.state = state
        self._elapsed = 0.0
        if state is State.COMMAND:
            self._refresh_grammar()
            self._command.reset()
            with self._speech_lock:
                self.speaker.play(earcon())
        else:
            self._answer.reset()
        if rest:
            recognizer = self._command if state is State.COMMAND else self._answer
            heard = recognizer.accept(rest)
            if heard is not None:
                self._answer_heard(heard)

    def _refresh_grammar(self) -> None:
        version = self._grammar_version()
        if version == self._version:
            return
        self._version = version
        phrases = list(self._grammar_phrases())
        grammar = self.model.grammar(phrases) if phrases else None
        if grammar is not None:
            _LOGGER.info("command grammar: %d phrases, %d pieces not in the vocabulary",
                         len(grammar.phrases), len(grammar.dropped))
        self._command.set_grammar(grammar)

    def _answer_heard(self, heard: Heard) -> None:
        _LOGGER.info("heard %r (%.2f, %s; alternatives %s)", heard.text, heard.confidence, heard.mode.value,
                     heard.alternatives)
        self.heard.append(heard)
        replies = list(self.respond(heard))
        for reply in replies:
            self.say(reply)
        self.source.flush()  # drop what the microphone caught while we talked
        if any(r.expects_answer for r in replies):
            self._listen(State.ANSWER, b"")
        else:
            self._idle()

    def _idle(self) -> None:
        self.state = State.IDLE
        self._wake.reset()


def chunks_of(audio: Audio, seconds: float = 0.1) -> Iterable[bytes]:
    """Split 16-bit mono audio into chunks (for feeding a loop from memory)."""
    step = max(2, int(seconds * audio.rate) * 2)
    return (audio.pcm[i:i + step] for i in range(0, len(audio.pcm), step))
