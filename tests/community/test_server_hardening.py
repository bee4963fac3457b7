"""Issue 14, accounts and sessions: throttling no one can turn against users, pairing codes
that die of guessing, revocation that ends held long polls, staff ending a family login's
sessions, the password policy, and the smaller defects (page title, Secure cookies, 413)."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator, List, Tuple

import httpx
import pytest
import sqlalchemy as sa
from community_world import _HASH, PASSWORD, ServerProcess, World
from fastapi.testclient import TestClient

from community.app import create_app
from community.config import Settings
from community.domain.accounts import login
from community.errors import CommunityError
from community.models import KnownBrowser, LoginThrottle, PairingCode, Role, User, WebSession
from community.security import Throttle, ThrottleRules

LOGIN = "/api/v1/auth/login"


def _login(client: TestClient, username: str, password: str = PASSWORD) -> httpx.Response:
    return client.post(LOGIN, json={"username": username, "password": password})


def _from(world: World, address: str) -> TestClient:
    """A fresh browser (no cookies) at a client address."""
    client = TestClient(world.app, raise_server_exceptions=False, client=(address, 50000))
    world._clients.append(client)
    return client


def _wait_seconds(response: httpx.Response) -> int:
    """The wait a 429 names, in seconds ("请 4 秒后再试" / "请 15 分钟后再试")."""
    message = response.json()["error"]["message"]
    number = int(re.search(r"(\d+) (秒|分钟)后再试", message).group(1))
    return number * (60 if "分钟" in message else 1)


def _guess_until_blocked(world: World, client: TestClient, username: str) -> List[int]:
    """Wrong passwords, waiting out every delay with the fake clock; the waits it was told."""
    waits = []
    for _ in range(14):
        answer = _login(client, username, "wrong-password")
        if answer.status_code == 429:
            waits.append(_wait_seconds(answer))
            world.clock.advance(seconds=waits[-1])
            answer = _login(client, username, "wrong-password")
        assert answer.status_code == 401, answer.text
    return waits


# ---------------------------------------------------------------------------------- defect 7


def test_a_guesser_elsewhere_cannot_lock_the_real_user_out(world: World) -> None:
    """Issue 14 defect 7: 5 wrong passwords from any address locked the user out everywhere."""
    phone = _from(world, "10.1.1.5")
    assert _login(phone, "fam_a").status_code == 200
    assert phone.cookies.get("yc_browser")  # this browser is now known to fam_a
    staff_pc = _from(world, "10.1.1.6")
    assert _login(staff_pc, "staff1").status_code == 200
    attacker = _from(world, "203.0.113.9")
    waits = _guess_until_blocked(world, attacker, "fam_a")
    # A growing delay, not a lock: 3 free tries, then 2 s, 4 s, 8 s, … each try is still checked.
    assert waits[:6] == [2, 4, 8, 16, 32, 64]
    delayed = _login(attacker, "fam_a", PASSWORD)  # even the right password waits its turn there
    assert delayed.status_code == 429
    # The real user on a known browser is not delayed at all, right after the guesses.
    phone.cookies.delete("yc_session")
    assert _login(phone, "fam_a").status_code == 200
    # A browser the account does not know is delayed by the account-wide count (14 > 10
    # failures), never locked: once the wait it is told has passed, the right password works.
    new_phone = _from(world, "10.1.1.7")
    wait = _login(new_phone, "fam_a")
    assert wait.status_code == 429 and _wait_seconds(wait) <= 900
    world.clock.advance(seconds=_wait_seconds(wait))
    assert _login(new_phone, "fam_a").status_code == 200
    # Staff accounts alike.
    _guess_until_blocked(world, attacker, "staff1")
    assert _login(attacker, "staff1", PASSWORD).status_code == 429
    assert _login(staff_pc, "staff1").status_code == 200


def test_the_longest_delay_is_fifteen_minutes(world: World) -> None:
    attacker = _from(world, "203.0.113.9")
    told = []
    for _ in range(16):
        answer = _login(attacker, "fam_c", "wrong-password")
        if answer.status_code == 429:
            told.append(_wait_seconds(answer))
            world.clock.advance(seconds=told[-1])
            assert _login(attacker, "fam_c", "wrong-password").status_code == 401
    assert max(told) == 900 and told[-1] == 900


def test_a_busy_address_with_many_users_still_logs_in(world: World) -> None:
    """Issue 14 defect 7: 20 failures from one address blocked every user behind it."""
    with world.database.write() as session:
        for n in range(40):
            session.add(
                User(
                    username=f"centre{n}",
                    display_name=f"家属{n}",
                    password_hash=_HASH,
                    role=Role.FAMILY,
                    created_at=world.clock.now(),
                )
            )
    # A community centre behind one router: 40 people log in, a few mistype first.
    statuses, browsers = [], []
    for n in range(40):
        browser = _from(world, "198.51.100.7")
        browsers.append(browser)
        if n % 4 == 0:
            statuses.append(_login(browser, f"centre{n}", "typo-password").status_code)
        statuses.append(_login(browser, f"centre{n}").status_code)
    assert statuses.count(401) == 10 and statuses.count(200) == 40 and 429 not in statuses
    # Someone at the centre then guesses names: with the 10 typos, 30 failures stop *unknown*
    # browsers at this address ...
    guesser = _from(world, "198.51.100.7")
    guesses = [_login(guesser, f"nobody{n}", "x").status_code for n in range(21)]
    assert guesses == [401] * 20 + [429]
    # ... but everyone who logged in here before still can, from their own browser.
    for n in (5, 16, 39):
        browsers[n].cookies.delete("yc_session")
        assert _login(browsers[n], f"centre{n}").status_code == 200
    assert _login(_from(world, "198.51.100.7"), "centre5").status_code == 429  # a new browser waits


def test_a_known_browser_is_throttled_on_its_own(world: World) -> None:
    phone = _from(world, "10.1.1.5")
    assert _login(phone, "fam_a").status_code == 200
    statuses = [_login(phone, "fam_a", "wrong-password").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]  # a stolen cookie is no free pass
    with world.database.reader() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(KnownBrowser)) == 1
    other = _from(world, "10.1.1.9")  # the account's other browsers are not delayed by it
    assert _login(other, "fam_a").status_code == 200


def test_parallel_guesses_are_counted_before_the_password_is_checked(world: World, tmp_path: Path) -> None:
    """Issue 14 defect 7: 31 parallel guesses had 19 checked (failure recorded after the hash)."""
    server = ServerProcess(world.database.url, tmp_path, workers=1 if world.database.is_sqlite else 2)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:

            def guess(_n: int) -> int:
                body = {"username": "fam_a", "password": "wrong-password"}
                return client.post(LOGIN, json=body).status_code

            started = time.monotonic()
            with ThreadPoolExecutor(31) as pool:
                statuses = list(pool.map(guess, range(31)))
            seconds = time.monotonic() - started
    finally:
        server.stop()
    checked = statuses.count(401)
    print(f"31 parallel guesses: {checked} checked, {statuses.count(429)} refused in {seconds:.2f} s")
    assert checked + statuses.count(429) == 31
    # The defect was too many checked: at most the 3 free tries (a 4th only if the burst outlasted the
    # first 2-second delay). Under load on PostgreSQL with 2 workers a free try was once refused too (the
    # throttle erred on the strict side; seen in CI at 2 checked), so the lower bound is 2.
    assert 2 <= checked <= (3 if seconds < 2 else 4)


def test_parallel_guesses_with_a_stopped_clock_check_exactly_the_free_tries(world: World) -> None:
    """The same through the domain function, 31 threads, the injected clock standing still."""
    throttle = Throttle(ThrottleRules.from_settings(world.settings))
    now = world.clock.now()

    def guess(address: str) -> str:
        try:
            login(world.database, throttle, "fam_a", "wrong-password", address, now, 1)
        except CommunityError as exc:
            return exc.code
        return "ok"

    with ThreadPoolExecutor(31) as pool:
        one_address = list(pool.map(guess, ["203.0.113.7"] * 31))
    assert one_address.count("not_authenticated") == 3  # the 3 free tries, and nothing more
    assert one_address.count("too_many_attempts") == 28
    with ThreadPoolExecutor(31) as pool:
        many = list(pool.map(guess, [f"198.51.100.{n}" for n in range(31)]))
    # From 31 other addresses at once: the account-wide 10 free tries bound them (3 + 7).
    assert many.count("not_authenticated") == 7 and many.count("too_many_attempts") == 24


# ---------------------------------------------------------------------------------- defect 8


def _code(world: World, staff: TestClient, home: str = "a") -> str:
    answer = staff.post("/api/v1/pairing-codes", json={"household_id": world.ids[home]})
    assert answer.status_code == 201
    return answer.json()["code"]


def test_a_pairing_code_dies_after_ten_wrong_guesses_and_staff_see_why(world: World) -> None:
    """Issue 14 defect 8: no limit per code (5 addresses → 100 guesses at one code)."""
    staff = world.client("staff1")
    code = _code(world, staff)
    wrong = [f"{n:06d}" for n in range(12) if f"{n:06d}" != code][:10]
    for n, guess in enumerate(wrong):  # five addresses, two guesses each
        answer = _from(world, f"192.0.2.{n // 2}").post("/api/v1/devices/pair", json={"code": guess})
        assert (answer.status_code, answer.json()["error"]["code"]) == (400, "pairing_failed")
    late = _from(world, "192.0.2.200").post("/api/v1/devices/pair", json={"code": code})
    assert late.status_code == 400  # the right code, but it died of the guesses
    page = re.sub(r"<[^>]+>", " ", staff.get("/staff/devices").text)
    assert "已作废：有人输错配对码 10 次（每个码最多 10 次）" in page
    fresh = _code(world, staff)  # staff make a new one, and it works
    assert _from(world, "192.0.2.201").post("/api/v1/devices/pair", json={"code": fresh}).status_code == 201
    assert "已使用" in staff.get("/staff/devices").text


def test_pairing_guesses_from_everywhere_have_an_overall_limit(world: World) -> None:
    statuses = []
    for n in range(101):  # 101 addresses would each stay under their own limit of 20
        answer = _from(world, f"192.0.2.{n}").post("/api/v1/devices/pair", json={"code": f"{n:06d}"})
        statuses.append(answer.status_code)
    assert statuses == [400] * 100 + [429]
    world.clock.advance(minutes=15)
    answer = _from(world, "192.0.2.250").post("/api/v1/devices/pair", json={"code": "999999"})
    assert answer.status_code == 400  # a new window


def test_a_good_pairing_is_not_counted_against_the_address(world: World) -> None:
    staff = world.client("staff1")
    for _ in range(25):  # staff pairing a whole building from the office
        code = _code(world, staff)
        assert _from(world, "192.0.2.1").post("/api/v1/devices/pair", json={"code": code}).status_code == 201
    with world.database.reader() as session:
        assert session.scalar(sa.select(sa.func.sum(PairingCode.wrong_guesses))) == 0


# ---------------------------------------------------------------------------------- defect 9


def _server_login(server: ServerProcess, username: str) -> httpx.Client:
    client = httpx.Client(base_url=server.url, timeout=30)
    answer = client.post(LOGIN, json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    return client


@pytest.fixture
def live(world: World, tmp_path: Path) -> Iterator[Tuple[World, ServerProcess]]:
    """A real server process on the world's database (2 workers on PostgreSQL: NOTIFY path)."""
    server = ServerProcess(world.database.url, tmp_path, workers=1 if world.database.is_sqlite else 2)
    yield world, server
    server.stop()


