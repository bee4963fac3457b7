"""Phone screenshots of every page for docs/server.md, and the page walk the browser tests share.

Usage: .venv/bin/python bench/screenshots.py [--out docs/img] [--width 390]

Seeds the demo community (python -m community seed-demo) plus an open call for help, a service
request, a message from the elder, an announcement from last year and a household with long names,
starts a real server, logs in as the family member (daughter) and the staff member (staff), finds
every page by following the same-origin links of each page from the navigation, and writes one
PNG per kind of page (390 px wide, the first screen, palette-compressed to well under 80 KB), then
prints one JSON line per page: {"file", "title", "path", "who", "bytes"}.

tests/community/test_pages_walk.py walks the same way (crawl, problems) at 390, 360 and 1280 px.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple
from urllib.parse import urljoin, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

_LOGGER = logging.getLogger("bench.screenshots")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
PASSWORD = "yuechao-demo"
FAMILY, STAFF = "daughter", "staff"
DATA_WORDS = frozenset({"daughter", "son", "staff"})
"""The demo's login names: data staff typed (shown beside the person's name), not page text."""
ALLOWED_WORDS = frozenset({"API", "CSV", "ID", "JSON", "Excel", "WPS", "PNG", "UTF", "BOM", "OK"})
"""Latin words a Chinese page may show: names of formats and programs people know by these letters."""
_ID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|\d{4}-\d{2}-\d{2}"
)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:[.\-@][A-Za-z0-9_]+)*")
_SKIP = ("/api/", "/static/", "/logout")

# What a reader sees, and every visible element that reaches past the viewport's edges (elements
# inside a scrolling or clipping box are that box's business, not the page's).
PROBE_JS = """() => {
  const vw = document.documentElement.clientWidth;
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') return true;
    }
    return false;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (typeof el.className === 'string' && el.className.trim()
      ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if ((r.right > vw + 1 || r.left < -1) && !clipped(el)) {
      wide.push(name(el) + ' [' + Math.round(r.left) + '..' + Math.round(r.right) + '] "' +
                (el.innerText || el.value || '').trim().slice(0, 30) + '"');
    }
  }
  return {vw: vw, scroll: document.documentElement.scrollWidth, text: document.body.innerText,
          title: document.title, wide: wide.slice(0, 8)};
}"""


def english_words(text: str, also_allowed: Iterable[str] = ()) -> List[str]:
    """Words with two or more Latin letters outside the allow-lists ('fam_a' is one word)."""
    allowed = ALLOWED_WORDS | DATA_WORDS | frozenset(also_allowed)
    words = _WORD.findall(text)
    # A token with a digit is a code (a generated password 'xvef-7h63-kq58', a device id), not a word.
    return [
        w
        for w in words
        if sum(c.isascii() and c.isalpha() for c in w) >= 2
        and w not in allowed
        and not any(c.isdigit() for c in w)
    ]


def shape(path: str) -> str:
    """A page's kind: its path with ids replaced ('/family/h/{id}/reminders')."""
    return _ID.sub("{id}", urlsplit(path).path)


def file_name(who: str, path: str) -> str:
    """'family-reminders.png' for /family/h/{id}/reminders; 'staff-activities-id.png' for a detail."""
    parts = [p for p in shape(path).split("/") if p and p not in ("h", "family", "staff")]
    parts = ["id" if p == "{id}" else p for p in parts]
    return "-".join([who, *parts]) + ".png" if parts else f"{who}-home.png"


@dataclass(frozen=True)
class Problem:
    path: str
    width: int
    what: str

    def __str__(self) -> str:
        return f"{self.path} @ {self.width}px: {self.what}"


def problems(page: Any, path: str, also_allowed: Iterable[str] = ()) -> List[Problem]:
    """English words in the visible text or the tab title, and content wider than the viewport."""
    probe = page.evaluate(PROBE_JS)
    found: List[Problem] = []
    words = english_words(probe["title"] + "\n" + probe["text"], also_allowed)
    if words:
        found.append(Problem(path, probe["vw"], f"English words {sorted(set(words))[:12]}"))
    if probe["scroll"] > probe["vw"] or probe["wide"]:
        found.append(
            Problem(path, probe["vw"], f"wider than the screen ({probe['scroll']}px): {probe['wide']}")
        )
    return found


