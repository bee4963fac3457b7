"""The injected clock: fake time moves only when told, and listeners see every move."""

from datetime import datetime, timedelta

import pytest

from assistant.clock import FakeClock, SystemClock, parse_span


def test_fake_clock_advances_and_notifies() -> None:
    clock = FakeClock(datetime(2025, 3, 1, 7, 59))
    seen = []
    clock.on_advance(lambda old, new: seen.append((old, new)))
    clock.advance(timedelta(minutes=1))
    assert clock.now() == datetime(2025, 3, 1, 8, 0)
    assert clock.monotonic() == 60.0
    assert seen == [(datetime(2025, 3, 1, 7, 59), datetime(2025, 3, 1, 8, 0))]


def test_fake_clock_jump_keeps_monotonic_time() -> None:
    clock = FakeClock(datetime(2000, 1, 1), trusted=False)
    assert not clock.is_trusted()
    clock.set(datetime(2025, 3, 1, 8, 0))
    clock.mark_trusted()
    assert clock.now() == datetime(2025, 3, 1, 8, 0)
    assert clock.monotonic() == 0.0
    assert clock.is_trusted()


def test_fake_clock_refuses_to_go_back_by_advance() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        FakeClock(datetime(2025, 3, 1)).advance(timedelta(seconds=-1))


def test_system_clock_trust_can_be_forced() -> None:
    clock = SystemClock(always_trusted=True)
    assert clock.is_trusted()
    assert abs((clock.now() - datetime.now()).total_seconds()) < 5


@pytest.mark.parametrize(("text", "seconds"), [("30m", 1800), ("2h", 7200), ("1d", 86400), ("1h30m", 5400)])
def test_parse_span(text: str, seconds: int) -> None:
    assert parse_span(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "m", "10", "3w", "-5m"])
def test_parse_span_rejects_with_hint(text: str) -> None:
    with pytest.raises(ValueError, match="expected e.g. 30m"):
        parse_span(text)
