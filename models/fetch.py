"""Download, verify and unpack a Vosk model: resume with Range, .part then os.replace."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, TextIO

from .catalog import ModelInfo
from .errors import OfflineError, VerifyError

_LOGGER = logging.getLogger(__name__)

_BLOCK = 64 * 1024
_TIMEOUT_S = 20.0
ProgressFn = Callable[[int, Optional[int]], None]
"""progress(bytes_done, bytes_total or None)."""


@dataclass(frozen=True)
class FetchResult:
    """What `fetch` did."""

    path: Path
    """The unpacked model folder."""
    downloaded_bytes: int
    """Bytes transferred in this run (0 if the model was already there)."""
    resumed_from: int
    """Bytes of an earlier .part that were kept."""
    size_bytes: int
    sha256: str
    """Hex SHA-256 of the zip (empty when nothing was downloaded)."""


def is_model_dir(path: Path) -> bool:
    """True when `path` looks like an unpacked Vosk model (am/final.mdl and conf/model.conf)."""
    return (path / "am" / "final.mdl").is_file() and (path / "conf" / "model.conf").is_file()


def fetch(info: ModelInfo, model_dir: Path, progress: Optional[ProgressFn] = None,
          force: bool = False) -> FetchResult:
    """Make `model_dir/info.name` hold the model, downloading only what is missing.

    info: the catalog entry.
    model_dir: parent folder (settings.model_dir); created if needed.
    progress: called after every block; see text_progress().
    force: download and unpack again even if the folder exists.
    """
    target = model_dir / info.name
    if is_model_dir(target) and not force:
        _LOGGER.info("model %s already at %s", info.name, target)
        return FetchResult(target, 0, 0, 0, "")
    model_dir.mkdir(parents=True, exist_ok=True)
    part = model_dir / f"{info.name}.zip.part"
    resumed, fetched, total = _download(info.url, part, progress)
    size, digest = _verify(part, info, total)
    _unpack(part, target, info.name)
    part.unlink()
    return FetchResult(target, fetched, resumed, size, digest)


def _open(url: str, start: int) -> "urllib.response.addinfourl":  # type: ignore[name-defined]
    request = urllib.request.Request(url, headers={"User-Agent": "yuechao-models/1"})
    if start:
        request.add_header("Range", f"bytes={start}-")
    try:
        return urllib.request.urlopen(request, timeout=_TIMEOUT_S)
    except urllib.error.HTTPError:
        raise
    except (TimeoutError, urllib.error.URLError, ConnectionError, OSError) as exc:
        host = urllib.request.urlparse(url).netloc
        raise OfflineError(
            f"cannot reach {host} ({getattr(exc, 'reason', exc)}): this device looks offline. "
            f"Retry when online (the download resumes), or copy the unpacked model folder by hand."
        ) from exc


def _download(url: str, part: Path, progress: Optional[ProgressFn]) -> "tuple[int, int, Optional[int]]":
    """Fetch url into part, resuming; return (bytes kept, bytes fetched, total or None)."""
    start = part.stat().st_size if part.exists() else 0
    try:
        response = _open(url, start)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and start:  # the .part is already complete
            return start, 0, start
        raise OfflineError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
    with response:
        status = response.status
        length = response.headers.get("Content-Length")
        if status == 206:
            total = _total_from_range(response.headers.get("Content-Range"))
            mode = "ab"
        else:
            if start:
                _LOGGER.info("server ignored Range; downloading %s from the start", url)
            start, mode = 0, "wb"
            total = int(length) if length is not None else None
        fetched = 0
        with open(part, mode) as out:
            while True:
                try:
                    block = response.read(_BLOCK)
                except (TimeoutError, ConnectionError, OSError) as exc:
                    raise OfflineError(
                        f"download of {url} broke off after {start + fetched} bytes ({exc}); "
                        "run the same command again to resume") from exc
                if not block:
                    break
                out.write(block)
                fetched += len(block)
                if progress:
                    progress(start + fetched, total)
    return start, fetched, total


def _total_from_range(header: Optional[str]) -> Optional[int]:
    # "bytes 100-199/200" → 200; "bytes 100-199/*" → None
    if not header or "/" not in header:
        return None
    tail = header.rsplit("/", 1)[1].strip()
    return int(tail) if tail.isdigit() else None


def _verify(part: Path, info: ModelInfo, server_total: Optional[int]) -> "tuple[int, str]":
    """Existence, then size, then hash (the cheap checks first); a bad .part is deleted."""
    size = part.stat().st_size
    expected = info.size_bytes if info.size_bytes is not None else server_total
    if expected is not None and size != expected:
        if size > expected:
            part.unlink()
        raise VerifyError(f"{part.name}: {size} bytes, expected {expected}"
                          + ("; deleted, fetch again" if size > expected else "; fetch again to resume"))
    digest = hashlib.sha256()
    with open(part, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    hexdigest = digest.hexdigest()
    if info.sha256 and hexdigest != info.sha256:
        part.unlink()
        raise VerifyError(f"{part.name}: sha256 {hexdigest}, expected {info.sha256}; deleted, fetch again")
    if not info.sha256:
        _LOGGER.warning("%s has no pinned sha256 in catalog.json; got %s (%d bytes)",
                        info.name, hexdigest, size)
    return size, hexdigest


def _unpack(archive: Path, target: Path, name: str) -> None:
    """Unzip beside target, check it is a model, then os.replace it into place."""
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.unpack-", dir=target.parent))
    try:
        try:
            with zipfile.ZipFile(archive) as zf:
                bad = zf.testzip()
                if bad is not None:
                    raise VerifyError(f"{archive.name}: member {bad} fails its CRC check")
                for member in zf.namelist():
                    if member.startswith("/") or ".." in Path(member).parts:
                        raise VerifyError(f"{archive.name}: unsafe member path {member!r}")
                zf.extractall(tmp)
        except zipfile.BadZipFile as exc:
            archive.unlink()
            raise VerifyError(f"{archive.name}: not a zip archive ({exc}); deleted, fetch again") from exc
        entries = [p for p in tmp.iterdir() if not p.name.startswith(".")]
        root = entries[0] if len(entries) == 1 and entries[0].is_dir() else tmp
        if not is_model_dir(root):
            raise VerifyError(f"{archive.name}: no am/final.mdl and conf/model.conf inside; not a Vosk model")
        if target.exists():
            old = target.with_name(f".{name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(target, old)
            shutil.rmtree(old, ignore_errors=True)
        os.replace(root, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def text_progress(stream: TextIO = sys.stderr) -> ProgressFn:
    """A progress bar on one stderr line: `[#####-----]  42% 18.1/42.0 MB`."""
    state = {"last": -1}

    def show(done: int, total: Optional[int]) -> None:
        if total:
            percent = int(done * 100 / total)
            if percent == state["last"]:
                return
            state["last"] = percent
            bar = "#" * (percent // 5) + "-" * (20 - percent // 5)
            stream.write(f"\r[{bar}] {percent:3d}% {done / 1e6:.1f}/{total / 1e6:.1f} MB")
        else:
            stream.write(f"\r{done / 1e6:.1f} MB")
        if total and done >= total:
            stream.write("\n")
        stream.flush()

    return show
