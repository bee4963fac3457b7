"""Skill offers (技能教学, issue 16): "我会写毛笔字，可以教大家" — the senior offers to teach what they can.

An offer needs an offering phrase — 可以教 / 想教下 / 愿意传授 / 我嚟教 / 开个班教 / 我可以做老师, or someone
else wanting to learn and the senior teaching (有人想学我就教, 边个想学可以揾我) — and none of the words of a
senior who wants to learn themselves (我想学, 教我, 边个教, 有冇人教); a story of teaching long ago
(我以前教过书) offers nothing.

What they can teach: the object after the teaching verb without its audience (教啲细路扎风筝 → 扎风筝),
unless that is only a verb (教人整) or what they said they can do holds it (我识折纸…教细路折纸鹤 → 折纸鹤);
else what they say they can do (我识写毛笔字 / 广绣我识 / 我拉二胡拉咗五十年).
"""

from __future__ import annotations

import re
from typing import Optional

from .normalize import phrases

_CAN = (r"(?:可以|可唔可以|可不可以|能|能不能|想|都想|好想|愿意|乐意|得闲|有时间|肯|都肯"
        r"|打算|准备|不如|就)")
_WHO = (r"(?:大家伙|大家|各位|街坊邻里|老街坊|街坊|邻居|其他人|其他老人家|老人家|人哋|人家|人|你哋|你们"
        r"|老友记|老友|啲后生仔女|后生仔女|后生仔|后生女|后生媳妇|后生|年轻人|小朋友|细路仔|细路|学生"
        r"|婆婆|伯伯|阿婆|阿伯|姊妹|姐妹|媳妇|孙仔|孙女|仔女|新嚟嘅街坊|新来的街坊)")
_AUDIENCE = re.compile(rf"^(?:[^，。]{{0,4}}?(?:啲|的|嘅))?(?:[^，。]{{0,8}}?(?:嘅|的))?{_WHO}+"
                       rf"(?:(?:同|和|或者|及|同埋)(?:啲)?{_WHO}+)*")
"""Who would learn, before what: 啲细路 / 公园啲老友记 / 啱啱退休嘅姊妹 / 中意写字嘅街坊."""
_PLACE = r"(?:(?:喺|在|去|到|嚟|来)[^，。教学]{1,6}?)?"
_OFFER = re.compile(
    rf"{_CAN}(?:免费|义务)?{_PLACE}(?:来|嚟|去|过去|出嚟)?"
    rf"(?:教(?:下|吓|一下|返|番|埋)?|(?:传授|分享|带)(?:下|吓|一下)?{_WHO})"
    rf"|我(?:来|嚟)(?:免费|义务)?(?:教|传授|带)"
    r"|(?:开|搞|办)(?:个|一个|番个)?(?:班|课|兴趣班|学习班|小组)(?:来|嚟)?(?:教|传授)"
    r"|(?:可以|想|愿意|肯)做(?:义工)?(?:老师|师傅|导师)"
    r"|(?:有人|有冇人|有没有人|边个|谁|哪个|街坊|大家|人哋|啲人)(?:想|要|中意)学.{0,14}?"
    r"(?:(?:我|就)(?:都|就|可以|肯)?(?:肯)?教|揾我|搵我|找我|问我)"
    r"|(?:会|识|识得)[^。]{0,10}?[，]?(?:我)?(?:可以)?教(?:下|吓|人|大家|街坊)"
    r"|(?:要唔要|需唔需要|使唔使|要不要|需不需要)人教")
_LEARNER = re.compile(r"(?:^|我|我都|我好|我几|我真系)(?:想|要|去)学|学下|学吓|学一下"
                      r"|教我|教下我|教吓我|教一下我"
                      r"|边个(?:可以|能|会)?教|谁(?:可以|能|会)?教|有冇人(?:可以|能|会)?教"
                      r"|有没有人(?:可以|能|会)?教|请人教|搵人教|找人教|老师教|边个老师"
                      r"|教得好唔好|边个班教|教训|请教|教堂|教会|宗教|教授话|老师话")
_AFTER = re.compile(r"(?:教|传授|分享|带)(?:下|吓|一下|返|番|埋)?(?P<rest>[^，。！!？?我]{2,24})")
_ABLE = re.compile(r"(?:会|识得|识|懂得|懂|擅长|精通|拿手|学过|做过|练过|玩过)"
                   r"(?!可以|可唔可以|想|都想|好想|愿意|乐意|得闲|教)"
                   r"(?P<skill>[^，。！!？?]{2,14}?)"
                   r"(?=[，。！!？?]|可以|可唔可以|可不可以|想|都想|好想|愿意|乐意|得闲|嘅|的|不过|如果|有人|$)")