def test_revoking_a_speaker_ends_its_held_long_poll_at_once(live: Tuple[World, ServerProcess]) -> None:
    """Issue 14 defect 9: a held long poll outlived the revoke (up to 55 s)."""
    world, server = live
    token = world.device("a").headers["Authorization"]
    device_id = world.ids["device_a"]
    staff = _server_login(server, "staff1")
    with httpx.Client(base_url=server.url, timeout=60, headers={"Authorization": token}) as speaker:
        first = speaker.post("/api/v1/device/sync", json={})
        assert first.status_code == 200
        cursor = first.json()["cursor"]
        with ThreadPoolExecutor(1) as pool:
            poll = pool.submit(speaker.post, "/api/v1/device/sync", json={"cursor": cursor, "wait": 50})
            with pytest.raises(TimeoutError):
                poll.result(timeout=1.0)  # held: nothing new
            revoked_at = time.monotonic()
            assert staff.post(f"/api/v1/devices/{device_id}/revoke").status_code == 200
            answer = poll.result(timeout=10)
            ended_after = time.monotonic() - revoked_at
    staff.close()
    print(f"held poll ended {ended_after * 1000:.0f} ms after the revoke")
    assert (answer.status_code, answer.json()["error"]["code"]) == (401, "not_authenticated")
    assert ended_after < 3


