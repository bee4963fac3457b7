"""JSON API under /api/v1, one router per resource."""

import logging

_LOGGER = logging.getLogger(__name__)
