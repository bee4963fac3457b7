"""Pluggable emergency notifier: who else hears about a speaker's call for help.

The alert itself is a row (EmergencyAlert) that the family and staff web pages show at once;
a Notifier adds a push channel (SMS gateway, WeChat template message, a duty phone). The
server calls every registered notifier after the alert is committed; a failing notifier is
logged and never blocks the others or the sync answer.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, List, Protocol

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class EmergencyNotice:
    """One call for help, as told to family and staff."""

    alert_id: str
    community_id: str
    household_id: str
    elder_name: str
    address_as: str
    """How the elder is addressed, e.g. 王阿姨."""
    note: str
    """What the speaker heard, e.g. 救命."""
    raised_at: datetime
    """Aware UTC time the server received it."""

    def to_dict(self) -> dict:
        data = asdict(self)
        data["raised_at"] = self.raised_at.isoformat()
        return data


class Notifier(Protocol):
    """Receives each emergency once, right after it is stored."""

    def notify(self, notice: EmergencyNotice) -> None: ...


class LogNotifier:
    """Default: a WARNING log line (visible in journald / the server log)."""

    def notify(self, notice: EmergencyNotice) -> None:
        _LOGGER.warning("EMERGENCY %s (%s): %s", notice.address_as, notice.household_id, notice.note)


class JsonlNotifier:
    """Appends one JSON line per emergency to a file (a hook for external paging scripts)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def notify(self, notice: EmergencyNotice) -> None:
        line = json.dumps(notice.to_dict(), ensure_ascii=False)
        with self._lock, open(self.path, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")


_NOTIFIERS: List[Notifier] = [LogNotifier()]


def register(notifier: Notifier) -> Callable[[], None]:
    """Add a notifier; returns a function that removes it again."""
    _NOTIFIERS.append(notifier)
    return lambda: _NOTIFIERS.remove(notifier) if notifier in _NOTIFIERS else None


def notify_all(notice: EmergencyNotice) -> int:
    """Tell every notifier; returns how many succeeded."""
    done = 0
    for notifier in list(_NOTIFIERS):
        try:
            notifier.notify(notice)
            done += 1
        except Exception:
            _LOGGER.exception("notifier %r failed for alert %s", notifier, notice.alert_id)
    return done
