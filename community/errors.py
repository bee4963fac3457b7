"""Errors of the community server; each maps to one stable error code and HTTP status."""

from __future__ import annotations

import logging

_LOGGER = logging.getLogger(__name__)


class CommunityError(Exception):
    """Base class for community server errors.

    message: plain Chinese for the people on the pages, naming a field as its form labels it
        ("每周哪几天：选“每周”时请至少选一天"); the pages show only this
    detail: the same reason for programs, `field: reason` with the API's field name
        ("weekdays: weekly needs days 1–7 (1 = Monday)"); the JSON API adds it in brackets
    """

    code = "error"
    status = 400

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(f"{message} ({detail})" if detail else message)
        self.message = message
        self.detail = detail

    @property
    def explained(self) -> str:
        """The message with the detail in brackets (the JSON API's and the command line's text)."""
        return f"{self.message} ({self.detail})" if self.detail else self.message

    @property
    def field(self) -> str:
        """The API field the detail names ('weekdays' of 'weekdays: …'), or ''."""
        name, sep, _ = self.detail.partition(": ")
        return name if sep and name.replace("_", "").replace(".", "").isalnum() and " " not in name else ""


class ConfigError(CommunityError):
    """A setting is missing or out of range."""

    code = "config"
    status = 500


class InvalidInput(CommunityError):
    """A field is well-formed JSON but not acceptable (range, enum, time)."""

    code = "invalid"
    status = 422


class NotFound(CommunityError):
    """The object does not exist or is not visible to the caller (never say which)."""

    code = "not_found"
    status = 404


class NotAuthenticated(CommunityError):
    """No valid session cookie or device token."""

    code = "not_authenticated"
    status = 401


class Forbidden(CommunityError):
    """Authenticated but the role may not do this (e.g. family editing activities)."""

    code = "forbidden"
    status = 403


class Conflict(CommunityError):
    """The action clashes with current state (already booked, activity cancelled)."""

    code = "conflict"
    status = 409


class Full(Conflict):
    """No places left on an activity."""

    code = "full"


class TooManyAttempts(CommunityError):
    """Login or pairing throttled."""

    code = "too_many_attempts"
    status = 429


class CsrfFailed(CommunityError):
    """A form or unsafe API request came without the session's CSRF token."""

    code = "csrf"
    status = 403


class BodyTooLarge(CommunityError):
    """Request body over Settings.max_body_bytes."""

    code = "body_too_large"
    status = 413


class PairingFailed(CommunityError):
    """The pairing code is unknown, used or expired."""

    code = "pairing_failed"
    status = 400