def test_a_message_sent_after_the_revoke_never_reaches_the_revoked_speaker(
    live: Tuple[World, ServerProcess],
) -> None:
    world, server = live
    staff, family = _server_login(server, "staff1"), _server_login(server, "fam_a")
    for round_ in range(3):
        token = world.device("a").headers["Authorization"]
        device_id = world.ids["device_a"]
        with httpx.Client(base_url=server.url, timeout=60, headers={"Authorization": token}) as speaker:
            cursor = speaker.post("/api/v1/device/sync", json={}).json()["cursor"]
            with ThreadPoolExecutor(1) as pool:
                poll = pool.submit(speaker.post, "/api/v1/device/sync", json={"cursor": cursor, "wait": 50})
                with pytest.raises(TimeoutError):
                    poll.result(timeout=0.5)
                assert staff.post(f"/api/v1/devices/{device_id}/revoke").status_code == 200
                sent = family.post(
                    f"/api/v1/households/{world.ids['a']}/messages", json={"body": f"秘密消息{round_}"}
                )
                assert sent.status_code == 201
                answer = poll.result(timeout=10)
            assert answer.status_code == 401 and "秘密消息" not in answer.text
            again = speaker.post("/api/v1/device/sync", json={"cursor": cursor})
            assert again.status_code == 401 and "秘密消息" not in again.text
    staff.close()
    family.close()


