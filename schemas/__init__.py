"""JSON Schemas shipped with the package: the single source of truth for fields.

Loaded through :mod:`importlib.resources` so they work from an installed wheel,
not only from a checkout.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any

SCHEMA_NAMES = ("lead", "agreement", "partners")

#: Marks a property whose value is a partner code. The schema files give only the
#: code's shape: which codes exist is the partners file's to say, so the
#: configured codes are added as an ``enum`` by :func:`with_partner_codes`.
PARTNER_CODE_KEYWORD = "x-partner-code"


@cache
def load_schema(name: str) -> dict[str, Any]:
    """Return the parsed ``schemas/<name>.schema.json`` (cached; do not mutate)."""
    if name not in SCHEMA_NAMES:
        raise KeyError(f"unknown schema {name!r}; known: {', '.join(SCHEMA_NAMES)}")
    text = resources.files(__name__).joinpath(f"{name}.schema.json").read_text("utf-8")
    return json.loads(text)


def partner_code_fields(schema: dict[str, Any]) -> tuple[str, ...]:
    """The properties of ``schema`` holding a partner code (``partner``, ``reporting_partner``)."""
    props = schema.get("properties", {})
    return tuple(name for name, prop in props.items() if prop.get(PARTNER_CODE_KEYWORD))


def with_partner_codes(schema: dict[str, Any], codes: Iterable[str]) -> dict[str, Any]:
    """A copy of ``schema`` whose partner-code properties allow exactly ``codes``.

    The one place the configured partners meet the schemas, used by the record
    validators and by the API description alike, so a partner added to the
    partners file is accepted everywhere with no edit of a schema file.
    """
    out = copy.deepcopy(schema)
    allowed = sorted(set(codes))
    for name in partner_code_fields(out):
        out["properties"][name]["enum"] = allowed
    return out
