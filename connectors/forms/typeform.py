"""Typeform's ``form_response`` webhook payload.

Each answer names its question by ``field.id`` and ``field.ref`` and holds its
value under a key named after its type (``text``, ``email``, ``choice.label``,
...). A partner maps refs (or ids) to lead fields in the partners file
(``typeform_fields``); an unmapped question is passed on under its title, which
the service then matches against the header aliases like a sheet column.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.forms.shapes import FormSubmission, PayloadError, sender_delivery_id
from connectors.forms.values import flatten_answer


def answer_value(answer: Mapping[str, Any]) -> Any:
    """The value of one answer, whatever its type."""
    kind = answer.get("type")
    if kind == "choice":
        choice = answer.get("choice") or {}
        return choice.get("label") or choice.get("other")
    if kind == "choices":
        choices = answer.get("choices") or {}
        labels = list(choices.get("labels") or [])
        if choices.get("other"):
            labels.append(choices["other"])
        return flatten_answer(labels)
    if kind == "payment":
        payment = answer.get("payment") or {}
        return payment.get("amount")
    if isinstance(kind, str) and kind in answer:
        return flatten_answer(answer[kind])
    return None


def parse_typeform(payload: Mapping[str, Any], field_map: Mapping[str, str]) -> FormSubmission:
    """The submission in a ``form_response`` payload: mapped questions and hidden
    fields under their lead fields, the rest under their titles.

    Raises :class:`PayloadError` when the payload is not that shape."""
    response = payload.get("form_response")
    if not isinstance(response, Mapping):
        raise PayloadError("a Typeform payload needs a 'form_response' object")
    titles = _titles(response)
    answers = response.get("answers") or []
    if not isinstance(answers, list):
        raise PayloadError("form_response.answers must be a list")
    values: dict[str, Any] = {}
    fields: dict[str, Any] = {}
    _read_answers(answers, titles, field_map, values, fields)
    _read_hidden(response.get("hidden") or {}, field_map, values, fields)
    return FormSubmission(
        "typeform",
        values=values,
        fields=fields,
        delivery_id=sender_delivery_id(payload, "event_id"),
        event_type=str(payload.get("event_type") or "form_response"),
        submitted_at=(
            response["submitted_at"] if isinstance(response.get("submitted_at"), str) else None
        ),
    )


def _titles(response: Mapping[str, Any]) -> dict[Any, Any]:
    """Question id -> title, from the form's definition: an answer names its
    question only by id and ref."""
    definition = response.get("definition") or {}
    return {
        f.get("id"): f.get("title")
        for f in (definition.get("fields") or [])
        if isinstance(f, Mapping)
    }


def _read_answers(
    answers: list[Any],
    titles: Mapping[Any, Any],
    field_map: Mapping[str, str],
    values: dict[str, Any],
    fields: dict[str, Any],
) -> None:
    """Sort the answers into ``fields`` (mapped by ref, else id) and ``values``
    (under the question's title, else its ref or id; the first answer wins)."""
    for answer in answers:
        if not isinstance(answer, Mapping) or not isinstance(answer.get("field"), Mapping):
            raise PayloadError("each Typeform answer needs a 'field' object")
        question = answer["field"]
        value = answer_value(answer)
        target = field_map.get(str(question.get("ref"))) or field_map.get(str(question.get("id")))
        if target:
            fields[target] = value
            continue
        title = titles.get(question.get("id")) or question.get("ref") or question.get("id")
        if isinstance(title, str) and title.strip():
            values.setdefault(title.strip(), value)


def _read_hidden(
    hidden: Any, field_map: Mapping[str, str], values: dict[str, Any], fields: dict[str, Any]
) -> None:
    """Hidden fields (set by the form's link, e.g. the event) add to what the
    answers gave; an answer to the same field wins."""
    if not isinstance(hidden, Mapping):
        return
    for key, value in hidden.items():
        target = field_map.get(str(key))
        if target:
            fields.setdefault(target, flatten_answer(value))
        else:
            values.setdefault(str(key), flatten_answer(value))
