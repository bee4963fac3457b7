"""50 concurrent booking requests for the last 10 places → exactly 10 bookings (real server)."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import List

import httpx
import pytest
import sqlalchemy as sa
from community_world import ServerProcess

from community.actors import Actor, ActorKind
from community.db import Database
from community.domain.accounts import get_or_create_community
from community.domain.activities import ActivityInput, create_activity
from community.domain.bookings import book
from community.models import (
    ActivityCategory,
    Booking,
    BookingStatus,
    Household,
    Origin,
    Role,
    User,
    WebSession,
)
from community.security import hash_password, new_token, token_hash

RACERS = 50
LEFT = 10
ALREADY = 5


def _prepare(database: Database) -> tuple[str, str, str, List[str]]:
    """An activity with 5 of 15 places taken, 50 other households, and a staff session."""
    now = datetime.now(timezone.utc)
    with database.write() as session:
        community = get_or_create_community(session, "抢位社区")
        staff = User(
            username="racer",
            display_name="racer",
            password_hash=hash_password("racer-pass-1"),
            role=Role.STAFF,
            community_id=community.id,
            created_at=now,
        )
        session.add(staff)
        homes = [
            Household(community_id=community.id, elder_name=f"老人{i}", address_as=f"{i}号", created_at=now)
            for i in range(RACERS + ALREADY)
        ]
        session.add_all(homes)
        session.flush()
        actor = Actor(ActorKind.STAFF, staff.id, "racer", frozenset({community.id}))
        start = now + timedelta(days=1)
        activity = create_activity(
            session,
            actor,
            ActivityInput(
                "抢位", ActivityCategory.HEALTH, "礼堂", start, start + timedelta(hours=1), ALREADY + LEFT
            ),
            now,
        )
        for home in homes[:ALREADY]:
            book(session, actor, activity.id, home.id, Origin.STAFF, now)
        token, csrf = new_token(), new_token()
        session.add(
            WebSession(
                token_hash=token_hash(token),
                csrf_token=csrf,
                user_id=staff.id,
                created_at=now,
                expires_at=now + timedelta(hours=1),
            )
        )
        return activity.id, token, csrf, [h.id for h in homes[ALREADY:]]


async def _race(url: str, activity_id: str, token: str, csrf: str, homes: List[str]) -> List[httpx.Response]:
    limits = httpx.Limits(max_connections=RACERS)
    async with httpx.AsyncClient(
        base_url=url, cookies={"yc_session": token}, headers={"X-CSRF-Token": csrf}, limits=limits, timeout=30
    ) as client:
        return await asyncio.gather(
            *[
                client.post("/api/v1/bookings", json={"activity_id": activity_id, "household_id": home})
                for home in homes
            ]
        )


@pytest.mark.slow
def test_fifty_racers_get_exactly_ten_places(database: Database, backend: str, tmp_path: Path) -> None:
    activity_id, token, csrf, homes = _prepare(database)
    server = ServerProcess(database.url, tmp_path, workers=1 if backend == "sqlite" else 2)
    try:
        started = time.perf_counter()
        responses = asyncio.run(
            asyncio.wait_for(_race(server.url, activity_id, token, csrf, homes), timeout=60)
        )
        elapsed = time.perf_counter() - started
    finally:
        server.stop()
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] * LEFT + [409] * (RACERS - LEFT), [
        r.text for r in responses if r.status_code >= 500
    ]
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"full"}
    with database.reader() as session:
        confirmed = session.scalar(
            sa.select(sa.func.count())
            .select_from(Booking)
            .where(Booking.activity_id == activity_id, Booking.status == BookingStatus.CONFIRMED)
        )
        booked = session.execute(
            sa.text("SELECT booked, capacity FROM activities WHERE id = :id"), {"id": activity_id}
        ).one()
    assert (confirmed, booked[0], booked[1]) == (ALREADY + LEFT, ALREADY + LEFT, ALREADY + LEFT)
    print(f"{backend}: {RACERS} concurrent bookings in {elapsed * 1000:.0f} ms")


async def _flood(url: str, token: str, count: int) -> List[int]:
    async with httpx.AsyncClient(
        base_url=url, cookies={"yc_session": token}, timeout=60, limits=httpx.Limits(max_connections=count)
    ) as client:
        responses = await asyncio.gather(*[client.get("/api/v1/activities") for _ in range(count)])
    return [r.status_code for r in responses]


@pytest.mark.slow
def test_more_concurrent_requests_than_threads_and_pooled_connections(
    database: Database, backend: str, tmp_path: Path
) -> None:
    """150 at once on one worker (40 threads, ≤ 30 connections) must all succeed, none time out."""
    _, token, _, _ = _prepare(database)
    server = ServerProcess(database.url, tmp_path, workers=1)
    try:
        codes = asyncio.run(asyncio.wait_for(_flood(server.url, token, 150), timeout=90))
    finally:
        server.stop()
    assert codes == [200] * 150