def login(page: Any, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/(family|staff).*"))


def crawl(page: Any, base: str, per_shape: int = 2, limit: int = 80) -> List[str]:
    """Every page reachable by same-origin links from where the login landed, breadth first.

    per_shape: pages visited of one kind (two households' reminders, two activities…)
    limit: pages visited at most; non-HTML answers (CSV files) are listed but not opened
    Returns the paths (with query) of the HTML pages, in the order found.
    """
    origin = urlsplit(base).netloc
    start = urlsplit(page.url)
    queue, seen, visited, per = (
        [start.path + (f"?{start.query}" if start.query else "")],
        set(),
        [],
        Counter(),
    )
    seen.add(queue[0])
    while queue and len(visited) < limit:
        path = queue.pop(0)
        if per[shape(path)] >= per_shape:
            continue
        answer = page.context.request.get(base + path, max_redirects=0, fail_on_status_code=False)
        if answer.status >= 300 or "text/html" not in answer.headers.get("content-type", ""):
            continue
        per[shape(path)] += 1
        page.goto(base + path)
        visited.append(path)
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            url = urlsplit(urljoin(base + path, href))
            if url.netloc != origin or url.path.startswith(_SKIP) or url.path.endswith(".csv"):
                continue
            found = url.path + (f"?{url.query}" if url.query else "")
            if found not in seen:
                seen.add(found)
                queue.append(found)
    return visited


# --- demo data --------------------------------------------------------------------------------------


def demo_database(folder: Path) -> str:
    """A migrated SQLite file in `folder` with the demo community and the extras; its URL."""
    from community.config import Settings
    from community.db import Database
    from community.seed import seed_demo

    url = f"sqlite:///{folder / 'community.db'}"
    database = Database(url)
    database.migrate()
    seed_demo(database, Settings(data_dir=folder, database_url=url))
    add_extras(database)
    database.dispose()
    return url


def add_extras(database: Any) -> None:
    """What the demo lacks for a full tour: a speaker with an open call, a request, old news."""
    import sqlalchemy as sa

    from community.actors import Actor, ActorKind
    from community.domain import devices, messages, service_requests
    from community.domain.households import HouseholdInput, create_household
    from community.models import Announcement, AnnouncementTarget, Dialect, Household, ServiceKind, User
    from community.security import Throttle

    now = datetime.now(timezone.utc)
    with database.write() as session:
        staff = session.scalars(sa.select(User).where(User.username == STAFF)).one()
        actor = Actor(ActorKind.STAFF, staff.id, staff.display_name, frozenset({staff.community_id or ""}))
        home = session.scalars(sa.select(Household).where(Household.address_as == "王阿姨")).one()
        code = devices.create_pairing_code(session, actor, home.id, now, 10)
        paired = devices.pair(session, Throttle(), code.code, "客厅音箱", "bench", now)
        speaker = devices.device_actor(session, paired.token, now)
        messages.send_message(session, speaker, None, "女儿，我今天去量了血压，一百三十。", now)
        messages.raise_alert(session, speaker, "我在卫生间摔倒了", now - timedelta(minutes=3))
        service_requests.create_request(
            session,
            speaker,
            None,
            ServiceKind.MEAL,
            "这个星期每天中午送一份少盐的饭",
            now + timedelta(days=1),
            now,
        )
        service_requests.create_request(session, actor, home.id, ServiceKind.HEALTH_CHECK, "", None, now)
        create_household(
            session, actor, HouseholdInput("欧阳玉兰芳", "欧阳婆婆", Dialect.CANTONESE, "12号楼东单元"), now
        )
        old = now - timedelta(days=400)
        session.add(
            Announcement(
                community_id=home.community_id,
                title="春节联欢会",
                body="去年的通知：春节联欢会在社区礼堂举行。",
                target=AnnouncementTarget.ALL,
                group_name="",
                publish_at=old,
                expires_at=old + timedelta(days=7),
                urgent=False,
                created_by=staff.id,
                created_at=old,
            )
        )


# --- server -----------------------------------------------------------------------------------------


class Server:
    """`python -m community serve` on an ephemeral port (used when no test fixture runs one)."""

    def __init__(self, database_url: str, folder: Path) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.log = open(folder / "server.log", "w", encoding="utf-8")
        command = [
            sys.executable,
            "-m",
            "community",
            "--data-dir",
            str(folder),
            "--database-url",
            database_url,
        ]
        self.proc = subprocess.Popen(
            [*command, "serve", "--port", str(port)],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        import httpx

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/login", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("server did not answer within 30 s")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
        self.log.close()


# --- small PNGs without extra packages ------------------------------------------------------------------


def _chunks(data: bytes) -> Iterable[Tuple[bytes, bytes]]:
    at = 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        yield data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        at += 12 + length


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def _pixels(png: bytes) -> Tuple[int, int, List[bytes]]:
    """Width, height and RGB rows of an 8-bit RGB/RGBA PNG (what Chromium writes)."""
    idat, width, height, channels = b"", 0, 0, 3
    for kind, body in _chunks(png):
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            if depth != 8 or colour not in (2, 6):
                raise ValueError(f"unsupported PNG (depth {depth}, colour type {colour})")
            channels = 4 if colour == 6 else 3
        elif kind == b"IDAT":
            idat += body
    raw, stride, rows, prev = zlib.decompress(idat), width * channels, [], bytearray(width * channels)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b, c = prev[x], prev[x - channels] if x >= channels else 0
            line[x] = (line[x] + (0, a, b, (a + b) // 2, _paeth(a, b, c))[kind]) & 0xFF
        rows.append(bytes(line) if channels == 3 else bytes(v for i, v in enumerate(line) if i % 4 != 3))
        prev = line
    return width, height, rows


def small_png(png: bytes, colours: int = 64) -> bytes:
    """The image as an 8-bit palette PNG of its `colours` most used colours (others: the nearest).

    Pages are flat colours and anti-aliased text, so 64 colours look the same and take a third of the
    bytes Chromium writes.
    """
    width, height, rows = _pixels(png)
    counts: Counter = Counter()
    for row in rows:
        counts.update(row[i : i + 3] for i in range(0, len(row), 3))
    palette = [c for c, _ in counts.most_common(colours)]
    index: Dict[bytes, int] = {c: i for i, c in enumerate(palette)}

    def nearest(c: bytes) -> int:
        def distance(i: int) -> int:
            return sum((p - q) ** 2 for p, q in zip(palette[i], c, strict=True))

        best = min(range(len(palette)), key=distance)
        index[c] = best
        return best

    raw = bytearray()
    for row in rows:
        raw.append(0)
        raw.extend(
            index.get(row[i : i + 3]) if row[i : i + 3] in index else nearest(row[i : i + 3])
            for i in range(0, len(row), 3)
        )

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"PLTE", b"".join(palette))
        + chunk(b"IDAT", zlib.compress(bytes(raw), 9))
        + chunk(b"IEND", b"")
    )


# --- the tour -----------------------------------------------------------------------------------------


def tour(base: str, out: Path, width: int = 390, height: int = 844) -> List[Dict[str, Any]]:
    """Walk both logins' pages, write one screenshot per kind of page to `out`; what was written."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written: List[Dict[str, Any]] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        for who, username in (("family", FAMILY), ("staff", STAFF)):
            context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
            context.set_default_timeout(15_000)
            page = context.new_page()
            login(page, base, username)
            for path in crawl(page, base, per_shape=1):
                page.goto(base + path)
                name = file_name(who, path)
                data = small_png(page.screenshot(full_page=False))
                (out / name).write_bytes(data)
                written.append(
                    {"file": name, "title": page.title(), "path": shape(path), "who": who, "bytes": len(data)}
                )
                for problem in problems(page, path):
                    _LOGGER.warning("%s", problem)
            context.close()
        browser.close()
    return written


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/screenshots.py", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img", help="Folder for the PNG files")
    parser.add_argument("--width", type=int, default=390, help="Viewport width in CSS pixels")
    parser.add_argument("--height", type=int, default=844, help="Viewport height (one screen is shot)")
    parser.add_argument("--markdown", action="store_true", help="Print the docs' table instead of JSON lines")
    parser.add_argument("--debug", action="store_true", help="Print DEBUG messages to stderr")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.INFO, stream=sys.stderr)
    with tempfile.TemporaryDirectory() as folder:
        server = Server(demo_database(Path(folder)), Path(folder))
        try:
            written = tour(server.url, args.out, args.width, args.height)
        finally:
            server.stop()
    if args.markdown:
        print(markdown_table(written, args.out))
    else:
        for item in written:
            print(json.dumps(item, ensure_ascii=False))
    return 0


def markdown_table(written: List[Dict[str, Any]], out: Path) -> str:
    """The pages as docs/server.md lists them: who, title, path, the shot (half size)."""
    try:
        folder = out.resolve().relative_to((ROOT / "docs").resolve()).as_posix()
    except ValueError:
        folder = out.as_posix()
    lines = ["| who | page | path | phone (390 px) |", "|---|---|---|---|"]
    for item in written:
        title = re.sub(r"^【[^】]*】", "", item["title"]).split(" - ")[0]
        who = "家属" if item["who"] == "family" else "工作人员"
        image = f'<img src="{folder}/{item["file"]}" width="195" alt="{title}">'
        lines.append(f"| {who} | {title} | `{item['path']}` | {image} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
