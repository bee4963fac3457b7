"""Build step: train the learned intent scorer and write intents/data/zh/classifier.json.

    python -m intents.train                # train on the exemplars + tests/data corpora, write the model
    python -m intents.train --eval FILE…   # also print intent accuracy of the scorer alone on labelled sets

Needs scikit-learn (the `dev` extra); the device only reads the JSON this writes (intents/classifier.py).
Training data: every ``intents/data/zh/exemplars/<intent>.txt`` (one sentence a line, written in
seniors' own words without reading the templates) and the labelled corpora in ``tests/data`` that were
written for the first NLU (the blind sets of docs/nlu.md are never trained on before they are scored).
Each sentence goes through the same analysis as at run time (lexical layer, repair, time words and
entities → skeleton), with a training catalog that knows many activity titles, so that what is learned
is the wording around a title, not the title itself.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import yaml

from intents.classifier import MODEL_FILE, features
from intents.parser import analyse
from intents.schema import Activity, Catalog, IntentId
from intents.templates import DATA_DIR

_LOGGER = logging.getLogger(__name__)

EXEMPLARS = DATA_DIR / "exemplars"
ROOT = Path(__file__).resolve().parents[1]
CORPORA = ("nlu_corpus.yaml", "nlu_noisy.yaml", "nlu_heldout.yaml", "nlu_heldout2.yaml",
           "heldout_1.yaml", "heldout_2.yaml", "blind_a.yaml", "blind_a_conv.yaml", "blind_b.yaml",
           "blind_b_conv.yaml", "blind_d.yaml", "blind_d_conv.yaml", "blind_f.yaml", "blind_f_conv.yaml",
           "blind_h.yaml", "blind_h_conv.yaml", "blind_j.yaml", "blind_j_conv.yaml",
           "blind_l.yaml", "blind_l_conv.yaml", "blind_p.yaml", "blind_p_conv.yaml", "blind_s.yaml",
           "blind_s_conv.yaml", "blind_u.yaml", "blind_u_conv.yaml", "blind_w.yaml",
           "blind_x.yaml", "blind_x_conv.yaml", "blind_z.yaml", "blind_aa.yaml", "blind_aa_conv.yaml",
           "blind_ac.yaml", "blind_ad.yaml", "blind_ae.yaml", "blind_ae_conv.yaml", "blind_ag.yaml",
           "blind_ah.yaml", "blind_ai.yaml", "blind_ai_conv.yaml", "blind_ak.yaml", "blind_al.yaml",
           "blind_al_conv.yaml", "blind_an.yaml", "blind_ap.yaml", "blind_ar.yaml",
           "blind_at.yaml", "blind_au.yaml", "blind_aw.yaml", "blind_aw_conv.yaml",
           "emergency_neg.yaml", "emergency_pos.yaml", "emergency_cancel.yaml")
"""Labelled sets trained on: a blind set joins only after its one-shot score is recorded in docs/nlu.md."""
RULES_ONLY = frozenset(("skill.offer", "poll.answer"))
"""Intents the scorer never learns: an offer to teach is read by intents/skill.py's rules (a learned guess
would ask "您可以教大家什么？" of someone who wants to learn), a poll answer only against its options."""
NOW = datetime(2025, 3, 10, 10, 0)
EXTRA_TITLES = (
    ("粤剧欣赏", "娱乐"), ("插花", "文化"), ("乒乓球", "运动"), ("健步走", "运动"), ("粤曲班", "娱乐"),
    ("国画班", "文化"), ("太极扇", "运动"), ("门球", "运动"), ("急救课", "健康"), ("防诈骗讲座", "学习"),
    ("麻将", "娱乐"), ("电影放映", "娱乐"), ("包饺子", "娱乐"), ("生日会", "娱乐"), ("义诊", "健康"),
)
C = 4.0
"""Inverse regularisation of the logistic regression (chosen on a 5-fold split of the training data)."""


def training_catalog() -> Catalog:
    """The test catalog, the demo programme and extra titles, so titles in exemplars become markers."""
    from intents.demo import demo_catalog

    base = Catalog.load(ROOT / "tests" / "data" / "catalog.json").activities
    demo = demo_catalog(NOW).activities
    extra = tuple(Activity(id=f"x{i}", title=title, category=cat, start=NOW + timedelta(days=i % 7, hours=1))
                  for i, (title, cat) in enumerate(EXTRA_TITLES))
    return Catalog(tuple(base) + tuple(demo) + extra)


def load_exemplars() -> List[Tuple[str, str]]:
    out: List[Tuple[str, str]] = []
    for path in sorted(EXEMPLARS.glob("*.txt")):
        intent = IntentId(path.stem).value
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                out.append((line, intent))
    return out


def load_corpus(path: Path) -> List[Tuple[str, str, datetime]]:
    with open(path, encoding="utf-8") as handle:
        groups = yaml.safe_load(handle)
    return [(str(text), intent, datetime.strptime(g["now"], "%Y-%m-%dT%H:%M"))
            for g in groups for text, intent, _ in g["cases"]]


def skeleton(text: str, now: datetime, catalog: Catalog) -> str:
    _, analysis = analyse(text, now, catalog)
    return analysis.skeleton if analysis is not None else ""


def dataset(catalog: Catalog, leave_out: Sequence[str] = ()) -> Tuple[List[str], List[str]]:
    texts: List[str] = []
    labels: List[str] = []
    for text, intent in load_exemplars():
        texts.append(skeleton(text, NOW, catalog))
        labels.append(intent)
    for name in CORPORA:
        if name in leave_out:
            continue
        path = ROOT / "tests" / "data" / name
        if path.exists():
            for text, intent, now in load_corpus(path):
                if intent in RULES_ONLY:
                    continue
                texts.append(skeleton(text, now, catalog))
                labels.append(intent)
    return texts, labels


def fit(texts: Sequence[str], labels: Sequence[str], c: float = C):  # type: ignore[no-untyped-def]
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import normalize

    vec = DictVectorizer()
    x = normalize(vec.fit_transform([{f: 1.0 for f in set(features(t))} for t in texts]))
    clf = LogisticRegression(C=c, max_iter=3000)
    clf.fit(x, list(labels))
    return vec, clf


def temperature(texts: Sequence[str], labels: Sequence[str], c: float = C) -> float:
    """Softmax temperature that minimises held-out log loss over a 5-fold split (calibration)."""
    from sklearn.model_selection import StratifiedKFold


    pairs: List[Tuple[Dict[str, float], str, object]] = []
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=7)
    for train_idx, test_idx in folds.split(list(texts), list(labels)):
        vec, clf = fit([texts[i] for i in train_idx], [labels[i] for i in train_idx], c)
        model = to_model(vec, clf)
        for i in test_idx:
            pairs.append(({}, labels[i], model.logits(texts[i])))
    best, best_loss = 1.0, math.inf
    for t in [0.5 + 0.1 * k for k in range(26)]:
        loss = 0.0
        for _, label, logits in pairs:
            names, values = logits  # type: ignore[misc]
            top = max(values)
            exps = [math.exp((v - top) / t) for v in values]
            total = sum(exps)
            loss -= math.log(max(1e-12, exps[names.index(label)] / total))
        if loss < best_loss:
            best, best_loss = t, loss
    return round(best, 2)


def to_model(vec, clf, temp: float = 1.0):  # type: ignore[no-untyped-def]
    from intents.classifier import Model

    names = vec.get_feature_names_out()
    coef, intercept = clf.coef_, clf.intercept_
    if coef.shape[0] == 1:  # two classes: scikit-learn keeps one row; softmax needs one per class
        import numpy as np

        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    weights: Dict[str, List[Tuple[int, float]]] = {}
    for j, feat in enumerate(names):
        column = coef[:, j]
        row = [(int(k), float(w)) for k, w in enumerate(column) if abs(w) >= 0.03]
        if row:
            weights[str(feat)] = row
    return Model([str(c) for c in clf.classes_], [float(b) for b in intercept], weights, temp)


def write(model, path: Path = MODEL_FILE) -> None:  # type: ignore[no-untyped-def]
    scale = 100
    data = {
        "about": "intent scorer of intents/classifier.py; written by `python -m intents.train`",
        "classes": list(model.classes),
        "bias": [round(b, 3) for b in model.bias],
        "temperature": model.temperature,
        "scale": scale,
        "weights": {feat: [v for cls, w in row for v in (cls, int(round(w * scale)))]
                    for feat, row in sorted(model.weights.items())},
    }
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")


def evaluate(model, paths: Sequence[str], catalog: Catalog) -> None:  # type: ignore[no-untyped-def]
    for name in paths:
        cases = load_corpus(Path(name))
        ok = 0
        for text, intent, now in cases:
            got = model.score(skeleton(text, now, catalog)).best[0]
            ok += got == intent
        print(f"{name}: scorer alone {100 * ok / max(1, len(cases)):.1f}% intent on {len(cases)}")


def compare(catalog: Catalog, held_out: Sequence[str]) -> None:
    """How the candidate methods do on sets left out of training (the choice in docs/nlu.md)."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import normalize
    from sklearn.svm import LinearSVC

    names = [Path(p).name for p in held_out]
    texts, labels = dataset(catalog, leave_out=names)
    tests = [(skeleton(t, now, catalog), intent) for p in held_out for t, intent, now in load_corpus(Path(p))]

    def feats(text: str, kinds: str) -> Dict[str, float]:
        return {f: 1.0 for f in set(features(text)) if f[0] in kinds}

    def logistic() -> LogisticRegression:
        return LogisticRegression(C=C, max_iter=3000)

    for label, kinds, make in (
            ("logistic regression, char 1-3 + pinyin 1-2", "cpl", logistic),
            ("linear SVM, char 1-3 + pinyin 1-2", "cpl", lambda: LinearSVC(C=0.5)),
            ("logistic regression, char 1-3 only", "cl", logistic),
            ("logistic regression, pinyin 1-2 only", "pl", logistic)):
        vec = DictVectorizer()
        x = normalize(vec.fit_transform([feats(t, kinds) for t in texts]))
        clf = make().fit(x, labels)  # type: ignore[operator]
        got = clf.predict(normalize(vec.transform([feats(t, kinds) for t, _ in tests])))
        acc = sum(g == want for g, (_, want) in zip(got, tests, strict=True)) / len(tests)
        print(f"{label}: {acc:.1%} intent on {len(tests)} held-out sentences (scorer alone)")


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(prog="python -m intents.train", description=__doc__.splitlines()[0])
    parser.add_argument("--eval", nargs="*", default=[], help="labelled sets to score the scorer alone on")
    parser.add_argument("--c", type=float, default=C)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--compare", nargs="*", default=None,
                        help="train candidate methods without these labelled sets and score them on them")
    args = parser.parse_args(list(argv) or None)
    catalog = training_catalog()
    if args.compare:
        compare(catalog, args.compare)
        return 0
    texts, labels = dataset(catalog)
    vec, clf = fit(texts, labels, args.c)
    temp = temperature(texts, labels, args.c)
    model = to_model(vec, clf, temp)
    print(f"trained on {len(texts)} sentences, {len(set(labels))} intents, {len(model.weights)} features, "
          f"temperature {temp}")
    if not args.no_write:
        write(model)
        print(f"wrote {MODEL_FILE} ({MODEL_FILE.stat().st_size // 1024} KiB)")
    if args.eval:
        evaluate(model, args.eval, catalog)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
