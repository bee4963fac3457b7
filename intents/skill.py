"""Skill offers (技能教学, issue 16): "我会写毛笔字，可以教大家" — the senior offers to teach what they can.

An offer needs an offering verb (可以教 / 想教下 / 愿意传授 / 我嚟教 / 开个班教) and none of the words of
someone who wants to learn (想学, 教我, 边个教, 有冇人教); a story of teaching long ago (我以前教过书)
offers nothing. What they can teach comes from after the verb and its audience (教大家包粽子 →
包粽子), else from what they say they can do (我识写毛笔字 → 写毛笔字).
"""

from __future__ import annotations

import re
from typing import Optional

_CAN = (r"(?:可以|可唔可以|可不可以|能|能不能|想|都想|好想|愿意|乐意|得闲|有时间"
        r"|打算|准备|不如|就)")
_AUDIENCE = (r"(?:大家伙|大家|各位|啲街坊|街坊邻里|街坊|邻居|其他人|其他老人家|老人家|啲人|人哋"
             r"|人家|人|你哋|你们|老友记|老友|班老友|啲后生仔|啲后生|后生仔|后生|年轻人|小朋友"
             r"|细路仔|细路|学生|有兴趣嘅人|有兴趣的人)")
_TEACH = r"(?:教|传授|分享|带)(?:下|吓|一下|返|番|埋)?"
_OFFER = re.compile(rf"{_CAN}(?:免费|义务)?(?:来|嚟|去|过去|出嚟)?"
                    rf"(?:教(?:下|吓|一下|返|番|埋)?|(?:传授|分享|带)(?:下|吓|一下)?{_AUDIENCE})"
                    rf"|我(?:来|嚟)(?:免费|义务)?{_TEACH}{_AUDIENCE}"
                    rf"|(?:开|搞|办)(?:个|一个|番个)?(?:班|课|兴趣班|学习班|小组)(?:来|嚟)?"
                    rf"(?:教|传授)")
_LEARNER = re.compile(r"想学|学下|学吓|学一下|要学|去学|教我|教下我|教吓我|教一下我"
                      r"|边个(?:可以|能|会)?教|谁(?:可以|能|会)?教"
                      r"|有冇人(?:可以|能|会)?教|有没有人(?:可以|能|会)?教|请人教|搵人教|找人教"
                      r"|老师教|边个老师"
                      r"|教得好唔好|教咩|教什么|教乜|教训|请教|教堂|教会|宗教|教授话|老师话")
_AFTER = re.compile(rf"{_TEACH}(?:{_AUDIENCE})?(?:点样|怎样|怎么|如何|点)?(?:去)?"
                    r"(?P<skill>[^，,。.！!？?\s]{2,14})")
_ABLE = re.compile(r"(?:会|识得|识|懂得|懂|擅长|精通|拿手|学过|做过|练过|玩过|唱了|唱咗|写了|写咗)"
                   r"(?P<skill>[^，,。.！!？?\s]{2,14}?)"
                   r"(?=[，,。.！!？?\s]|可以|可唔可以|可不可以|想|都想|好想|愿意|乐意|得闲|嘅|的|$)")
_YEARS = re.compile(r"我(?:以前)?(?P<skill>[^，,。.\s]{2,8}?)[\u4e00-\u9fff]?(?:咗|了|过)"
                    r"[零一二两三四五六七八九十几百多]+年")
"""我拉二胡拉咗五十年: what they have done for decades."""
_TAIL = re.compile(r"(?:啊|呀|啦|吧|嘅|的|咯|喔|哦|嘛|呢|喇|嘞|呢啲|嗰啲|这些|那些"
                   r"|给大家|畀大家|俾大家|添|先)+$")
_HEAD = re.compile(r"^(?:啲|一啲|少少|一点|佢哋|他们|大家)")
_NOT_A_SKILL = re.compile(r"^(?:什么|乜嘢|咩|边个|啲咩|几多|多少|佢|他|她|你|我)")


def read_offer(text: str) -> Optional[str]:
    """What the senior offers to teach ('' when the offer names nothing), or None for no offer."""
    tokens = text.split()
    spaced = len(tokens) > 2 and sum(len(t) for t in tokens) / len(tokens) < 1.6
    heard = "".join(tokens) if spaced else "，".join(tokens)  # a recogniser's word gaps, or pauses
    offered = _OFFER.search(heard)
    if offered is None or _LEARNER.search(heard):
        return None
    after = _AFTER.search(heard, offered.start())
    skill = _tidy(after.group("skill")) if after else ""
    for pattern in (_ABLE, _YEARS):
        if skill:
            break
        able = pattern.search(heard)
        skill = _tidy(able.group("skill")) if able else ""
    return skill


def _tidy(skill: str) -> str:
    skill = _TAIL.sub("", _HEAD.sub("", skill))
    if len(skill) < 2 or _NOT_A_SKILL.match(skill) or re.fullmatch(_AUDIENCE, skill):
        return ""
    return skill
