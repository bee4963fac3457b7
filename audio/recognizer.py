"""Vosk speech recognition: the model loaded once, streaming decoders, grammar and open modes together."""

from __future__ import annotations

import json
import logging
import re
import threading
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Sequence, Tuple

from models import FETCH_HINT, is_model_dir

from .errors import ModelMissingError
from .vocabulary import UNK_WORDS, Grammar, read_vocabulary

_LOGGER = logging.getLogger(__name__)

FREE_TEXT_INTENTS = frozenset({"reminder.create", "message.send"})
"""Intents whose content is free text: the open decoder's words carry it, not the grammar's."""
GRAMMAR_MIN_CONFIDENCE = 0.6
"""A grammar result below this mean word confidence is not trusted over the open one."""
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


class DecodeMode(str, Enum):
    """How a transcript was decoded."""

    OPEN = "open"
    GRAMMAR = "grammar"


@dataclass(frozen=True)
class Word:
    """One recognised word; times in seconds from the decoder's start."""

    word: str
    start: float
    end: float
    conf: float
    """0–1 posterior from the lattice."""


@dataclass(frozen=True)
class Transcript:
    """One endpointed utterance from one decoder."""

    words: Tuple[Word, ...]
    mode: DecodeMode

    @property
    def text(self) -> str:
        return join_words([w.word for w in self.words])

    @property
    def confidence(self) -> float:
        """Mean word confidence, 0 when nothing was recognised."""
        return sum(w.conf for w in self.words) / len(self.words) if self.words else 0.0


def join_words(words: Sequence[str]) -> str:
    """Words as text: no space between two Chinese characters ("明天 有" → "明天有"), else one."""
    out = ""
    for word in words:
        if out and not (_CJK.match(out[-1]) and _CJK.match(word[0])):
            out += " "
        out += word
    return out


class SpeechModel:
    """A Vosk model, loaded once per process and shared by every decoder."""

    def __init__(self, path: Path, model: Any) -> None:
        self.path = path
        self._model = model
        self._vocabulary: Optional[FrozenSet[str]] = None
        self._vocabulary_read = False
        self._lock = threading.Lock()

    @staticmethod
    def load(path: Path) -> "SpeechModel":
        """Load the model at `path`; ModelMissingError (naming the fetch command) if absent or broken."""
        path = Path(path)
        if not path.is_dir():
            raise ModelMissingError(f"no speech model at {path}; download it with: {FETCH_HINT}")
        if not is_model_dir(path):
            raise ModelMissingError(f"{path} is not a Vosk model (no am/final.mdl or conf/model.conf); "
                                    f"download it again with: {FETCH_HINT} (add --force to replace it)")
        try:
            import vosk
        except ImportError as exc:
            raise ModelMissingError("the vosk library is missing: pip install .[audio]") from exc
        vosk.SetLogLevel(-1)
        try:
            model = vosk.Model(str(path))
        except Exception as exc:  # vosk raises a bare Exception("Failed to create a model")
            raise ModelMissingError(f"the speech model at {path} cannot be loaded ({exc}); "
                                    f"download it again with: {FETCH_HINT} --force") from exc
        return SpeechModel(path, model)

    @property
    def supports_grammar(self) -> bool:
        """True for dynamic-graph models (graph/HCLr.fst + Gr.fst): grammars can be set at runtime."""
        return (self.path / "graph" / "HCLr.fst").is_file() and (self.path / "graph" / "Gr.fst").is_file()

    def vocabulary(self) -> Optional[FrozenSet[str]]:
        """The model's words (read once), or None when the model does not list them."""
        with self._lock:
            if not self._vocabulary_read:
                self._vocabulary = read_vocabulary(self.path)
                self._vocabulary_read = True
                if self._vocabulary is None:
                    _LOGGER.warning("%s lists no vocabulary; grammar words are passed unchecked", self.path)
        return self._vocabulary

    def unk_word(self) -> Optional[str]:
        """The garbage word a grammar may contain, if the model has one."""
        vocabulary = self.vocabulary()
        for word in UNK_WORDS:
            if vocabulary is None or word in vocabulary:
                return word
        return None

    def grammar(self, phrases: Sequence[str]) -> Grammar:
        return Grammar.build(phrases, self.vocabulary())

    def recognizer(self, rate: int, grammar: Optional[List[str]] = None) -> Any:
        import vosk

        if grammar is None:
            return vosk.KaldiRecognizer(self._model, rate)
        # ensure_ascii=False: Vosk does not decode \\uXXXX escapes and would drop every word
        return vosk.KaldiRecognizer(self._model, rate, json.dumps(grammar, ensure_ascii=False))


