"""Wake-phrase spotting with a small grammar recogniser: the phrases, weighted, among filler words."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from .errors import ModelMissingError
from .recognizer import Decoder, SpeechModel, Transcript
from .vocabulary import Grammar, split_words

_LOGGER = logging.getLogger(__name__)

FILLER_COUNT = 100
"""Single-character words competing with the wake phrases, so other speech is not forced onto them."""
PHRASE_WEIGHT = 30
"""How often each phrase is repeated in the grammar: its weight in Vosk's bigram grammar model.

Measured with the Korean model and espeak-ng speech: with 100 fillers, weight 1 never fired and
weight 100 fired on unrelated sentences; 30 fired on the phrase alone and not on four sentences
without it (tests/audio/test_audio_wakeword.py).
"""
MIN_CONFIDENCE = 0.6
"""Mean word confidence a spotted phrase needs."""


@dataclass(frozen=True)
class WakeHit:
    """A wake phrase was heard."""

    phrase: str
    """The configured phrase, as written in settings."""
    confidence: float
    rest: bytes
    """Audio of the same utterance after the phrase ("小巢小巢 明天有什么活动" without a pause)."""


class WakeWordDetector:
    """Listens for any of `phrases` in a stream of 16-bit mono chunks."""

    def __init__(self, model: SpeechModel, phrases: Sequence[str], rate: int = 16000,
                 min_confidence: float = MIN_CONFIDENCE, fillers: int = FILLER_COUNT) -> None:
        self.rate = rate
        self.min_confidence = min_confidence
        vocabulary = model.vocabulary()
        self._targets: List[Tuple[str, Tuple[str, ...]]] = []
        dropped: List[str] = []
        for phrase in phrases:
            words, missing = split_words(phrase, vocabulary)
            dropped += missing
            if words and not missing:
                self._targets.append((phrase, tuple(words)))
        if not self._targets:
            raise ModelMissingError(
                f"none of the wake phrases {list(phrases)} can be spelled with the words of {model.path} "
                f"(missing: {' '.join(dropped)}); set dialog.wake_phrases to phrases in the model's language")
        self.dropped = tuple(dropped)
        own = {w for _, words in self._targets for w in words}
        entries = [" ".join(words) for _, words in self._targets] * PHRASE_WEIGHT
        entries += _fillers(vocabulary, own, fillers)
        self._decoder = Decoder(model, rate, Grammar(tuple(entries)))
        self._audio = bytearray()
        self._fed = 0
        """Bytes fed since the decoder started; Vosk's word times count from there."""

    @property
    def phrases(self) -> Tuple[str, ...]:
        """The phrases actually listened for (those the model can spell)."""
        return tuple(p for p, _ in self._targets)

    def accept(self, chunk: bytes) -> Optional[WakeHit]:
        """Feed audio; a WakeHit at the end of an utterance that contained a phrase."""
        self._audio += chunk
        self._fed += len(chunk)
        done = self._decoder.accept(chunk)
        return self._check(done) if done is not None else None

    def finish(self) -> Optional[WakeHit]:
        return self._check(self._decoder.finish())

    def reset(self) -> None:
        self._decoder.reset()
        self._audio.clear()  # Vosk's word clock keeps running across Reset(), so _fed does too

    def _check(self, done: Transcript) -> Optional[WakeHit]:
        audio, self._audio = bytes(self._audio), bytearray()
        words = done.words
        for phrase, target in self._targets:
            n = len(target)
            for i in range(len(words) - n + 1):
                if tuple(w.word for w in words[i:i + n]) != target:
                    continue
                conf = sum(w.conf for w in words[i:i + n]) / n
                if conf < self.min_confidence:
                    _LOGGER.debug("wake phrase %s at %.2f below %.2f", phrase, conf, self.min_confidence)
                    continue
                # Word times count from the decoder's start; the buffer holds only this utterance.
                buffer_start = (self._fed - len(audio)) / (2 * self.rate)
                cut = int((words[i + n - 1].end - buffer_start) * self.rate) * 2
                return WakeHit(phrase, conf, audio[max(0, cut):])
        return None


def _fillers(vocabulary: Optional[frozenset], own: set, count: int) -> List[str]:
    """`count` single-letter words spread evenly over the sorted vocabulary, excluding the phrases' own."""
    if vocabulary is None or count <= 0:
        return []
    singles = sorted(w for w in vocabulary if len(w) == 1 and w.isalpha() and w not in own)
    if not singles:
        return []
    step = max(1, len(singles) // count)
    return singles[::step][:count]
