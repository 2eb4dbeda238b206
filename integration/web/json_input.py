"""The one JSON reader for every request body: API records, review actions,
operations, form and sheet webhooks.

Python's ``json`` module accepts more than the store and the rest of the
service can hold: ``NaN`` and ``Infinity`` (not JSON at all; PostgreSQL refuses
them and SQLite hands back invalid JSON), escapes for lone surrogates (text no
encoder can write, so a sync, a page or an export would fail on it later),
U+0000 (PostgreSQL text cannot hold it), numbers beyond 64 bits and nesting
deep enough to exhaust the interpreter's stack. This reader refuses all of that
at the door, with a 400 problem document that says what is wrong and where
(an RFC 6901 pointer), so nothing of it ever reaches a handler. RFC 7493
(I-JSON) asks the same of interoperable JSON.
"""

from __future__ import annotations

import json
import math
from typing import Any

from integration.normalise.text import NOT_TEXT
from integration.web.problem_details import Problem

#: Deepest nesting accepted (objects and arrays). Our deepest body is a Typeform
#: delivery (a choice's label sits five levels down); the rest is room.
MAX_DEPTH = 32
#: Integers outside a signed 64-bit range cannot be stored or compared in SQL.
INT_LIMIT = 2**63
#: Characters beyond which a number is refused before it is converted (turning
#: thousands of digits into an int costs time that grows with their square).
MAX_DIGITS = 40


class _Refused(ValueError):
    """Raised from the parser's hooks; carries the reader's explanation."""


def _constant(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON number; send a finite number or null")


def _integer(text: str) -> int:
    if len(text) > MAX_DIGITS:
        raise _Refused("a number in the body is too large (at most 64-bit integers)")
    value = int(text)
    if not -INT_LIMIT <= value < INT_LIMIT:
        raise _Refused("a number in the body is too large (at most 64-bit integers)")
    return value


def _float(text: str) -> float:
    if len(text) > MAX_DIGITS:
        raise _Refused("a number in the body has too many digits")
    value = float(text)
    if not math.isfinite(value):
        raise _Refused("a number in the body is too large to be a finite number")
    return value


def describe_char(char: str) -> str:
    """What an unacceptable character is, in words a client can act on."""
    code = ord(char)
    if code == 0:
        return "a NUL character (U+0000)"
    if 0xD800 <= code <= 0xDFFF:
        return f"a lone surrogate (U+{code:04X}), which is not a character"
    return f"a Unicode non-character (U+{code:04X})"


def _pointer(path: list[str | int]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def _where(path: list[str | int]) -> str:
    return f" at {_pointer(path)}" if path else ""


def _field(path: list[str | int]) -> str:
    return _pointer(path).lstrip("/") or "(body)"


def _check_text(text: str, path: list[str | int], what: str) -> None:
    bad = NOT_TEXT.search(text)
    if bad is not None:
        reason = describe_char(bad.group())
        raise _refusal(
            f"Text may not contain {reason}; found in {what}{_where(path)}.",
            path,
            "bad_character",
        )


def _refusal(detail: str, path: list[str | int], code: str) -> Problem:
    return Problem(
        400,
        detail,
        slug="malformed-json",
        errors=[{"field": _field(path), "code": code, "message": detail}],
    )


def check_value(value: Any) -> None:
    """Refuse (400) a parsed value deeper than :data:`MAX_DEPTH` or holding text
    that is not text (iterative: a hostile value cannot exhaust the stack)."""
    stack: list[tuple[Any, list[str | int]]] = [(value, [])]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            _check_text(item, path, "a value")
        elif isinstance(item, dict | list):
            if len(path) >= MAX_DEPTH:
                raise _refusal(
                    f"The body is nested more than {MAX_DEPTH} levels deep{_where(path[:3])}.",
                    path[:3],
                    "too_deep",
                )
            if isinstance(item, dict):
                for key, child in item.items():
                    # named with U+FFFD in place of what is wrong: never echoed raw
                    _check_text(key, [*path, NOT_TEXT.sub("\ufffd", key)], "a key")
                    stack.append((child, [*path, key]))
            else:
                stack.extend((child, [*path, i]) for i, child in enumerate(item))


def parse_json(body: bytes) -> Any:
    """The body as a JSON value, or a 400 problem saying what is wrong with it."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Problem(400, "The body is not valid UTF-8.", slug="malformed-json") from None
    try:
        value = json.loads(text, parse_constant=_constant, parse_int=_integer, parse_float=_float)
    except _Refused as exc:
        raise Problem(
            400, f"The body is not acceptable JSON: {exc}.", slug="malformed-json"
        ) from None
    except RecursionError:
        raise _refusal(
            f"The body is nested more than {MAX_DEPTH} levels deep.", [], "too_deep"
        ) from None
    except ValueError:
        raise Problem(400, "The body is not valid JSON.", slug="malformed-json") from None
    check_value(value)
    return value
