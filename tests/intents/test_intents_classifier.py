"""The learned intent scorer: the shipped weights, the build step that makes them, and the device's needs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from intents import IntentId
from intents.classifier import MODEL_FILE, Model, features, model
from intents.train import RULES_ONLY, fit, to_model, write


def test_shipped_model_knows_every_intent_and_gives_probabilities() -> None:
    scorer = model()
    assert scorer is not None
    # skill.offer and poll.answer are read by rules only (intents.train.RULES_ONLY)
    assert set(scorer.classes) == {i.value for i in IntentId} - RULES_ONLY
    scores = scorer.score("\ue001报名")
    assert abs(sum(p for _, p in scores.ranked) - 1.0) < 1e-6
    assert scores.best[0] == "activity.book"


def test_features_see_markers_as_one_unit_and_sound_alike_characters_alike() -> None:
    assert "c:<activity>|报" in features("\ue001报")
    assert "p:su|fa" in features("书发") and "p:su|fa" in features("书法")


def test_build_step_round_trip(tmp_path: Path) -> None:
    """Train on a few sentences, write the JSON the device reads, load it back: same answers."""
    texts = ["我想报名", "帮我报个名", "报名参加", "我要报名", "几点了", "现在几点", "今天几号", "几点钟"]
    labels = ["activity.book"] * 4 + ["time.query"] * 4
    vec, clf = fit(texts, labels, c=4.0)
    path = tmp_path / "model.json"
    write(to_model(vec, clf, 1.0), path)
    loaded = Model.load(path)
    assert loaded.score("我要报名呀").best[0] == "activity.book"
    assert loaded.score("现在是几点").best[0] == "time.query"


def test_device_needs_no_training_library() -> None:
    """intents (and its scorer) import and parse without scikit-learn: the weights are plain JSON."""
    code = ("import sys, datetime, intents; "
            "intents.parse('明天有什么活动', datetime.datetime(2025, 3, 5, 10)); "
            "print('sklearn' in sys.modules, 'audio' in sys.modules, 'community' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "False"]
    assert MODEL_FILE.stat().st_size < 4 * 1024 * 1024
