"""Model download against a real HTTP server on loopback serving a zip built here."""

from __future__ import annotations

import hashlib
import io
import socket
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import pytest

from models import Catalog, ModelInfo, ModelNotFoundError, OfflineError, VerifyError, fetch

NAME = "vosk-model-test-0.1"


def _model_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(f"{NAME}/am/final.mdl", bytes(range(256)) * 400)
        zf.writestr(f"{NAME}/conf/model.conf", "--beam=10.0\n")
        zf.writestr(f"{NAME}/README", "test model\n")
    return buf.getvalue()


class _Server:
    """Serves one body; honours Range unless told not to; records the Range headers it saw."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.ranges: List[Optional[str]] = []
        self.honour_range = True
        self.truncate_at: Optional[int] = None
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server API
                header = self.headers.get("Range")
                outer.ranges.append(header)
                start = 0
                if header and outer.honour_range:
                    start = int(header.split("=")[1].split("-")[0])
                    if start >= len(outer.body):
                        self.send_response(416)
                        self.end_headers()
                        return
                    self.send_response(206)
                    size = len(outer.body)
                    self.send_header("Content-Range", f"bytes {start}-{size - 1}/{size}")
                else:
                    self.send_response(200)
                payload = outer.body[start:]
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if outer.truncate_at is not None:
                    payload = payload[: outer.truncate_at]
                self.wfile.write(payload)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/{NAME}.zip"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture()
def body() -> bytes:
    return _model_zip()


@pytest.fixture()
def server(body: bytes) -> Iterator[_Server]:
    srv = _Server(body)
    yield srv
    srv.close()


def _info(url: str, body: bytes, **kw: object) -> ModelInfo:
    fields: Dict[str, object] = dict(name=NAME, lang="xx", url=url, size_bytes=len(body),
                                     sha256=hashlib.sha256(body).hexdigest())
    fields.update(kw)
    return ModelInfo(**fields)  # type: ignore[arg-type]


def test_fetch_downloads_verifies_and_unpacks(tmp_path: Path, server: _Server, body: bytes) -> None:
    seen: List[int] = []
    result = fetch(_info(server.url, body), tmp_path, progress=lambda done, total: seen.append(done))
    assert result.path == tmp_path / NAME
    assert (tmp_path / NAME / "am" / "final.mdl").read_bytes() == bytes(range(256)) * 400
    assert result.downloaded_bytes == len(body) and result.resumed_from == 0
    assert result.sha256 == hashlib.sha256(body).hexdigest()
    assert seen[-1] == len(body)
    assert sorted(p.name for p in tmp_path.iterdir()) == [NAME]  # no .part, no temp dirs left
    assert server.ranges == [None]


def test_second_fetch_is_a_no_op(tmp_path: Path, server: _Server, body: bytes) -> None:
    fetch(_info(server.url, body), tmp_path)
    again = fetch(_info(server.url, body), tmp_path)
    assert again.downloaded_bytes == 0
    assert server.ranges == [None]


def test_fetch_resumes_a_part_file_with_range(tmp_path: Path, server: _Server, body: bytes) -> None:
    (tmp_path / f"{NAME}.zip.part").write_bytes(body[:1000])
    result = fetch(_info(server.url, body), tmp_path)
    assert server.ranges == ["bytes=1000-"]
    assert result.resumed_from == 1000
    assert result.downloaded_bytes == len(body) - 1000
    assert (tmp_path / NAME / "README").read_text() == "test model\n"


def test_server_ignoring_range_restarts_cleanly(tmp_path: Path, server: _Server, body: bytes) -> None:
    server.honour_range = False
    (tmp_path / f"{NAME}.zip.part").write_bytes(b"garbage" * 10)
    result = fetch(_info(server.url, body), tmp_path)
    assert result.resumed_from == 0 and result.downloaded_bytes == len(body)


def test_broken_off_download_keeps_part_then_resumes(tmp_path: Path, server: _Server, body: bytes) -> None:
    server.truncate_at = 5000
    with pytest.raises((VerifyError, OfflineError)):
        fetch(_info(server.url, body), tmp_path)
    assert (tmp_path / f"{NAME}.zip.part").stat().st_size == 5000
    assert not (tmp_path / NAME).exists()
    server.truncate_at = None
    result = fetch(_info(server.url, body), tmp_path)
    assert result.resumed_from == 5000
    assert server.ranges[-1] == "bytes=5000-"


def test_wrong_checksum_deletes_part(tmp_path: Path, server: _Server, body: bytes) -> None:
    with pytest.raises(VerifyError, match="sha256"):
        fetch(_info(server.url, body, sha256="0" * 64), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_unknown_size_and_hash_use_server_length(tmp_path: Path, server: _Server, body: bytes) -> None:
    result = fetch(_info(server.url, body, size_bytes=None, sha256=None), tmp_path)
    assert result.size_bytes == len(body)


def test_zip_without_model_is_refused(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("x/readme.txt", "not a model")
    srv = _Server(buf.getvalue())
    try:
        with pytest.raises(VerifyError, match="not a Vosk model"):
            fetch(_info(srv.url, buf.getvalue()), tmp_path)
    finally:
        srv.close()
    assert not (tmp_path / NAME).exists()


def test_unreachable_server_says_offline(tmp_path: Path, body: bytes) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(OfflineError, match="offline"):
        fetch(_info(f"http://127.0.0.1:{port}/m.zip", body), tmp_path)


def test_catalog_lists_the_small_chinese_model_and_rejects_unknown_names() -> None:
    catalog = Catalog.load()
    small = catalog.get("vosk-model-small-cn-0.22")
    assert small.url == "https://alphacephei.com/vosk/models/vosk-model-small-cn-0.22.zip"
    assert small.lang == "zh"
    assert catalog.default == "vosk-model-small-cn-0.22"
    with pytest.raises(ModelNotFoundError, match="vosk-model-small-cn-0.22"):
        catalog.get("vosk-model-tiny-xx")
