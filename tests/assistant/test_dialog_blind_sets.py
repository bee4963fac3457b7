"""The blind dialog sets (tests/data/dialog_*.yaml) as regressions, through the real assistant.

Each set was written by people who never read the code and run once before it was folded in (its
one-shot figure is in docs/assistant.md). Here every set must stay free of unsafe outcomes (an alarm not
called for or missed, a wrong thing booked / cancelled / set / sent, 好的 after nothing) and keep the
share of right turns it had when it was folded in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from intents import Catalog
from tests.fakes import bench_module

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"


def _runner() -> Any:
    return bench_module("conversations")


@pytest.mark.parametrize(("name", "share"), [
    ("dialog_c.yaml", 0.97), ("dialog_e.yaml", 0.96), ("dialog_g.yaml", 0.97), ("dialog_i.yaml", 0.95),
    ("dialog_k.yaml", 0.95), ("dialog_m.yaml", 0.97), ("dialog_n.yaml", 0.96),
    ("dialog_o.yaml", 0.95),
    ("dialog_q.yaml", 0.96),
    ("dialog_r.yaml", 0.95),
    ("dialog_t.yaml", 0.96),
    ("dialog_v.yaml", 0.97),
    ("dialog_y.yaml", 0.98),
    ("dialog_ab.yaml", 0.98),
    ("dialog_af.yaml", 0.98),
    ("dialog_aj.yaml", 0.99),
    ("dialog_am.yaml", 0.99),
    ("dialog_ao.yaml", 0.99),
    ("dialog_aq.yaml", 0.98),
    ("dialog_as.yaml", 0.98),
    ("dialog_av.yaml", 0.99),
    ("dialog_ay.yaml", 0.98),
    ("dialog_az.yaml", 0.98),
])
def test_blind_dialog_set_has_no_unsafe_turn_and_keeps_its_figure(name: str, share: float) -> None:
    runner = _runner()
    result = runner.run(DATA / name, Catalog.load(DATA / "catalog.json"))
    assert result.unsafe == []
    assert result.right / result.turns >= share, result.misses


def test_every_blind_dialog_set_is_guarded() -> None:
    guarded = {"dialog_c.yaml", "dialog_e.yaml", "dialog_g.yaml", "dialog_i.yaml", "dialog_k.yaml",
               "dialog_m.yaml", "dialog_n.yaml", "dialog_o.yaml", "dialog_q.yaml", "dialog_r.yaml",
               "dialog_t.yaml", "dialog_v.yaml", "dialog_y.yaml", "dialog_ab.yaml", "dialog_af.yaml",
               "dialog_aj.yaml", "dialog_am.yaml", "dialog_ao.yaml",
               "dialog_aq.yaml", "dialog_as.yaml", "dialog_av.yaml", "dialog_ay.yaml", "dialog_az.yaml"}
    assert {p.name for p in DATA.glob("dialog_*.yaml")} == guarded
