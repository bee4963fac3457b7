"""What espeak-ng makes of engine input: its phoneme string (`espeak-ng -q -x`) and the fallbacks in it.

`espeak-ng -q -x` prints the phonemes of each clause on a line. A word the voice cannot read is
read with another language's rules, between switch marks: `(en)mI55Nt'u:55_| …(cmn)_|` is
"明" read as English "ming two". `fallbacks()` counts such words.

Many texts go through one espeak-ng process (`phonemize`): they are fed on stdin, one per
line, with a sentinel clause between them, so the output can be cut back into one phoneme
string per text — ~2 ms per short clause instead of ~12 ms for a process each.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import re
import shutil
import subprocess
import threading
from typing import Dict, List, Optional, Sequence, Tuple

from .errors import SpeechError

_LOGGER = logging.getLogger(__name__)

_SENTINEL = {"pinyin": "ling2 ling2 ling2 ling2 ling2 ling2 ling2 ling2 ling2 ling2 ling2",
             "hanzi": "零零零零零零零零零零零"}
"""A clause no real text contains (eleven 零), read between texts to find where each one ends."""
_SWITCH = re.compile(r"\(([a-z][a-z0-9-]*)\)")
_TIMEOUT_S = 600.0
_CLAUSE_END = "。！？；，、：.!?;,:"
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_CHARS_UTF8 = 1


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


class Translator:
    """espeak-ng's translator in this process: text → phonemes with libespeak-ng's
    espeak_TextToPhonemes (the library pyttsx3 drives), clause by clause, no sound made.

    For sweeps over tens of thousands of texts: the program synthesises the waveform even with
    `-q -x` (~1 ms a syllable), the translator alone takes ~10 µs. Its phoneme strings lack the
    program's tone sandhi and tone numbers, but the language switches `(en)…(cmn)` come from the
    same dictionary lookups, so `fallbacks()` counts the same (tests/audio check both agree).
    """

    _lock = threading.Lock()
    _lib: Optional[ctypes.CDLL] = None
    _voice: Optional[str] = None

    def __init__(self, voice: str) -> None:
        self.voice = voice
        with Translator._lock:
            if Translator._lib is None:
                name = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
                try:
                    lib = ctypes.CDLL(name)
                except OSError as exc:
                    raise SpeechError(f"libespeak-ng not found ({exc}): sudo apt install espeak-ng") from exc
                lib.espeak_Initialize.restype = ctypes.c_int
                lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
                lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
                lib.espeak_SetVoiceByName.restype = ctypes.c_int
                lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
                lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_char_p), ctypes.c_int,
                                                      ctypes.c_int]
                if lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, None, 0) <= 0:
                    raise SpeechError("libespeak-ng did not initialise (no espeak-ng-data?)")
                Translator._lib = lib

    def phonemes(self, text: str) -> str:
        """The phonemes of every clause of `text`, joined by a space."""
        lib = Translator._lib
        assert lib is not None
        with Translator._lock:
            if Translator._voice != self.voice:
                if lib.espeak_SetVoiceByName(self.voice.encode()) != 0:
                    raise SpeechError(f"espeak-ng has no voice {self.voice!r}")
                Translator._voice = self.voice
            # The translator holds the last word back (it might start a roman numeral with the next
            # one) until a clause ends: end every text with a clause mark so nothing carries over.
            line = _one_line(text)
            if line and line[-1] not in _CLAUSE_END:
                line += "。"
            buffer = ctypes.c_char_p(line.encode("utf-8"))
            pointer = ctypes.pointer(buffer)
            clauses: List[str] = []
            while pointer.contents.value:
                out = lib.espeak_TextToPhonemes(pointer, _CHARS_UTF8, 0)
                if out:
                    clauses.append(out.decode("utf-8", "replace").strip())
            return " ".join(c for c in clauses if c)


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


__all__: Sequence[str] = ["PhonemeCache", "Translator", "espeak_program", "fallbacks", "foreign_words",
                          "phonemize"]
