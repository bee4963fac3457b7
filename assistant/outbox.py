"""What the server said about outbox ops: rejected for good (dropped) or failed for now (retried).

The sync worker (assistant.sync) acknowledges an op the server rejected for good, so it is
never sent again, and keeps its result in the outbox row; an op the server could not apply
for now (`"retry": true`) stays pending with its last result and is sent again with backoff.
`python -m assistant doctor` reads both from the store (read-only) with problems().
"""

from __future__ import annotations

import json
import logging
import random
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

from sqlalchemy import update

from .store import Store
from .tables import OutboxRow

_LOGGER = logging.getLogger(__name__)
EXPECTED = frozenset(
    {("booking.create", "full"), ("booking.create", "conflict"), ("emergency.cancel", "conflict")}
)
"""(op type, code) refusals that are ordinary answers the senior was told (activity full, too late to
take back a call), not problems for a volunteer."""


@dataclass(frozen=True)
class OpProblem:
    """One outbox op the server rejected for good, or could not apply yet."""

    op_id: str
    type: str
    code: str
    message: str
    at: Optional[datetime]
    """When the answer came (rejected) or the op was made (retrying), device time."""
    retrying: bool
    """True: a temporary failure; the op is sent again later."""

    def describe(self) -> str:
        return f"{self.type}: {self.code} ({self.message[:80]})"


def is_temporary(result: Mapping[str, Any]) -> bool:
    """The server could not apply the op for now (database busy, server error): send it again."""
    return result.get("status") == "rejected" and bool(result.get("retry"))


def note_retry(store: Store, op_id: str, result: Mapping[str, Any]) -> None:
    """Keep a temporary failure's result on the still pending op (doctor shows it)."""
    with store._tx() as s:
        s.execute(
            update(OutboxRow)
            .where(OutboxRow.op_id == op_id, OutboxRow.state != "acknowledged")
            .values(result=json.dumps(dict(result), ensure_ascii=False), attempts=OutboxRow.attempts + 1)
        )


class RetryPlan:
    """Per-op backoff for temporary failures: 1, 2, 4 … up to `most` seconds, times 0.5–1.0.

    Kept in memory (a restart simply tries at once). Not thread-safe: callers hold a lock.
    """

    def __init__(self, least: float, most: float) -> None:
        self.least, self.most = least, most
        self._held: Dict[str, Tuple[int, float]] = {}

    def failed(self, op_id: str, moment: float) -> float:
        """Record a temporary failure at monotonic `moment`; returns the delay before the next try."""
        failures = self._held.get(op_id, (0, 0.0))[0] + 1
        delay = min(self.most, self.least * 2 ** min(failures - 1, 16)) * random.uniform(0.5, 1.0)
        self._held[op_id] = (failures, moment + delay)
        return delay

    def done(self, op_id: str) -> None:
        self._held.pop(op_id, None)

    def due(self, op_id: str, moment: float) -> bool:
        held = self._held.get(op_id)
        return held is None or held[1] <= moment

    def next_due(self) -> Optional[float]:
        """Monotonic time of the earliest held op's next try, None when none is held."""
        return min((due for _, due in self._held.values()), default=None)

    def __len__(self) -> int:
        return len(self._held)


def problems(db_path: Path, now: datetime, days: int = 7) -> List[OpProblem]:
    """Ops rejected for good in the last `days` (except EXPECTED answers) and ops awaiting a retry.

    Reads the store read-only; [] when it does not exist yet.
    """
    if not Path(db_path).exists():
        return []
    since = (now - timedelta(days=days)).isoformat(sep=" ")
    connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
    try:
        rows = connection.execute(
            "SELECT op_id, type, result, state, acked_at, created_at FROM outbox WHERE result IS NOT NULL "
            "AND (state != 'acknowledged' OR acked_at >= ?) ORDER BY seq DESC LIMIT 500",
            (since,),
        ).fetchall()
    except sqlite3.OperationalError:  # no outbox table yet
        return []
    finally:
        connection.close()
    found = []
    for op_id, kind, raw, state, acked_at, created_at in rows:
        try:
            result = json.loads(raw)
        except ValueError:
            continue
        if not isinstance(result, dict) or result.get("status") != "rejected":
            continue
        code = str(result.get("code", ""))
        retrying = state != "acknowledged"
        if not retrying and (kind, code) in EXPECTED:
            continue
        at = _when(acked_at if not retrying else created_at)
        found.append(OpProblem(op_id, kind, code, str(result.get("message", "")), at, retrying))
    return found


def _when(text: Optional[str]) -> Optional[datetime]:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None