class Decoder:
    """One streaming Vosk recogniser: open (grammar=None) or restricted to a grammar."""

    def __init__(self, model: SpeechModel, rate: int = 16000, grammar: Optional[Grammar] = None,
                 extra_words: Sequence[str] = ()) -> None:
        self.model = model
        self.rate = rate
        self.mode = DecodeMode.OPEN if grammar is None else DecodeMode.GRAMMAR
        entries: Optional[List[str]] = None
        if grammar is not None:
            if not model.supports_grammar:
                _LOGGER.warning("%s has a static graph; grammar mode falls back to open decoding", model.path)
            else:
                unk = model.unk_word()
                entries = list(grammar.phrases) + list(extra_words) + ([unk] if unk else [])
        self._rec = model.recognizer(rate, entries)
        self._rec.SetWords(True)

    def accept(self, chunk: bytes) -> Optional[Transcript]:
        """Feed audio; a Transcript when the decoder detects the end of an utterance."""
        if self._rec.AcceptWaveform(chunk):
            return self._transcript(self._rec.Result())
        return None

    def partial(self) -> str:
        return str(json.loads(self._rec.PartialResult()).get("partial", ""))

    def finish(self) -> Transcript:
        """Flush the audio in hand into a Transcript (possibly empty) and start afresh."""
        return self._transcript(self._rec.FinalResult())

    def reset(self) -> None:
        self._rec.Reset()

    def _transcript(self, raw: str) -> Transcript:
        result: Dict[str, Any] = json.loads(raw)
        words = tuple(
            Word(str(w["word"]), float(w["start"]), float(w["end"]), float(w.get("conf", 1.0)))
            for w in result.get("result", []) if str(w["word"]) not in UNK_WORDS)
        return Transcript(words, self.mode)


@dataclass(frozen=True)
class Heard:
    """What the speaker understood from one utterance: the winning text and the others."""

    text: str
    alternatives: Tuple[str, ...]
    confidence: float
    mode: DecodeMode

    def to_event(self) -> Any:
        """As assistant.events.UtteranceHeard."""
        from assistant.events import UtteranceHeard

        return UtteranceHeard(self.text, self.alternatives, round(self.confidence, 3))


IntentOf = Callable[[str], Optional[str]]
"""intent_of(text) → intent id such as "activity.query", or None without an NLU."""


def choose(grammar: Optional[Transcript], open_: Optional[Transcript], intent_of: Optional[IntentOf] = None,
           min_confidence: float = GRAMMAR_MIN_CONFIDENCE) -> Optional[Heard]:
    """Pick the text the dialog gets; the other is passed on as an alternative.

    The grammar result wins when it is confident and names a command; the open result wins for
    free-text intents (reminder content, messages), when the grammar is unsure, and when the
    grammar result parses to "unknown". None when neither heard anything.
    """
    candidates = [t for t in (grammar, open_) if t is not None and t.text]
    if not candidates:
        return None
    winner = candidates[-1]  # open by default
    if grammar is not None and grammar.text and grammar.confidence >= min_confidence:
        intent = intent_of(grammar.text) if intent_of is not None else None
        free_text = intent in FREE_TEXT_INTENTS and open_ is not None and bool(open_.text)
        if intent != "unknown" and not free_text:
            winner = grammar
    if winner is open_ and open_ is not None and not open_.text:
        winner = candidates[0]
    others = tuple(dict.fromkeys(t.text for t in candidates if t is not winner and t.text != winner.text))
    return Heard(winner.text, others, winner.confidence, winner.mode)


class CommandRecognizer:
    """Grammar and open decoding of the same audio; one Heard per utterance.

    The open decoder's endpoint closes the utterance (the grammar one is flushed then), so both
    transcripts cover the same audio.
    """

    def __init__(self, model: SpeechModel, rate: int = 16000, grammar: Optional[Grammar] = None,
                 intent_of: Optional[IntentOf] = None) -> None:
        self.model = model
        self.rate = rate
        self.intent_of = intent_of
        self._open = Decoder(model, rate)
        self._grammar: Optional[Decoder] = None
        self._pending: Optional[Transcript] = None
        self.set_grammar(grammar)

    def set_grammar(self, grammar: Optional[Grammar]) -> None:
        """Replace the command grammar (e.g. when the activity catalog changed)."""
        usable = grammar is not None and grammar.phrases and self.model.supports_grammar
        self._grammar = Decoder(self.model, self.rate, grammar) if usable else None
        self._pending = None

    def accept(self, chunk: bytes) -> Optional[Heard]:
        """Feed audio; a Heard when an utterance ended with speech in it."""
        if self._grammar is not None:
            done = self._grammar.accept(chunk)
            if done is not None and done.words:
                self._pending = done
        open_done = self._open.accept(chunk)
        if open_done is None:
            return None
        return self._close(open_done)

    def finish(self) -> Optional[Heard]:
        """End of audio: whatever was said so far."""
        return self._close(self._open.finish())

    def _close(self, open_done: Transcript) -> Optional[Heard]:
        grammar_done = self._pending
        if self._grammar is not None:
            # Flush either way, so the next utterance starts clean. When the grammar decoder
            # endpointed first, what it heard after that is the open decoder's trailing audio.
            rest = self._grammar.finish()
            if grammar_done is None:
                grammar_done = rest
        self._pending = None
        return choose(grammar_done, open_done, self.intent_of)

    def reset(self) -> None:
        self._open.reset()
        if self._grammar is not None:
            self._grammar.reset()
        self._pending = None
