"""Recognising a submission's shape and flattening the generic and Google Forms ones."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors.forms.values import flatten_answer

#: ``source`` value the shipped Apps Script puts in its payload.
GOOGLE_FORMS_SOURCE = "google-forms"


class PayloadError(ValueError):
    """The JSON is well-formed but not a submission we understand (one line)."""


@dataclass
class FormSubmission:
    """One submission, flattened.

    ``values`` maps a question label (or a field name the sender already used)
    to its answer; ``fields`` holds answers already mapped to lead fields (the
    Typeform field map). ``delivery_id`` is the sender's own id of this
    submission when the payload carries one (Typeform ``event_id``).
    """

    shape: str  # generic | google_forms | typeform
    values: dict[str, Any] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)
    delivery_id: str | None = None
    event_type: str | None = None
    #: when the person submitted it, as the sender says (Typeform ``submitted_at``)
    submitted_at: str | None = None


def sender_delivery_id(payload: Mapping[str, Any], key: str) -> str | None:
    """The sender's own id of a submission under ``key`` (Google Forms'
    ``response_id``, Typeform's ``event_id``) as text, or None when the payload
    carries none: one rule for every shape, so ids compare the same way."""
    value = payload.get(key)
    return str(value) if value else None


def detect_shape(payload: Any) -> str:
    if not isinstance(payload, Mapping):
        raise PayloadError("the body must be a JSON object")
    if "form_response" in payload or payload.get("event_type") == "form_response":
        return "typeform"
    if payload.get("source") == GOOGLE_FORMS_SOURCE:
        return "google_forms"
    return "generic"


def parse_generic(payload: Mapping[str, Any]) -> FormSubmission:
    """A flat object of ``field or header label: value``; a ``lead`` object inside
    is accepted too (``{"lead": {...}}``), for senders that wrap their data."""
    lead = payload.get("lead")
    body: Mapping[str, Any] = lead if isinstance(lead, Mapping) else payload
    values = {}
    for key, value in body.items():
        if not isinstance(key, str) or not key.strip():
            continue
        values[key] = value if isinstance(value, Mapping) else flatten_answer(value)
    return FormSubmission("generic", values=values)


def parse_google_forms(payload: Mapping[str, Any]) -> FormSubmission:
    """The shipped Apps Script's payload: ``answers`` as a list of
    ``{"title", "answer"}`` in question order (or an object title -> answer).
    The respondent's e-mail, when the form collects it, fills ``email`` if no
    question asked for it."""
    answers = payload.get("answers")
    values: dict[str, Any] = {}
    if isinstance(answers, list):
        for item in answers:
            if not isinstance(item, Mapping) or not isinstance(item.get("title"), str):
                raise PayloadError("each answer must be an object with a title")
            title = item["title"].strip()
            if title and title not in values:
                values[title] = flatten_answer(item.get("answer"))
    elif isinstance(answers, Mapping):
        values = {str(k): flatten_answer(v) for k, v in answers.items()}
    else:
        raise PayloadError("a Google Forms payload needs an 'answers' list")
    respondent = payload.get("respondent_email")
    fields = {"email": respondent} if isinstance(respondent, str) and respondent else {}
    return FormSubmission(
        "google_forms",
        values=values,
        fields=fields,
        delivery_id=sender_delivery_id(payload, "response_id"),
    )


def parse_submission(
    payload: Any, typeform_fields: Mapping[str, str] | None = None
) -> FormSubmission:
    """Any supported submission, by shape."""
    shape = detect_shape(payload)
    if shape == "typeform":
        # breaks a cycle: typeform builds this module's FormSubmission
        from connectors.forms.typeform import parse_typeform

        return parse_typeform(payload, typeform_fields or {})
    if shape == "google_forms":
        return parse_google_forms(payload)
    return parse_generic(payload)
