"""What espeak-ng makes of engine input: its phoneme string (`espeak-ng -q -x`) and the fallbacks in it.

`espeak-ng -q -x` prints the phonemes of each clause on a line. A word the voice cannot read is
read with another language's rules, between switch marks: `(en)mI55Nt'u:55_| …(cmn)_|` is
"明" read as English "ming two". `fallbacks()` counts such words.

Many texts go through one espeak-ng process (`phonemize`): they are fed on stdin, one per
line, with a sentinel clause between them, so the output can be cut back into one phoneme
string per text — ~2 ms per short clause instead of ~12 ms for a process each.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from typing import Dict, List, Sequence, Tuple

from .errors import SpeechError

_LOGGER = logging.getLogger(__name__)

_SENTINEL = {"pinyin": "ling2 ling2 ling2 ling2 ling2 ling2 ling2 ling2 ling2 ling2 ling2",
             "hanzi": "零零零零零零零零零零零"}
"""A clause no real text contains (eleven 零), read between texts to find where each one ends."""
_SWITCH = re.compile(r"\(([a-z][a-z0-9-]*)\)")
_TIMEOUT_S = 600.0


def espeak_program() -> str:
    """The espeak-ng program; SpeechError when it is not installed."""
    path = shutil.which("espeak-ng")
    if path is None:
        raise SpeechError("espeak-ng is not installed: sudo apt install espeak-ng")
    return path


def _run(voice: str, text: str) -> List[str]:
    try:
        done = subprocess.run([espeak_program(), "-v", voice, "-q", "-x"], input=text, capture_output=True,
                              text=True, encoding="utf-8", timeout=_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SpeechError(f"espeak-ng -x failed: {exc}") from exc
    if done.returncode != 0:
        raise SpeechError(f"espeak-ng -x exit {done.returncode}: {done.stderr[:200]}")
    return done.stdout.splitlines()


def _one_line(text: str) -> str:
    return " ".join(text.split())


def phonemize(inputs: Sequence[str], voice: str, reads: str = "pinyin") -> List[str]:
    """espeak-ng's phonemes (`-q -x`, clause lines joined by a space) for each input, in one process.

    voice: the espeak-ng voice the engine is given (cmn-latn-pinyin); reads: what it reads
    ("pinyin" or "hanzi"), which picks the sentinel clause written in that voice's input.
    """
    lines = [_one_line(t) for t in inputs]
    if not lines:
        return []
    sentinel_in = _SENTINEL[reads]
    marker = [line for line in _run(voice, sentinel_in) if line.strip()]
    if len(lines) == 1:
        return [" ".join(x.strip() for x in _run(voice, lines[0]) if x.strip())]
    feed = ("\n" + sentinel_in + "\n").join(lines) + "\n"
    out = _run(voice, feed)
    pieces: List[List[str]] = [[]]
    for line in out:
        if [line] == marker or (marker and line.strip() == marker[0].strip()):
            pieces.append([])
        elif line.strip():
            pieces[-1].append(line.strip())
    if len(pieces) != len(lines) or any(sentinel_in in line for line in lines):
        _LOGGER.info("phonemize: sentinel split gave %d pieces for %d texts; one process each",
                     len(pieces), len(lines))
        return [" ".join(x.strip() for x in _run(voice, line) if x.strip()) for line in lines]
    return [" ".join(piece) for piece in pieces]


def foreign_words(phonemes: str, lang: str) -> List[str]:
    """The words of `phonemes` read with another language's rules than `lang` (e.g. cmn)."""
    found: List[str] = []
    current = lang
    for word in phonemes.split():
        foreign = False
        for i, part in enumerate(_SWITCH.split(word)):
            if i % 2 == 1:  # a switch mark's language
                current = part
            elif current != lang and part.strip("_|: "):
                foreign = True
        if foreign:
            found.append(word)
    return found


def fallbacks(phonemes: str, lang: str) -> int:
    """How many words of `phonemes` espeak-ng reads with another language's rules than `lang`."""
    return len(foreign_words(phonemes, lang))


class PhonemeCache:
    """phonemize() with memory: each distinct input goes to espeak-ng once (for large test sweeps)."""

    def __init__(self, voice: str, reads: str = "pinyin") -> None:
        self.voice, self.reads = voice, reads
        self._known: Dict[str, str] = {}

    def get_many(self, inputs: Sequence[str]) -> List[str]:
        missing = sorted({_one_line(t) for t in inputs} - set(self._known))
        if missing:
            self._known.update(zip(missing, phonemize(missing, self.voice, self.reads), strict=True))
        return [self._known[_one_line(t)] for t in inputs]

    def items(self) -> List[Tuple[str, str]]:
        return list(self._known.items())


__all__: Sequence[str] = ["PhonemeCache", "espeak_program", "fallbacks", "foreign_words", "phonemize"]
