"""Server-rendered Chinese pages for family members and staff."""

import logging

_LOGGER = logging.getLogger(__name__)
