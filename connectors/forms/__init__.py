"""Form submissions (Google Forms via Apps Script, Typeform, plain JSON) as flat
``{label or field: value}`` dicts.

Pure functions over already-parsed JSON: no I/O, no knowledge of the CRM's
schema. Keys are whatever the form calls its questions (or, for Typeform, the
lead field the partner mapped a question to); the service maps labels to fields
with its header aliases, exactly as it does for sheet columns.
"""

from __future__ import annotations

from connectors.forms.shapes import (
    FormSubmission,
    PayloadError,
    detect_shape,
    parse_generic,
    parse_google_forms,
    parse_submission,
)
from connectors.forms.typeform import parse_typeform

__all__ = [
    "FormSubmission",
    "PayloadError",
    "detect_shape",
    "parse_generic",
    "parse_google_forms",
    "parse_submission",
    "parse_typeform",
]
