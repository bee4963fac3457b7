"""Pydantic models at the HTTP boundary (inputs forbid unknown fields; times are ISO 8601)."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import List, Optional

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from ..domain.checks import label_of
from ..models import (
    ActivityCategory,
    ActivityStatus,
    AnnouncementTarget,
    BookingStatus,
    Dialect,
    MessageDirection,
    Origin,
    ReminderStatus,
    Repeat,
    ServiceKind,
    ServiceStatus,
)

_LOGGER = logging.getLogger(__name__)
UUID_PATTERN = r"^[0-9a-fA-F-]{36}$"


_PLACES = {"body", "query", "path", "header", "cookie"}
_REASONS = {
    "missing": "请填写",
    "string_pattern_mismatch": "格式不对",
    "string_type": "请填写文字",
    "int_type": "请填写整数",
    "int_parsing": "请填写整数",
    "int_from_float": "请填写整数",
    "float_parsing": "请填写数字",
    "bool_type": "请填写是或否",
    "bool_parsing": "请填写是或否",
    "datetime_type": "请填写日期和时间",
    "datetime_parsing": "日期和时间的格式不对",
    "datetime_from_date_parsing": "日期和时间的格式不对",
    "date_type": "请填写日期",
    "date_parsing": "日期格式不对",
    "date_from_datetime_parsing": "日期格式不对",
    "list_type": "请填写一组值",
    "model_attributes_type": "内容格式不对",
    "dict_type": "内容格式不对",
}


def explain_validation(error: dict) -> str:
    """One Pydantic error in plain Chinese, naming the field as the forms label it.

    error: an item of RequestValidationError.errors() ({"type", "loc", "msg", "ctx"})
    """
    loc = [p for p in error.get("loc", ()) if isinstance(p, str) and p not in _PLACES]
    kind, ctx = str(error.get("type", "")), error.get("ctx") or {}
    if kind == "json_invalid":
        return "发来的内容不是有效的 JSON"
    if kind == "extra_forbidden":
        return f"不认识的字段“{loc[-1] if loc else ''}”"
    label = label_of(loc[-1]) if loc else "请求"
    if kind == "string_too_short":
        reason = "请填写" if ctx.get("min_length") == 1 else f"至少 {ctx.get('min_length')} 个字"
    elif kind == "string_too_long":
        reason = f"最多 {ctx.get('max_length')} 个字"
    elif kind == "too_long":
        reason = f"最多 {ctx.get('max_length')} 项"
    elif kind in ("greater_than_equal", "greater_than"):
        reason = f"不能小于 {ctx.get('ge', ctx.get('gt'))}"
    elif kind in ("less_than_equal", "less_than"):
        reason = f"不能大于 {ctx.get('le', ctx.get('lt'))}"
    elif kind in ("enum", "literal_error"):
        reason = f"请从这些里选一个：{ctx.get('expected', '')}"
    else:
        reason = _REASONS.get(kind, "填写的内容不对")
    return f"{label}：{reason}"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=2000)


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorOut(BaseModel):
    error: ErrorBody


class LoginIn(Strict):
    username: str = Field(min_length=1, max_length=40)
    password: str = Field(min_length=1, max_length=128)


class MeOut(Out):
    id: str
    kind: str
    name: str
    community_ids: List[str]
    household_ids: List[str]
    csrf_token: str = ""


class HouseholdIn(Strict):
    elder_name: str = Field(min_length=1, max_length=40)
    address_as: str = Field(min_length=1, max_length=20)
    dialect: Dialect = Dialect.MANDARIN
    group_name: str = Field(default="", max_length=40)


class HouseholdOut(Out):
    id: str
    community_id: str
    elder_name: str
    address_as: str
    dialect: Dialect
    group_name: str


class ActivityIn(Strict):
    title: str = Field(min_length=1, max_length=60)
    category: ActivityCategory
    place: str = Field(min_length=1, max_length=60)
    starts_at: datetime = Field(description="ISO 8601; without an offset it is read in the community's zone")
    ends_at: datetime
    capacity: int = Field(ge=1, le=10_000, strict=True)
    description: str = Field(default="", max_length=2000)


class ActivityOut(Out):
    id: str
    community_id: str
    title: str
    category: ActivityCategory
    description: str
    place: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    booked: int
    status: ActivityStatus


class BookingIn(Strict):
    activity_id: str = Field(min_length=1, max_length=36)
    household_id: Optional[str] = Field(
        default=None, max_length=36, description="Required for family and staff; a speaker books for its home"
    )
    id: Optional[str] = Field(default=None, pattern=UUID_PATTERN, description="Client-made UUID")


class BookingOut(Out):
    id: str
    activity_id: str
    household_id: str
    status: BookingStatus
    origin: Origin
    created_at: datetime


class SignupOut(Out):
    booking_id: str
    household_id: str
    elder_name: str
    group_name: str
    booked_at: datetime


class ReminderIn(Strict):
    content: str = Field(min_length=1, max_length=100)
    time_of_day: str = Field(pattern=r"^\d{1,2}:\d{2}$", description="Local HH:MM")
    repeat: Repeat
    weekdays: List[StrictInt] = Field(default_factory=list, max_length=7, description="1 = Monday; weekly")
    start_date: Optional[date] = None
    id: Optional[str] = Field(default=None, pattern=UUID_PATTERN, description="Client-made UUID")


class ReminderOut(Out):
    id: str
    household_id: str
    content: str
    time_of_day: str
    repeat: Repeat
    weekdays: str
    start_date: date
    status: ReminderStatus
    origin: Origin
    updated_at: datetime


class OccurrenceOut(Out):
    reminder_id: str
    content: str
    due_at: datetime
    state: str
    fired_at: Optional[datetime]
    acknowledged_at: Optional[datetime]
    missed: bool


class AnnouncementIn(Strict):
    title: str = Field(min_length=1, max_length=60)
    body: str = Field(min_length=1, max_length=1000)
    target: AnnouncementTarget = AnnouncementTarget.ALL
    group_name: str = Field(default="", max_length=40)
    publish_at: Optional[datetime] = Field(default=None, description="Now when omitted")
    expires_at: Optional[datetime] = Field(
        default=None, description="Seven days after publish_at when omitted"
    )
    urgent: bool = False


class AnnouncementOut(Out):
    id: str
    community_id: str
    title: str
    body: str
    target: AnnouncementTarget
    group_name: str
    publish_at: datetime
    expires_at: datetime
    urgent: bool


class MessageIn(Strict):
    body: str = Field(min_length=1, max_length=500)


class MessageOut(Out):
    id: str
    household_id: str
    direction: MessageDirection
    body: str
    created_at: datetime


class AlertOut(Out):
    id: str
    household_id: str
    note: str
    raised_at: datetime
    """When the server received it."""
    device_raised_at: Optional[datetime] = None
    """When it happened by the speaker's clock."""
    acknowledged_at: Optional[datetime]
    cancelled_at: Optional[datetime] = None
    """The senior took it back by voice (server time)."""
    device_cancelled_at: Optional[datetime] = None
    cancel_note: str = ""


