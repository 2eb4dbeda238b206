"""The app's ``/openapi.json`` as schemathesis test cases, built one way for
the API's schema tests and the fuzz tests: valid and invalid requests alike,
the same cases on every run, and no example database left behind."""

from __future__ import annotations

from typing import Any

import schemathesis
from schemathesis import GenerationMode


def openapi_cases(app: Any, max_examples: int) -> Any:
    """A schemathesis schema of ``app``'s operations, ``max_examples`` per
    operation per generation mode (positive and negative), derandomised."""
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    schema.config.generation.update(
        max_examples=max_examples,
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        deterministic=True,
        database="none",
    )
    return schema
