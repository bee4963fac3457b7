"""`python -m assistant pair --server URL --code 123456`: exchange a pairing code for a device token."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from .changes import CURSOR_KEY
from .config import Settings
from .store import Store
from .sync import SERVER_KEY, SyncError, token_path, write_token

_LOGGER = logging.getLogger(__name__)
DEVICE_KEY = "sync.device_id"


class PairingError(SyncError):
    """The server refused the code (unknown, used, expired) or could not be reached."""


@dataclass(frozen=True)
class Paired:
    server_url: str
    device_id: str
    household_id: str
    token_file: Path

    def to_dict(self) -> dict:
        return {
            "server_url": self.server_url,
            "device_id": self.device_id,
            "household_id": self.household_id,
            "token_file": str(self.token_file),
        }


def register(subparsers: Any) -> None:
    """Add the `pair` subcommand (`start` is assistant.launcher's, which uses pair_device)."""
    pair = subparsers.add_parser("pair", help="Pair this speaker with a community server (6-digit code)")
    pair.add_argument("--server", required=True, help="Server URL, e.g. http://127.0.0.1:8000")
    pair.add_argument("--code", required=True, help="The 6-digit code from the staff page")
    pair.add_argument("--name", default="音箱", help="Name shown to staff (default 音箱)")
    pair.add_argument("--db", type=Path, help="Store file (default: DATA_DIR/assistant.db)")
    pair.set_defaults(func=_cmd_pair)


def pair_device(
    settings: Settings, server_url: str, code: str, name: str = "音箱", db: Optional[Path] = None
) -> Paired:
    """Pair: POST the code, keep the token (mode 0600) and the server URL; reset the cursor.

    Raises PairingError with the server's message when the code is refused.
    """
    import httpx

    server_url = server_url.rstrip("/")
    try:
        response = httpx.post(
            f"{server_url}/api/v1/devices/pair",
            json={"code": code.strip(), "name": name},
            timeout=10.0,
            trust_env=False,
        )
    except httpx.HTTPError as exc:
        raise PairingError(f"server {server_url} unreachable: {exc}") from exc
    if response.status_code != 201:
        try:
            message = response.json()["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = response.text[:200]
        raise PairingError(f"pairing refused ({response.status_code}): {message}")
    data = response.json()
    path = write_token(settings.data_dir, data["token"])
    store = Store.open(db or settings.db_path)
    try:
        store.set_setting(SERVER_KEY, server_url)
        store.set_setting(DEVICE_KEY, data["device_id"])
        store.set_setting(CURSOR_KEY, None)  # a new pairing starts with a full sync
    finally:
        store.close()
    _LOGGER.info("paired as device %s with %s", data["device_id"], server_url)
    return Paired(server_url, data["device_id"], data["household_id"], path)


def _cmd_pair(args: argparse.Namespace, settings: Settings) -> int:
    try:
        paired = pair_device(settings, args.server, args.code, args.name, args.db)
    except PairingError as exc:
        print(f"配对失败 / pairing failed: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(paired.to_dict(), ensure_ascii=False))
    return 0


def is_paired(settings: Settings, db: Optional[Path] = None) -> Optional[str]:
    """The server URL this device is paired with, or None."""
    if not token_path(settings.data_dir).exists():
        return None
    store = Store.open(db or settings.db_path)
    try:
        value = store.get_setting(SERVER_KEY)
    finally:
        store.close()
    return str(value) if value else None
