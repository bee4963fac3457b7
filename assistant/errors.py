"""The assistant package's errors: one base class, one subclass per kind of failure."""

from __future__ import annotations

import logging

_LOGGER = logging.getLogger(__name__)


class AssistantError(Exception):
    """Base class for errors of the assistant package."""


class StoreError(AssistantError):
    """The store cannot be opened or is from a newer release."""
