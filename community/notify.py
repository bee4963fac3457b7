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
from typing import Callable, List, Optional, Protocol

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
    occurred_at: Optional[datetime] = None
    """Aware UTC time the speaker raised it by its own clock (None: unknown). A speaker that was
    offline sends it late: a call from 26 hours ago must not be passed on as a new one."""

    @property
    def delayed(self) -> bool:
        """Received more than LATE_SECONDS after the speaker raised it (it was offline)."""
        return delay_seconds(self.occurred_at, self.raised_at) > LATE_SECONDS

    def to_dict(self) -> dict:
        data = asdict(self)
        data["raised_at"] = self.raised_at.isoformat()
        data["occurred_at"] = self.occurred_at.isoformat() if self.occurred_at else None
        data["delayed"] = self.delayed
        return data


LATE_SECONDS = 300
"""A device event received this much later than it happened is shown with both times
("呼叫时间 11月29日 09:12（音箱离线，11月30日 11:20 才送达）"); closer ones are one moment (clocks
differ by seconds)."""


def delay_seconds(occurred: Optional[datetime], received: datetime) -> float:
    """How much later than it happened (by the device's clock) the server received an event; 0
    when the device's time is unknown."""
    if occurred is None:
        return 0.0
    if (occurred.tzinfo is None) != (received.tzinfo is None):
        occurred, received = occurred.replace(tzinfo=None), received.replace(tzinfo=None)
    return (received - occurred).total_seconds()


class Notifier(Protocol):
    """Receives each emergency once, right after it is stored."""

    def notify(self, notice: EmergencyNotice) -> None: ...


class LogNotifier:
    """Default: a WARNING log line (visible in journald / the server log)."""

    def notify(self, notice: EmergencyNotice) -> None:
        if notice.delayed and notice.occurred_at is not None:
            _LOGGER.warning("EMERGENCY %s (%s): %s — raised %s by the speaker's clock, received %s "
                            "(the speaker was offline)", notice.address_as, notice.household_id, notice.note,
                            notice.occurred_at.isoformat(), notice.raised_at.isoformat())
            return
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
