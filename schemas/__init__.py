"""JSON Schemas shipped with the package: the single source of truth for fields.

Loaded through :mod:`importlib.resources` so they work from an installed wheel,
not only from a checkout.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

SCHEMA_NAMES = ("lead", "agreement", "partners")


@cache
def load_schema(name: str) -> dict[str, Any]:
    """Return the parsed ``schemas/<name>.schema.json`` (cached; do not mutate)."""
    if name not in SCHEMA_NAMES:
        raise KeyError(f"unknown schema {name!r}; known: {', '.join(SCHEMA_NAMES)}")
    text = resources.files(__name__).joinpath(f"{name}.schema.json").read_text("utf-8")
    return json.loads(text)
