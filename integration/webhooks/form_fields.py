"""From a flattened form submission to lead fields, via the header aliases.

A form question titled "Uzņēmuma nosaukums" or "E-mail" lands in the same field
as a sheet column with that header; keys that already are field names pass
through. Questions that match nothing are reported back, not rejected.
"""

from __future__ import annotations

from typing import Any

from connectors.forms import FormSubmission
from integration.normalise import match_headers


def submission_fields(submission: FormSubmission) -> tuple[dict[str, Any], list[str]]:
    """``(raw values keyed by lead field, labels that matched no field)``."""
    labels = list(submission.values)
    match = match_headers(labels, "lead")
    raw: dict[str, Any] = {}
    for name, index in match.columns.items():
        raw[name] = submission.values[labels[index]]
    ignored = [label for _, label in match.unmapped]
    for name, value in submission.fields.items():
        if name not in raw or raw[name] in (None, ""):
            raw[name] = value
    for name in ("id", "sync_status", "last_synced", "partner"):
        if name in raw:
            raw.pop(name)
            ignored.append(name)
    return raw, ignored
