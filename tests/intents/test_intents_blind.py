"""Blind sets as regressions, and the safety properties of issue 11 over every labelled sentence.

The blind sets (tests/data/blind_*.yaml) were written from the contract alone by people who had not read
the code; their one-shot figures are in docs/nlu.md. Here they guard against regressions: the figures
must not fall below what they were when folded in, and the safety properties hold exactly.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
import yaml

from intents import Catalog, IntentId, classifier, parse
from intents.emergency import assess, vetoed
from intents.lexical import fold
from intents.normalize import clean, normalize
from intents.parser import LEARNED_DANGER_HEARD
from tests.fakes import bench_module

DATA = Path(__file__).resolve().parents[1] / "data"
CATALOG = Catalog.load(DATA / "catalog.json")
ACTIONS = {"activity.book", "booking.cancel", "reminder.cancel", "service.book"}

Case = Tuple[str, datetime, str, Dict[str, Any]]


def _cases(name: str) -> List[Case]:
    with open(DATA / name, encoding="utf-8") as handle:
        groups = yaml.safe_load(handle)
    return [(str(text), datetime.strptime(g["now"], "%Y-%m-%dT%H:%M"), intent, dict(slots or {}))
            for g in groups for text, intent, slots in g["cases"]]


def labelled(intent: str, slots: Dict[str, Any]) -> Dict[str, Any]:
    """A label as the contract writes it: content in the product's Mandarin (食 → 吃), and no
    part_of_day on a reminder (not in reminder.create's row; some writers added it)."""
    out = {k: (list(v) if isinstance(v, list) else v) for k, v in slots.items()}
    if "content" in out:
        out["content"] = fold(clean(str(out["content"])))  # compared without punctuation
    if intent == "reminder.create":
        out.pop("part_of_day", None)
    return out


def _score(name: str) -> Tuple[float, float, int]:
    if name.endswith("_conv.yaml"):
        # turns of a conversation are read with the speaker's question before them, as bench/nlu.py does
        intent_acc, slot_acc, _ = bench_module("nlu").score_turns(bench_module("nlu").load_turns(DATA / name),
                                                                  CATALOG)
        return intent_acc, slot_acc, 0
    cases = _cases(name)
    intent_ok = slots_ok = wrong_actions = 0
    for text, now, intent, slots in cases:
        got = parse(text, now, CATALOG)
        intent_ok += got.intent.value == intent
        slots_ok += got.slots == labelled(intent, slots)
        wrong_actions += got.intent.value in ACTIONS and got.intent.value != intent
    return intent_ok / len(cases), slots_ok / len(cases), wrong_actions


@pytest.mark.parametrize(("name", "intent_min", "slots_min"), [
    ("blind_a.yaml", 0.97, 0.95),
    ("blind_a_conv.yaml", 0.98, 0.98),
    ("blind_b.yaml", 0.97, 0.95),
    ("blind_b_conv.yaml", 0.98, 0.98),
    ("blind_d.yaml", 0.97, 0.95),
    ("blind_d_conv.yaml", 0.98, 0.97),
    ("blind_f.yaml", 0.98, 0.96),
    ("blind_f_conv.yaml", 0.99, 0.97),
    ("blind_h.yaml", 0.98, 0.96),
    ("blind_h_conv.yaml", 0.98, 0.96),
    ("blind_j.yaml", 0.98, 0.96),
    ("blind_j_conv.yaml", 0.97, 0.96),
    ("blind_l.yaml", 0.98, 0.96),
    ("blind_l_conv.yaml", 0.95, 0.94),  # 唔去喇 睇埋套剧先 (after hearing of a dance) now reads as a no
    ("blind_p.yaml", 0.98, 0.97),
    ("blind_p_conv.yaml", 0.97, 0.96),
    ("blind_s.yaml", 0.98, 0.97),
    ("blind_s_conv.yaml", 0.96, 0.95),
    ("blind_u.yaml", 0.98, 0.97),
    ("blind_u_conv.yaml", 0.95, 0.93),
    ("blind_w.yaml", 0.97, 0.95),
    ("blind_x.yaml", 0.98, 0.97),
    ("blind_x_conv.yaml", 0.94, 0.94),
    ("blind_z.yaml", 0.97, 0.94),
    ("blind_aa.yaml", 0.99, 0.97),
    ("blind_aa_conv.yaml", 0.95, 0.91),
    ("blind_ac.yaml", 0.97, 0.95),
    ("blind_ad.yaml", 0.94, 0.88),
    ("blind_ae.yaml", 0.98, 0.97),
    ("blind_ae_conv.yaml", 0.94, 0.95),
    ("blind_ag.yaml", 0.98, 0.91),
    ("blind_ah.yaml", 0.94, 0.84),
    ("blind_ai.yaml", 0.97, 0.97),
    ("blind_ai_conv.yaml", 0.92, 0.94),
    ("blind_ak.yaml", 0.97, 0.93),
    ("blind_al.yaml", 0.99, 0.98),
    ("blind_al_conv.yaml", 0.95, 0.93),
    ("blind_an.yaml", 0.98, 0.94),
    ("blind_ap.yaml", 0.98, 0.89),
    ("blind_ar.yaml", 0.98, 0.96),
    ("blind_at.yaml", 0.99, 0.94),
    ("blind_au.yaml", 0.96, 0.94),
    ("blind_au_conv.yaml", 0.97, 0.96),
    ("blind_aw.yaml", 0.98, 0.96),
    ("blind_aw_conv.yaml", 0.94, 0.94),
    ("blind_ax.yaml", 0.98, 0.98),
    ("blind_ax_conv.yaml", 0.92, 0.91),
    ("blind_ba.yaml", 0.99, 0.98),
    ("blind_ba_conv.yaml", 0.96, 0.95),
])
def test_blind_sets_stay_at_their_figures(name: str, intent_min: float, slots_min: float) -> None:
    intent_acc, slot_acc, _ = _score(name)
    assert intent_acc >= intent_min and slot_acc >= slots_min, (name, intent_acc, slot_acc)


def test_blind_sets_cover_every_intent_of_contract_v2() -> None:
    names = ("blind_a.yaml", "blind_a_conv.yaml", "blind_b.yaml")
    seen = {intent for name in names for _, _, intent, _ in _cases(name)}
    # issue 16's intents came later: help.request in set AD, skill.offer and poll.answer in set AU
    assert seen == {i.value for i in IntentId} - {"help.request", "skill.offer", "poll.answer"}
    later = {intent for name in ("blind_ad.yaml", "blind_au.yaml", "blind_au_conv.yaml")
             for _, _, intent, _ in _cases(name)}
    assert {"help.request", "skill.offer", "poll.answer"} <= later


def test_skill_offers_are_found_and_nothing_else_is_one() -> None:
    """Set AU (issue 16): 112 offers to teach among people wanting to learn, class sign-ups, stories of
    teaching long ago and help requests; in every other blind set not one sentence reads as an offer."""
    cases = _cases("blind_au.yaml")
    got = [(parse(text, now, CATALOG), intent, slots) for text, now, intent, slots in cases]
    offers = [(g, slots) for g, want, slots in got if want == "skill.offer"]
    assert len(offers) >= 110 and all(g.intent is IntentId.SKILL_OFFER for g, _ in offers)
    assert sum(g.slots.get("skill") == slots.get("skill") for g, slots in offers) / len(offers) >= 0.97
    assert [g.text for g, want, _ in got if g.intent is IntentId.SKILL_OFFER and want != "skill.offer"] == []
    others = [c for path in sorted(DATA.glob("blind_*.yaml")) if "_au" not in path.name
              for c in _cases(path.name)]
    assert [text for text, now, want, _ in others
            if want != "skill.offer" and parse(text, now, CATALOG).intent is IntentId.SKILL_OFFER] == []


def test_poll_answers_never_record_a_choice_not_made() -> None:
    """Set AU's voice polls (issue 16): 58 answers to a poll read with its options; a wrong option is
    never recorded (an unclear answer is asked again), and the clear ones are read."""
    nlu = bench_module("nlu")
    turns = [(case, nlu.poll_options(question))
             for case, question, _ in nlu.load_turns(DATA / "blind_au_conv.yaml")]
    polls = [(case, options) for case, options in turns if options]
    assert len(polls) >= 50
    right = wrong = 0
    for (text, now, intent, slots), options in polls:
        got = parse(text, now, CATALOG, expecting="poll.answer/choice", fill={"options": "|".join(options)})
        right += got.intent.value == intent and got.slots == slots
        wrong += got.intent is IntentId.POLL_ANSWER and (intent != "poll.answer" or got.slots != slots)
    assert wrong == 0 and right / len(polls) >= 0.95


def test_help_requests_are_found_and_never_raise_an_alarm() -> None:
    """Set AD (issue 16): 148 requests for a volunteer's hand among look-alikes (services, messages that
    ask family, dangers, thanks); a request is never an emergency, and none is taken for another action."""
    cases = _cases("blind_ad.yaml")
    got = [(parse(text, now, CATALOG).intent.value, intent) for text, now, intent, _ in cases]
    helps = [g for g, want in got if want == "help.request"]
    assert len(helps) >= 140 and helps.count("help.request") / len(helps) >= 0.93
    assert [g for g, want in got if g == "emergency.help" and want != "emergency.help"] == []
    assert [g for g, want in got if g in ACTIONS and g != want] == []


def test_no_false_alarm_in_sentences_that_only_mention_danger() -> None:
    """≥ 200 sentences with falls, help, pain, 救命 in the past, reported, negated, about classes or
    the device, idioms: not one emergency."""
    cases = _cases("emergency_neg.yaml") + [c for c in _cases("emergency_cancel.yaml")
                                            if c[2] != "emergency.help"]
    assert len(cases) >= 200
    alarms = [text for text, now, _, _ in cases
              if parse(text, now, CATALOG).intent is IntentId.EMERGENCY_HELP]
    assert alarms == []


@pytest.mark.parametrize(("name", "recall"), [("blind_w.yaml", 0.97), ("blind_z.yaml", 0.95),
                                             ("blind_ac.yaml", 0.99), ("blind_ag.yaml", 0.99),
                                             ("blind_ak.yaml", 0.99), ("blind_an.yaml", 0.99),
                                             ("blind_ap.yaml", 0.99), ("blind_at.yaml", 0.99)])
def test_the_blind_emergency_sets_keep_their_recall_and_raise_no_false_alarm(name: str,
                                                                               recall: float) -> None:
    """Sets W, Z, AC, AG, AK, AN, AP and AT (149, 141, 145, 146, 168, 158, 180 and 155 emergencies in
    seniors' own words, 289, 284, 248, 247, 243, 240, 247 and 234 sentences that only mention danger):
    folded in after their one-shot scores (docs/nlu.md), kept at what they reach now."""
    cases = _cases(name)
    got = [(parse(text, now, CATALOG).intent is IntentId.EMERGENCY_HELP, intent == "emergency.help")
           for text, now, intent, _ in cases]
    assert [text for (alarm, real), (text, *_) in zip(got, cases, strict=True) if alarm and not real] == []
    real = [alarm for alarm, is_real in got if is_real]
    assert len(real) >= 140 and sum(real) / len(real) >= recall


def test_real_emergencies_are_found_with_their_severity() -> None:
    cases = _cases("emergency_pos.yaml")
    assert len(cases) >= 100
    found = [parse(text, now, CATALOG) for text, now, _, _ in cases]
    recall = sum(p.intent is IntentId.EMERGENCY_HELP for p in found) / len(cases)
    assert recall >= 0.98
    high_labelled = [p for p, (_, _, _, slots) in zip(found, cases, strict=True)
                     if slots["severity"] == "high"]
    assert all(p.slots.get("severity") == "high" for p in high_labelled)


def test_false_alarms_can_be_taken_back() -> None:
    cases = [c for c in _cases("emergency_cancel.yaml") if c[2] == "emergency.cancel"]
    assert len(cases) >= 40
    got = [parse(text, now, CATALOG).intent for text, now, _, _ in cases]
    assert sum(g is IntentId.EMERGENCY_CANCEL for g in got) / len(cases) >= 0.9
    assert IntentId.EMERGENCY_HELP not in got


_ALL = [name for name in sorted(p.name for p in DATA.glob("*.yaml")) if not name.startswith("dialog_")]


@pytest.mark.parametrize("name", _ALL)
def test_no_repair_creates_an_alarm_or_an_action_the_heard_words_do_not_support(name: str) -> None:
    """Homophone, accent and filler repair may sharpen a slot; an emergency must be supported by the
    words as heard (assess() on the text before repair), and a booking or cancellation by an action
    word as heard."""
    action_words = re.compile(r"报|参加|算我|加我|留|去|约|登记|搞|玩|学|上|一个|预|要|取消|退|不|没|算了"
                              r"|撤|删|改天|关|停|别|订|叫|派|送|想|安排|需要|做|来|找|申请|帮|给|剪|打扫"
                              r"|检|车|理发|饭|餐")
    for text, now, _, _ in _cases(name):
        got = parse(text, now, CATALOG)
        heard = normalize(text).folded
        if got.intent is IntentId.EMERGENCY_HELP:
            # the rules on the words as heard, or the scorer's guess on them (a question, never an alert)
            learned = got.slots.get("severity") == "check" and vetoed(heard) is None \
                and classifier.model().score(heard).prob("emergency.help") >= LEARNED_DANGER_HEARD
            assert assess(heard).severity is not None or learned, text
        if got.intent.value in ACTIONS:
            assert action_words.search(heard), text


@pytest.mark.parametrize(("text", "severity"), [
    ("唔系 我跌咗 起唔到身", "high"),  # a no first (to "did you press it by mistake?"), then the fall
    ("不是 我摔倒了 起不来", "high"),
    ("我喺外面行唔返屋企 唔知呢度系边 天又黑 帮帮我", "high"),  # set AN: lost outside
    ("停电啊 部氧气机停咗", "high"),
    ("我喺门口畀个后生仔抢咗个袋 仲推咗我落地 起唔到身", "high"),  # set AP: 后生仔 is no past
    ("冇晒力", "check"),
])
def test_a_refusal_or_story_word_before_a_danger_does_not_hide_it(text: str, severity: str) -> None:
    got = parse(text, datetime(2025, 3, 10, 18, 40), CATALOG)
    assert (got.intent, got.slots.get("severity")) == (IntentId.EMERGENCY_HELP, severity)


@pytest.mark.parametrize("text", [
    "唔系煤气 系锁门 锁好个大门",  # a correction of a read-back (blind set N)
    "瓣帮 我",  # three characters: no learned guess
    "我阿妹喺湛江 佢话跌亲只脚 我好担心佢",
    "急救电话系咪打一二零",
    "我个心都痛埋 个孙唔识讲中文",
])
def test_words_that_only_touch_danger_raise_no_question(text: str) -> None:
    assert parse(text, datetime(2025, 3, 10, 18, 40), CATALOG).intent is not IntentId.EMERGENCY_HELP
