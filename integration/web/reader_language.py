"""The language an API or webhook reader asked for: ``Accept-Language``, else English.

Answers carry problems as data (field, code, params) plus their sentences; the
sentence in ``message`` is in the language the request prefers among the
catalog's languages, so an English-speaking admin and a Latvian script read the
same entry each in their own.
"""

from __future__ import annotations

from flask import has_request_context, request

from integration.messages import FALLBACK, LOCALES


def reader_locale() -> str:
    """The best catalog language for the current request's ``Accept-Language``."""
    if not has_request_context():
        return FALLBACK
    # Highest quality first; "fi-FI" is Finnish (its primary subtag), "*" is anything.
    for tag, _quality in request.accept_languages:
        primary = tag.split("-")[0].split("_")[0].lower()
        if primary in LOCALES:
            return primary
    return FALLBACK