_ABLE_BEFORE = re.compile(r"(?:^|，)(?P<skill>[^，。！!？?我]{2,8}?)(?:呢啲|嗰啲)?(?:我(?:都|就|最|好)?|都)"
                          r"(?:识|会|擅长|拿手)")
"""广绣我识 / 修单车我识 / 车衫改裤都识: the skill said first."""
_OTHERS_LEARN = re.compile(r"(?:有人|有冇人|有没有人|边个|谁)(?:想|要)学(?!可以|就|我|嘅|的|啲话)"
                           r"(?P<skill>[^，。！!？?]{2,8}?)(?=[，。]|可以|就|我|$)")
"""有人想学包饺子 可以嚟揾我: the skill is what they would learn."""
_YEARS = re.compile(r"我(?:以前)?(?P<skill>[^，。\s]{2,8}?)[\u4e00-\u9fff]?(?:咗|了|过)"
                    r"[零一二两三四五六七八九十几百多]+年")
"""我拉二胡拉咗五十年: what they have done for decades."""
_HOW = re.compile(r"^(?:点样|怎样|怎么|如何|点)?(?:去)?")
_TAIL = re.compile(r"(?:啊|呀|啦|吧|嘅|的|咯|喔|哦|嘛|呢|喇|嘞|㗎|呢啲|嗰啲|这些|那些|给大家|畀大家|俾大家"
                   r"|添|先|都得|都可以|得唔得|好唔好|唔收钱|不收钱|免费)+$")
_HEAD = re.compile(r"^(?:不过|但系|但是|其实|啲|一啲|少少|一点|佢哋|他们)+")
_NOT_A_SKILL = re.compile(r"^(?:什么|乜嘢|咩|边个|啲咩|几多|多少|佢|他|她|你|我|嘢|东西"
                          r"|好多|好少|少少|一啲|好耐)")
_CORRECTED = re.compile(r"(?:唔系|不是)[，啊呀]*(?:我系话|我是说|我话)"
                        r"|(?:^|，)(?:唔系|不是)(?:[啊呀])?(?:，|$)")


def read_offer(text: str) -> Optional[str]:
    """What the senior offers to teach ('' when the offer names nothing), or None for no offer."""
    heard = "，".join(phrases(text))  # the senior's pauses as commas, a recogniser's word gaps gone
    offered = _OFFER.search(heard)
    if offered is None or _LEARNER.search(heard):
        return None
    fixed = list(_CORRECTED.finditer(heard))
    if fixed:  # 我可以教人写 唔系 我系话教人剪纸: what comes after the correction
        heard = heard[fixed[-1].end():] or heard
    able = _able(heard, offered.start())
    taught = _taught(heard)
    if taught and able and able in taught:
        return taught[taught.index(able):]
    return taught or able


def _taught(heard: str) -> str:
    """The object after the last teaching verb, its audience left out ('' when only a verb is left)."""
    for found in reversed(list(_AFTER.finditer(heard))):
        rest = _HOW.sub("", _AUDIENCE.sub("", found.group("rest")))
        skill = _tidy(_HOW.sub("", rest))
        if skill:
            return skill
    return ""


def _able(heard: str, offer: int) -> str:
    """What they say they can do; of two sayings, the later (我唔系好识讲嘢 不过象棋残局我识), and one
    said before the offer over one after it (我识剪纸 想教下啲街坊 等佢哋过年都识剪窗花: what the
    learners will be able to do is not the skill)."""
    found = [(m.start(), _tidy(m.group("skill"))) for pattern in (_ABLE, _ABLE_BEFORE, _OTHERS_LEARN)
             for m in pattern.finditer(heard)]
    found = sorted((start, skill) for start, skill in found if skill)
    before = [item for item in found if item[0] <= offer]
    if before or found:
        return (before or found)[-1][1]
    years = _YEARS.search(heard)
    return _tidy(years.group("skill")) if years else ""


def _tidy(skill: str) -> str:
    skill = _TAIL.sub("", _HEAD.sub("", skill.strip("，")))
    if len(skill) < 2 or _NOT_A_SKILL.match(skill) or re.fullmatch(f"{_WHO}+", skill):
        return ""
    return skill


_NEW_SKILL = (re.compile(r"(?:唔系|不是)[^，。]{0,12}?[，\s]*(?:系|是)(?P<new>[^，。\s]{2,12})"),
              re.compile(r"(?:我系话|我是说|我话|我讲)(?P<new>[^，。\s]{2,12}?)(?=[，\s]|唔系|不是|$)"))


def corrected_skill(text: str) -> str:
    """The skill said in a correction of a read-back: '唔系交谊舞 系民族舞啊' → 民族舞,
    '唔系 我话太极扇 唔系太极拳' → 太极扇 ('' when none is said)."""
    heard = "，".join(phrases(text))
    for pattern in _NEW_SKILL:
        found = pattern.search(heard)
        if found:
            return _tidy(found.group("new"))
    return ""
