"""Every event survives to_dict/from_dict unchanged (sync and logs rely on it)."""

from __future__ import annotations

import dataclasses
import json
import typing
from datetime import datetime

import pytest

from assistant.events import EVENT_TYPES, event_from_dict

_SAMPLES = {str: "提醒您吃药", bool: True, float: 0.75, int: 3, datetime: datetime(2026, 12, 1, 8, 0, 30)}


def _sample(cls):
    hints = typing.get_type_hints(cls)
    values = {}
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        origin = typing.get_origin(hint)
        if origin is tuple:
            values[f.name] = ("明天有什么活动", "明天有什么活")
        elif origin is typing.Union:
            values[f.name] = _SAMPLES[typing.get_args(hint)[0]]
        else:
            values[f.name] = _SAMPLES[hint]
    return cls(**values)


@pytest.mark.parametrize("cls", EVENT_TYPES, ids=lambda c: c.__name__)
def test_round_trip(cls):
    event = _sample(cls)
    data = json.loads(json.dumps(event.to_dict(), ensure_ascii=False))
    assert cls.from_dict(data) == event
    assert event_from_dict(data) == event
    assert data["type"] == cls.__name__


def test_defaults_and_errors():
    from assistant.events import UtteranceHeard

    assert UtteranceHeard.from_dict({"text": "救命"}) == UtteranceHeard("救命", (), 1.0)
    with pytest.raises(ValueError, match="missing field 'text'"):
        UtteranceHeard.from_dict({})
    with pytest.raises(ValueError, match="unknown event type 'Nope'"):
        event_from_dict({"type": "Nope"})
