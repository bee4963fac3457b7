"""The learned intent scorer: a linear model over character and pinyin n-grams of the whole utterance.

Templates are precise but know only the phrasings their authors thought of; this scorer is trained
at build time (``python -m intents.train``, scikit-learn) from a large exemplar set written in seniors'
own words (``intents/data/zh/exemplars/``) and stored as a small data file
(``intents/data/zh/classifier.json``). The device loads the weights and scores in pure Python: no
training library, a few hundred feature look-ups per utterance.

Features are taken from the *skeleton* (time words removed, catalog titles / categories / services /
family words replaced by one marker each), so 报名太极拳 and 报名书法班 look alike, and from its
folded pinyin, so a homophone the recogniser wrote (书发) still lands on the same features.
"""

from __future__ import annotations

import json
import logging
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from intents.pinyin import char_key
from intents.templates import DATA_DIR, MARKERS

_LOGGER = logging.getLogger(__name__)

MODEL_FILE = DATA_DIR / "classifier.json"
_MARKER_NAMES = {mark: f"<{kind}>" for kind, mark in MARKERS.items()}
_DIGITS = re.compile(r"\d+")


def tokens(skeleton: str) -> List[str]:
    """The skeleton as units: one Chinese character, one marker, or one number (as "0")."""
    units: List[str] = []
    for piece in re.findall(r"\d+|.", _DIGITS.sub("0", skeleton)):
        units.append(_MARKER_NAMES.get(piece, piece))
    return units


def features(skeleton: str) -> List[str]:
    """Character 1–3-grams and folded-pinyin 1–2-grams of the skeleton, with sentence edges."""
    units = tokens(skeleton)
    out: List[str] = []
    chars = ["^"] + units + ["$"]
    for n in (1, 2, 3):
        for i in range(len(chars) - n + 1):
            gram = chars[i:i + n]
            if n == 1 and gram[0] in "^$":
                continue
            out.append("c:" + "|".join(gram))
    sounds = ["^"] + [char_key(u) if len(u) == 1 else u for u in units] + ["$"]
    for n in (1, 2):
        for i in range(len(sounds) - n + 1):
            gram = sounds[i:i + n]
            if n == 1 and gram[0] in "^$":
                continue
            out.append("p:" + "|".join(gram))
    out.append(f"len:{min(len(units), 12) // 3}")
    return out


@dataclass(frozen=True)
class Scores:
    """Calibrated probabilities of every intent, best first."""

    ranked: Tuple[Tuple[str, float], ...]

    @property
    def best(self) -> Tuple[str, float]:
        return self.ranked[0] if self.ranked else ("unknown", 0.0)

    def prob(self, intent: str) -> float:
        for name, value in self.ranked:
            if name == intent:
                return value
        return 0.0

    @property
    def margin(self) -> float:
        """Probability of the best minus the second best."""
        if len(self.ranked) < 2:
            return self.best[1]
        return self.ranked[0][1] - self.ranked[1][1]


class Model:
    """Weights of the linear model: feature → [(class index, weight)], one bias per class."""

    def __init__(self, classes: Sequence[str], bias: Sequence[float],
                 weights: Dict[str, List[Tuple[int, float]]], temperature: float = 1.0) -> None:
        import numpy as np  # a dense feature × class matrix: one gather and a sum per utterance

        self.classes = tuple(classes)
        self.bias = tuple(bias)
        self.weights = weights
        self.temperature = temperature
        self._row = {feat: i for i, feat in enumerate(weights)}
        self._matrix = np.zeros((len(weights) + 1, len(self.classes)), dtype=np.float64)
        for feat, row in weights.items():
            for cls, weight in row:
                self._matrix[self._row[feat], cls] = weight
        self._bias = np.asarray(self.bias, dtype=np.float64)
        self._recent: Dict[str, "Scores"] = {}
        """The last few skeletons scored: a parse asks twice (the danger net, then the intent)."""

    @staticmethod
    def load(path: Path = MODEL_FILE) -> "Model":
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        scale = float(data.get("scale", 1.0))
        weights = {feat: [(int(c), w / scale) for c, w in zip(row[::2], row[1::2], strict=True)]
                   for feat, row in data["weights"].items()}
        return Model(data["classes"], data["bias"], weights, float(data.get("temperature", 1.0)))

    def logits(self, skeleton: str) -> Tuple[List[str], List[float]]:
        """(class names, raw scores) for one skeleton: binary features, L2-normalised as in training."""
        feats = set(features(skeleton))
        if not feats:
            return list(self.classes), list(self.bias)
        rows = [self._row[f] for f in feats if f in self._row]
        total = self._matrix[rows].sum(axis=0) if rows else 0.0
        logits = self._bias + total / math.sqrt(len(feats))
        return list(self.classes), [float(v) for v in logits]

    def score(self, skeleton: str) -> Scores:
        """Calibrated softmax over the classes for one skeleton."""
        known = self._recent.get(skeleton)
        if known is not None:
            return known
        scores = self._score(skeleton)
        if len(self._recent) >= 64:
            self._recent.clear()
        self._recent[skeleton] = scores
        return scores

    def _score(self, skeleton: str) -> Scores:
        _, logits = self.logits(skeleton)
        top = max(logits)
        exps = [math.exp((v - top) / self.temperature) for v in logits]
        total = sum(exps)
        pairs = ((c, e / total) for c, e in zip(self.classes, exps, strict=True))
        ranked = sorted(pairs, key=lambda x: -x[1])
        return Scores(tuple(ranked))


@lru_cache(maxsize=1)
def model() -> Optional[Model]:
    """The shipped model, or None when the data file is missing (then templates and cues alone)."""
    if not MODEL_FILE.exists():
        _LOGGER.warning("no intent model at %s: run `python -m intents.train`", MODEL_FILE)
        return None
    return Model.load(MODEL_FILE)