def test_staff_end_a_family_logins_sessions(world: World) -> None:
    phone, laptop = _from(world, "10.1.1.5"), _from(world, "10.1.1.6")
    for browser in (phone, laptop):
        answer = _login(browser, "fam_a")
        browser.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
        assert browser.get("/family").status_code == 200
    staff = world.client("staff1")
    page = staff.get("/staff/households").text
    assert "fam_a" in page and "2 处" in page and "全部退出登录" in page
    user_id = world.ids["fam_a"]
    url = f"/staff/family/{user_id}/end-sessions"
    no_token = staff.post(url, data={}, follow_redirects=False)
    assert no_token.status_code == 403  # CSRF protected
    assert phone.get("/api/v1/me").status_code == 200
    other_community = world.client("staff2")
    assert (
        other_community.post(
            url, data={"csrf_token": other_community.headers["X-CSRF-Token"]}, follow_redirects=False
        ).status_code
        == 404
    )
    ended = staff.post(url, data={"csrf_token": staff.headers["X-CSRF-Token"]}, follow_redirects=False)
    assert ended.status_code == 303
    notice = staff.get(ended.headers["location"]).text
    assert "已让 fam_a（fam_a）在所有手机和电脑上退出登录" in notice
    for browser in (phone, laptop):
        assert browser.get("/api/v1/me").status_code == 401
        assert browser.get("/family", follow_redirects=False).headers["location"] == "/login"
    with world.database.reader() as session:
        assert (
            session.scalar(
                sa.select(sa.func.count()).select_from(WebSession).where(WebSession.user_id == user_id)
            )
            == 0
        )
        assert (
            session.scalar(
                sa.select(sa.func.count()).select_from(KnownBrowser).where(KnownBrowser.user_id == user_id)
            )
            == 0
        )
    # the API route does the same for staff, and refuses families and speakers
    assert staff.post(f"/api/v1/family-logins/{user_id}/end-sessions").json() == {"ended": 0}
    assert world.client("fam_a").post(f"/api/v1/family-logins/{user_id}/end-sessions").status_code == 403
    assert (
        world.client("staff1").post(f"/api/v1/family-logins/{world.ids['staff1']}/end-sessions").status_code
        == 404
    )


# ---------------------------------------------------------------------------------- defect 10


@pytest.mark.parametrize(
    "password",
    ["12345678", "password", "11111111", "88888888", "qwertyui", "Password1", "abcdefgh", "87654321"],
)
def test_common_passwords_are_refused_for_family_logins(world: World, password: str) -> None:
    staff = world.client("staff1")
    body = {"username": "xiaohong", "display_name": "王小红", "password": password}
    answer = staff.post(f"/api/v1/households/{world.ids['a']}/family", json=body)
    assert answer.status_code == 422
    assert answer.json()["error"]["message"].startswith("这个密码太常见，别人很容易猜到，请换一个")


def test_the_staff_form_explains_a_weak_password_in_chinese(world: World) -> None:
    staff = world.client("staff1")
    fields = {"household_id": world.ids["a"], "username": "xiaohong", "display_name": "王小红"}
    form = {"csrf_token": staff.headers["X-CSRF-Token"], **fields}
    weak = staff.post("/staff/family", data={**form, "password": "12345678"})
    assert weak.status_code == 422 and "这个密码太常见" in weak.text and 'value="xiaohong"' in weak.text
    short = staff.post("/staff/family", data={**form, "password": "abc"})
    assert short.status_code == 422 and "密码要 8 到 128 位" in short.text
    same = staff.post("/staff/family", data={**form, "username": "wanghong88", "password": "WangHong88"})
    assert same.status_code == 422 and "密码不能和用户名一样" in same.text
    good = staff.post("/staff/family", data={**form, "password": "桂花糕-每周三下午"}, follow_redirects=False)
    assert good.status_code == 303
    assert _login(world.client(), "xiaohong", "桂花糕-每周三下午").status_code == 200


