"""Skills: plain functions (parse, store, clock) → Answer, one table from intent to skill."""

from __future__ import annotations

import logging
from typing import Dict

from intents.schema import IntentId

from . import activities, helping, info, reminders, services, teaching
from .answer import CONFIRM, MORE, SLOT, Answer, Ask, Skill

_LOGGER = logging.getLogger(__name__)

SKILLS: Dict[IntentId, Skill] = {
    IntentId.ACTIVITY_QUERY: activities.query,
    IntentId.ACTIVITY_BOOK: activities.book,
    IntentId.BOOKING_CANCEL: activities.cancel,
    IntentId.BOOKING_LIST: activities.schedule,
    IntentId.REMINDER_CREATE: reminders.create,
    IntentId.REMINDER_LIST: reminders.list_all,
    IntentId.REMINDER_CANCEL: reminders.cancel,
    IntentId.SERVICE_BOOK: services.request,
    IntentId.ANNOUNCEMENT_QUERY: info.announcements,
    IntentId.MESSAGE_SEND: info.send_message,
    IntentId.MESSAGE_QUERY: info.messages,
    IntentId.POINTS_QUERY: info.points,
    IntentId.HELP_REQUEST: helping.request,
    IntentId.SKILL_OFFER: teaching.offer,
    IntentId.TIME_QUERY: info.time_now,
}
"""Intents answered by a skill; dialog.*, reminder.ack and emergency.* are handled by the dialog itself."""

__all__ = ["SKILLS", "Answer", "Ask", "Skill", "CONFIRM", "SLOT", "MORE"]
