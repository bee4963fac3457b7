"""Wall clock seam and conversions between UTC storage and a community's local zone."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timezone
from typing import Protocol
from zoneinfo import ZoneInfo

from .errors import InvalidInput

_LOGGER = logging.getLogger(__name__)


class Clock(Protocol):
    """Gives the current time; tests pass a fake one."""

    def now(self) -> datetime:
        """Aware UTC datetime."""
        ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)


def to_utc(value: datetime, zone: ZoneInfo) -> datetime:
    """Aware UTC datetime; a naive value is read as local time in `zone`."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    try:
        return value.astimezone(timezone.utc)
    except OverflowError as exc:  # e.g. 9999-12-31T23:00-05:00 is past year 9999 in UTC
        raise InvalidInput("时间超出范围，请检查年份", f"time {value.isoformat()}: out of range") from exc


def to_local(value: datetime, zone: ZoneInfo) -> datetime:
    """The same instant in the community's zone."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(zone)


def combine_local(day: date, at: time, zone: ZoneInfo) -> datetime:
    """UTC instant of local wall time `at` on `day` in `zone`."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(timezone.utc)


def parse_hhmm(text: str) -> time:
    """Parse '08:00' into a time; raise InvalidInput otherwise."""
    try:
        hours, minutes = text.split(":")
        if len(hours) not in (1, 2) or len(minutes) != 2:
            raise ValueError(text)
        return time(int(hours), int(minutes))
    except ValueError as exc:
        raise InvalidInput(
            "时间：请写成 08:00 这样的时间（00:00 到 23:59）",
            f"time {text!r}: expected HH:MM between 00:00 and 23:59",
        ) from exc