def test_the_households_page_title_is_only_the_title(world: World) -> None:
    """Issue 14 defect 10: the <title> held the add-family form and its CSRF token."""
    staff = world.client("staff1")
    html = staff.get("/staff/households").text
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert title == "住户"
    assert staff.headers["X-CSRF-Token"] not in title
    assert html.count('action="/staff/family"') == 1


def _cookie(response: httpx.Response, name: str) -> str:
    return next(c for c in response.headers.get_list("set-cookie") if c.startswith(f"{name}="))


def test_login_cookies_are_secure_over_https(world: World) -> None:
    """Issue 14 defect 10: yc_login never got Secure."""
    plain = TestClient(world.app, base_url="http://testserver")
    page = plain.get("/login")
    assert "secure" not in _cookie(page, "yc_login").lower()
    tls = TestClient(world.app, base_url="https://testserver")
    page = tls.get("/login")
    assert "; secure" in _cookie(page, "yc_login").lower()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    done = tls.post(
        "/login", data={"csrf_token": csrf, "username": "fam_a", "password": PASSWORD}, follow_redirects=False
    )
    assert done.status_code == 303
    for name in ("yc_session", "yc_browser"):
        assert "; secure" in _cookie(done, name).lower()
    forced = Settings(data_dir=world.settings.data_dir, database_url=world.database.url, cookie_secure=True)
    configured = TestClient(create_app(forced, clock=world.clock, database=world.database))
    assert "; secure" in _cookie(configured.get("/login"), "yc_login").lower()
    for client in (plain, tls, configured):
        client.close()


def test_behind_the_documented_proxy_cookies_follow_x_forwarded_proto(
    live: Tuple[World, ServerProcess],
) -> None:
    """nginx on the same host sends X-Forwarded-Proto; uvicorn trusts it from 127.0.0.1 only."""
    _world, server = live
    proxied = httpx.get(f"{server.url}/login", headers={"X-Forwarded-Proto": "https"})
    assert "; secure" in _cookie(proxied, "yc_login").lower()
    direct = httpx.get(f"{server.url}/login")
    assert "secure" not in _cookie(direct, "yc_login").lower()
    # and a chunked body over 64 KiB is 413 on the real server too
    chunks = (b"x" * 16384 for _ in range(5))
    answer = httpx.post(f"{server.url}{LOGIN}", content=chunks, headers={"content-type": "application/json"})
    assert (answer.status_code, answer.json()["error"]["code"]) == (413, "body_too_large")


def test_chunked_bodies_over_64_kib_answer_413(world: World) -> None:
    """Issue 14 defect 10: a streamed body over the limit answered 400."""
    staff = world.client("staff1")

    def chunks() -> Iterator[bytes]:
        for _ in range(5):
            yield b"a" * 16384

    json_api = staff.post(
        "/api/v1/activities", content=chunks(), headers={"content-type": "application/json"}
    )
    assert (json_api.status_code, json_api.json()["error"]["code"]) == (413, "body_too_large")
    form = staff.post(
        "/staff/households",
        content=chunks(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code == 413
    small = staff.post(
        "/api/v1/activities", content=iter([b"{not json"]), headers={"content-type": "application/json"}
    )
    assert small.status_code == 422  # under the limit, chunked bodies are read as before


def test_old_counters_are_forgotten(world: World) -> None:
    guesser = _from(world, "203.0.113.9")
    for n in range(5):
        assert _login(guesser, f"nobody{n}", "x").status_code == 401
    with world.database.reader() as session:
        before = session.scalar(sa.select(sa.func.count()).select_from(LoginThrottle))
    world.clock.advance(days=2)
    assert _login(_from(world, "10.1.1.5"), "fam_a").status_code == 200
    with world.database.reader() as session:
        keys = session.scalars(sa.select(LoginThrottle.key)).all()
    assert before == 11 and sorted(keys) == ["acct:fam_a", "ip:10.1.1.5"]  # the guesser's rows are gone


@pytest.mark.parametrize("backend", [pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_a_process_that_starts_listening_late_still_knows_the_revoked_tokens(world: World) -> None:
    """Revocations committed before a process's LISTEN was up are loaded when it connects."""
    import asyncio

    from community.models import Device
    from community.wakeup import ChangeHub, token_key

    world.device("a")
    with world.database.write() as session:
        device = session.get(Device, world.ids["device_a"])
        device.revoked_at = world.clock.now()  # revoked while no hub was listening
        digest = device.token_hash
    hub = ChangeHub(world.database.url)
    assert not hub.ready.is_set()

    async def start() -> None:
        hub.watch("nothing")  # binds the loop and starts LISTEN

    asyncio.run(start())
    try:
        assert hub.ready.wait(timeout=10)
        assert hub.is_revoked(token_key(digest))
    finally:
        hub.close()
