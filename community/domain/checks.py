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


def text(field: str, value: str, low: int, high: int) -> str:
    """Stripped text of low–high characters without control characters."""
    if not isinstance(value, str):
        raise InvalidInput(f"{field}: expected text")
    value = value.strip()
    if not low <= len(value) <= high:
        raise InvalidInput(f"{field}: expected {low}–{high} characters, got {len(value)}")
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in value) or "\x00" in value:
        raise InvalidInput(f"{field}: control characters are not allowed")
    return value


def number(field: str, value: int, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(f"{field}: expected a whole number {low}–{high}, got {value!r}")
    return value


def choice(field: str, enum_cls: Type[E], value: object) -> E:
    try:
        return enum_cls(value)
    except ValueError as exc:
        allowed = ", ".join(m.value for m in enum_cls)
        raise InvalidInput(f"{field}: unknown value {value!r}; expected one of {allowed}") from exc


def moment(field: str, value: datetime, now: datetime) -> datetime:
    """An aware datetime between 2000 and five years from now."""
    if value.tzinfo is None:
        raise InvalidInput(f"{field}: a time zone is required")
    try:
        in_range = EARLIEST <= value <= now + timedelta(days=365 * LATEST_YEARS)
    except OverflowError:
        in_range = False
    if not in_range:
        raise InvalidInput(f"{field}: expected a time between 2000 and {LATEST_YEARS} years from now")
    return value


def object_id(field: str, value: Optional[str]) -> Optional[str]:
    """A client-made UUID in canonical text form, or None."""
    if value is None:
        return None
    try:
        return str(uuid.UUID(str(value)))
    except ValueError as exc:
        raise InvalidInput(f"{field}: expected a UUID") from exc
