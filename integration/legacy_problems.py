"""Reading a problem stored as a sentence back into data (field, code, params).

Quarantine entries made before problems were data hold only the sentence, in the
partner's language (sheet rows) or in English plus the partner's (forms). The
catalog's templates are the grammar those sentences were made with, so each
template, with its placeholders as groups, reads its own sentences back; the
words found (a field's label, a country's name, enum labels, a type's name) go
back to the language-free values :func:`integration.issues.render` expects. A
sentence no template reads (edited by hand, or from a text since changed) is
kept as it is, and :func:`~integration.issues.render` shows it unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from integration import messages
from integration.issues import ValidationIssue
from integration.vocabulary import country_table, fold, header_table, label_table

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@cache
def _pattern(template: str) -> re.Pattern[str]:
    parts = _PLACEHOLDER.split(template)
    regex = []
    seen: set[str] = set()
    for index, part in enumerate(parts):
        if index % 2 == 0:
            regex.append(re.escape(part))
        elif part in seen:
            regex.append(f"(?P={part})")
        else:
            seen.add(part)
            regex.append(f"(?P<{part}>.+?)")
    return re.compile("".join(regex), re.DOTALL)


def _templates(code: str) -> list[str]:
    keys = [f"validation.{code}", f"sync.{code}"]
    if code == "owner":
        keys.append("sync.foreign")  # a row naming another partner's record
    if code == "reference":
        keys.append("sync.unknown_id")  # a CRM ID the store does not know
    if code == "required":
        keys.append("validation.required_if_signed")
    if code == "duplicate":
        keys.append("validation.duplicate_row")
    return [key for key in keys if messages.known(key)]


def _type_name(word: str) -> str:
    for texts in messages.catalog().values():
        for key, text in texts.items():
            if key.startswith("type.") and text == word:
                return key.removeprefix("type.")
    return word


def _enum_value(field: str, word: str) -> str:
    if word == "…":
        return word
    table = country_table() if field == "country" else label_table(field) if field else {}
    return table.get(fold(word) or word, word) if table else word


def _values(found: Mapping[str, str], field: str, kind: str) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for name, word in found.items():
        if name == "field":
            continue  # the error's own field, named by the reader's words at render time
        if name == "key":
            params[name] = header_table(kind or "lead").get(fold(word), word)
        elif name == "country":
            params[name] = country_table().get(fold(word), word)
        elif name == "allowed":
            params[name] = [_enum_value(field, w.strip()) for w in word.split(",")]
        elif name == "expected":
            params[name] = _type_name(word)
        elif name == "partner":
            params[name] = word.lower()
        elif name in ("limit", "row") and word.isdigit():
            params[name] = int(word)
        else:
            params[name] = word
    return params


def read_back(error: Mapping[str, Any], kind: str) -> dict[str, Any] | None:
    """``error`` ``{field, code, message[, messages]}`` as ``{field, code, params[,
    template]}``, or ``None`` when no template of its code reads its sentence."""
    code = str(error.get("code") or "")
    field = str(error.get("field") or "")
    texts = [str(t) for t in (error.get("messages") or {}).values() if t]
    if error.get("message"):
        texts.append(str(error["message"]))
    for text in texts:
        for key in _templates(code):
            for locale_texts in messages.catalog().values():
                template = locale_texts.get(key)
                match = _pattern(template).fullmatch(text) if template else None
                if match is None:
                    continue
                template = "" if key == f"validation.{code}" else key
                params = _values(match.groupdict(), field, kind)
                return ValidationIssue(field, code, params, template=template).as_data()
    return None
