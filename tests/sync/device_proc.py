"""A device sync process for the kill -9 test: sync the outbox until empty, then print 'done'.

Usage: python tests/sync/device_proc.py DATA_DIR SERVER_URL
"""

from __future__ import annotations

import sys
from pathlib import Path

from assistant.clock import SystemClock
from assistant.store import Store
from assistant.sync import SyncSettings, SyncWorker


def main(data_dir: str, server_url: str) -> int:
    store = Store.open(Path(data_dir) / "assistant.db")
    worker = SyncWorker(
        store,
        SystemClock(always_trusted=True),
        lambda event: None,
        server_url,
        Path(data_dir),
        settings=SyncSettings(batch=3),
    )
    print("ready", flush=True)
    for _ in range(1000):  # bounded: 3 ops a round trip
        if not worker.sync_once(0.0) and not store.pending_ops(1):
            print("done", flush=True)
            return 0
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
