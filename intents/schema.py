"""Data types of the NLU contract: intent ids, parses and the activity catalog."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

_LOGGER = logging.getLogger(__name__)


class IntentId(str, Enum):
    """Intent ids of the NLU contract; the value is the JSON string."""

    ACTIVITY_QUERY = "activity.query"
    ACTIVITY_BOOK = "activity.book"
    BOOKING_CANCEL = "booking.cancel"
    BOOKING_LIST = "booking.list"
    REMINDER_CREATE = "reminder.create"
    REMINDER_LIST = "reminder.list"
    REMINDER_CANCEL = "reminder.cancel"
    REMINDER_ACK = "reminder.ack"
    SERVICE_BOOK = "service.book"
    ANNOUNCEMENT_QUERY = "announcement.query"
    MESSAGE_SEND = "message.send"
    MESSAGE_QUERY = "message.query"
    POINTS_QUERY = "points.query"
    HELP_REQUEST = "help.request"
    SKILL_OFFER = "skill.offer"
    POLL_ANSWER = "poll.answer"
    TIME_QUERY = "time.query"
    EMERGENCY_HELP = "emergency.help"
    EMERGENCY_CANCEL = "emergency.cancel"
    DIALOG_YES = "dialog.yes"
    DIALOG_NO = "dialog.no"
    DIALOG_REPEAT = "dialog.repeat"
    DIALOG_LOUDER = "dialog.louder"
    DIALOG_QUIETER = "dialog.quieter"
    DIALOG_SLOWER = "dialog.slower"
    DIALOG_STOP = "dialog.stop"
    DIALOG_HELP = "dialog.help"
    DIALOG_CORRECT = "dialog.correct"
    DIALOG_WAIT = "dialog.wait"
    DIALOG_THANKS = "dialog.thanks"
    DIALOG_GREETING = "dialog.greeting"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Parse:
    """Result of intents.parse()."""

    text: str
    """Utterance after normalisation (简体, 阿拉伯数字, no spaces or fillers)."""
    intent: IntentId
    slots: Dict[str, Any] = field(default_factory=dict)
    """Slot values in the contract's formats (date YYYY-MM-DD, time HH:MM, …)."""
    confidence: float = 0.0
    """0–1; below the parser's threshold the intent is already UNKNOWN."""

    def to_dict(self) -> Dict[str, Any]:
        """The contract's JSON object: text, intent, slots, confidence."""
        return {
            "text": self.text,
            "intent": self.intent.value,
            "slots": dict(self.slots),
            "confidence": round(float(self.confidence), 3),
        }

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> "Parse":
        """Inverse of to_dict(); raises ValueError on an unknown intent id."""
        return Parse(
            text=str(data["text"]),
            intent=IntentId(data["intent"]),
            slots=dict(data.get("slots") or {}),
            confidence=float(data.get("confidence", 0.0)),
        )


@dataclass(frozen=True)
class Activity:
    """One community activity as the catalog carries it."""

    id: str
    title: str
    category: str
    start: datetime
    """Local wall-clock start time (naive, the community's zone)."""
    place: str = ""
    capacity: int = 0

    def to_dict(self) -> Dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "category": self.category,
            "start": self.start.strftime("%Y-%m-%dT%H:%M"),
            "place": self.place,
            "capacity": self.capacity,
        }

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> "Activity":
        """Build from the catalog JSON; raises ValueError naming the bad field."""
        try:
            start = datetime.strptime(str(data["start"])[:16], "%Y-%m-%dT%H:%M")
        except (KeyError, ValueError) as exc:
            raise ValueError(f"activity {data.get('id')!r}: start must be YYYY-MM-DDTHH:MM") from exc
        for key in ("id", "title", "category"):
            if not str(data.get(key) or "").strip():
                raise ValueError(f"activity {data.get('id')!r}: missing {key}")
        return Activity(
            id=str(data["id"]),
            title=str(data["title"]),
            category=str(data["category"]),
            start=start,
            place=str(data.get("place") or ""),
            capacity=int(data.get("capacity") or 0),
        )


@dataclass(frozen=True)
class Catalog:
    """The activities the NLU can match; replaced whole when the server sends new ones."""

    activities: Tuple[Activity, ...] = ()

    @property
    def categories(self) -> List[str]:
        """Distinct categories in first-seen order."""
        seen: Dict[str, None] = {}
        for act in self.activities:
            seen.setdefault(act.category, None)
        return list(seen)

    def to_dict(self) -> Dict[str, Any]:
        return {"activities": [a.to_dict() for a in self.activities]}

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> "Catalog":
        items = data.get("activities")
        if not isinstance(items, list):
            raise ValueError("catalog: expected {\"activities\": [...]}")
        return Catalog(tuple(Activity.from_dict(item) for item in items))

    @staticmethod
    def from_activities(items: Iterable[Activity]) -> "Catalog":
        return Catalog(tuple(items))

    @staticmethod
    def load(path: Path) -> "Catalog":
        """Read a catalog JSON file (UTF-8)."""
        with open(path, encoding="utf-8") as handle:
            return Catalog.from_dict(json.load(handle))

    def get(self, activity_id: str) -> Optional[Activity]:
        for act in self.activities:
            if act.id == activity_id:
                return act
        return None


CATALOG_SHAPE = '{"activities": [{"id", "title", "category", "start", "place", "capacity"}]}'


def read_catalog(path: Path) -> Catalog:
    """A catalog file for a command's --catalog; CatalogError names the file and what is wrong."""
    from intents.errors import CatalogError

    try:
        return Catalog.load(path)
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read catalog: {exc.strerror or exc}") from exc
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise CatalogError(f"{path}: not a catalog ({exc}); expected {CATALOG_SHAPE}") from exc
