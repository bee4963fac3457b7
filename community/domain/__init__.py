"""Domain operations: plain functions of (session, actor, input, now) used by API and pages."""

import logging

_LOGGER = logging.getLogger(__name__)
