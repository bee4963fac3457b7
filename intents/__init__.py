"""Chinese spoken-language understanding for 越巢: parse(), grammar_phrases(), demo_catalog()."""

from __future__ import annotations

import logging

from intents.demo import demo_catalog
from intents.errors import CatalogError, IntentsError, TemplateError
from intents.grammar import grammar_phrases
from intents.parser import MIN_CONFIDENCE, parse
from intents.schema import Activity, Catalog, IntentId, Parse

_LOGGER = logging.getLogger(__name__)

__all__ = [
    "Activity",
    "Catalog",
    "CatalogError",
    "IntentId",
    "IntentsError",
    "MIN_CONFIDENCE",
    "Parse",
    "TemplateError",
    "demo_catalog",
    "grammar_phrases",
    "parse",
]