class RoutineIn(Strict):
    """A household's day, local 'HH:MM' each, in order (wake < breakfast < lunch < dinner < bed)."""

    wake: str = Field(max_length=10)
    breakfast: str = Field(max_length=10)
    lunch: str = Field(max_length=10)
    dinner: str = Field(max_length=10)
    bed: str = Field(max_length=10)


class RoutineOut(BaseModel):
    household_id: str
    wake: str
    breakfast: str
    lunch: str
    dinner: str
    bed: str
    default: bool
    """True while the family has not set one (the speaker's defaults apply)."""
    updated_at: Optional[datetime] = None


class PointsIn(Strict):
    household_id: str = Field(min_length=1, max_length=36)
    points: int = Field(ge=-1000, le=1000, strict=True)
    reason: str = Field(min_length=1, max_length=100)


class PointsOut(Out):
    id: str
    household_id: str
    points: int
    reason: str
    created_at: datetime


class ServiceRequestIn(Strict):
    household_id: Optional[str] = Field(default=None, max_length=36)
    kind: ServiceKind
    details: str = Field(default="", max_length=500)
    wanted_at: Optional[datetime] = None


class ServiceStatusIn(Strict):
    status: ServiceStatus


class ServiceRequestOut(Out):
    id: str
    household_id: str
    kind: ServiceKind
    details: str
    wanted_at: Optional[datetime]
    status: ServiceStatus


class PairingCodeIn(Strict):
    household_id: str = Field(min_length=1, max_length=36)


class PairingCodeOut(Out):
    code: str
    household_id: str
    expires_at: datetime


class PairIn(Strict):
    code: str = Field(pattern=r"^\d{6}$")
    name: str = Field(default="", max_length=40)


class PairOut(Out):
    device_id: str
    household_id: str
    community_id: str
    token: str


class DeviceOut(Out):
    id: str
    household_id: str
    name: str
    paired_at: datetime
    revoked_at: Optional[datetime]


class FamilyIn(Strict):
    username: str = Field(min_length=3, max_length=40, pattern=r"^[A-Za-z0-9_.\-]+$")
    display_name: str = Field(min_length=1, max_length=40)
    password: str = Field(min_length=8, max_length=128)
    relation: str = Field(default="", max_length=20, description="e.g. 女儿")


class FamilyOut(Out):
    id: str
    username: str
    display_name: str
