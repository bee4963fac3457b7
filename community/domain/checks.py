"""Field checks shared by the API and the web forms (raise InvalidInput naming the field)."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Optional, Type, TypeVar

from ..errors import InvalidInput

_LOGGER = logging.getLogger(__name__)
E = TypeVar("E", bound=Enum)
EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
LATEST_YEARS = 5
LABELS = {
    "content": "提醒内容",
    "time_of_day": "时间",
    "repeat": "重复",
    "weekdays": "每周哪几天",
    "start_date": "开始日期",
    "title": "名称",
    "category": "类别",
    "place": "地点",
    "starts_at": "开始时间",
    "ends_at": "结束时间",
    "capacity": "名额",
    "description": "介绍",
    "body": "内容",
    "target": "发给",
    "group_name": "楼栋/小组",
    "publish_at": "发布时间",
    "expires_at": "有效天数",
    "elder_name": "老人姓名",
    "address_as": "称呼",
    "dialect": "方言",
    "household_id": "住户",
    "username": "用户名",
    "display_name": "姓名",
    "relation": "关系",
    "password": "密码",
    "points": "积分",
    "reason": "事由",
    "kind": "服务",
    "details": "说明",
    "wanted_at": "希望的时间",
    "status": "状态",
    "name": "名称",
    "code": "配对码",
    "note": "备注",
    "what": "需要帮什么",
    "visit_at": "上门时间",
    "phone": "手机号",
}
"""The form label of each API field: messages name a field as the page shows it."""
_CHOICES = {
    "repeat": "请选择重复方式",
    "category": "请选择活动类别",
    "dialect": "请选择方言",
    "target": "请选择发给谁",
    "kind": "请选择服务",
    "status": "请选择状态",
}


def label_of(field: str) -> str:
    """The form label of an API field ('weekdays' → '每周哪几天'); the name itself if none."""
    return LABELS.get(field, field)


def text(field: str, value: str, low: int, high: int, label: str = "") -> str:
    """Stripped text of low–high characters without control characters.

    field: the API's field name (in the detail); label: the form's label (default LABELS[field])
    """
    label = label or label_of(field)
    if not isinstance(value, str):
        raise InvalidInput(f"{label}：请填写文字", f"{field}: expected text")
    value = value.strip()
    if not low <= len(value) <= high:
        detail = f"{field}: expected {low}–{high} characters, got {len(value)}"
        if not value and low:
            raise InvalidInput(f"{label}：请填写", detail)
        raise InvalidInput(f"{label}：最多 {high} 个字，现在是 {len(value)} 个", detail)
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in value) or "\x00" in value:
        raise InvalidInput(
            f"{label}：含有无法显示的字符，请重新输入", f"{field}: control characters are not allowed"
        )
    return value


def number(field: str, value: int, low: int, high: int, label: str = "") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(
            f"{label or label_of(field)}：请填写 {low} 到 {high} 之间的整数",
            f"{field}: expected a whole number {low}–{high}, got {value!r}",
        )
    return value


def choice(field: str, enum_cls: Type[E], value: object) -> E:
    try:
        return enum_cls(value)
    except ValueError as exc:
        allowed = ", ".join(m.value for m in enum_cls)
        raise InvalidInput(
            _CHOICES.get(field, f"{label_of(field)}：请从列表里选择"),
            f"{field}: unknown value {value!r}; expected one of {allowed}",
        ) from exc


def moment(field: str, value: datetime, now: datetime, label: str = "") -> datetime:
    """An aware datetime between 2000 and five years from now."""
    label = label or label_of(field)
    if value.tzinfo is None:
        raise InvalidInput(f"{label}：请填写日期和时间", f"{field}: a time zone is required")
    try:
        in_range = EARLIEST <= value <= now + timedelta(days=365 * LATEST_YEARS)
    except OverflowError:
        in_range = False
    if not in_range:
        raise InvalidInput(
            f"{label}：请填写 2000 年到 {LATEST_YEARS} 年以后之间的日期",
            f"{field}: expected a time between 2000 and {LATEST_YEARS} years from now",
        )
    return value


def object_id(field: str, value: Optional[str]) -> Optional[str]:
    """A client-made UUID in canonical text form, or None."""
    if value is None:
        return None
    try:
        return str(uuid.UUID(str(value)))
    except ValueError as exc:
        raise InvalidInput("编号格式不对", f"{field}: expected a UUID") from exc
