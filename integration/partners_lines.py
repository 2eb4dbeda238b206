"""Partners-file (TOML) text the service writes for people to paste or keep.

The sync health page suggests the ``[partners.columns]`` line that maps a header
the sync did not recognise, and ``crm-sync demo`` writes a whole partners file.
Both quote text a person typed (a sheet header may hold quotes, backslashes or a
line break), so the quoting lives here, once, and reads back through ``tomllib``
exactly as typed.
"""

from __future__ import annotations

#: TOML's short escapes; every other control character is written as ``\\uXXXX``.
_SHORT_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def _escape(char: str) -> str:
    if char in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[char]
    if char < " " or char == "\x7f":
        return f"\\u{ord(char):04x}"
    return char


def toml_string(value: str) -> str:
    """``value`` as a TOML basic string, usable as a value or as a quoted key."""
    return '"' + "".join(_escape(c) for c in value) + '"'


def column_mapping(tab: str, header: str, field: str) -> str:
    """The partners-file lines that map ``header`` of the partner's ``tab``
    (``leads`` or ``agreements``) to ``field``, for the partner's ``[[partners]]``
    entry::

        [partners.columns.leads]
        "Kood (äriregister)" = "registration_code"
    """
    return f"[partners.columns.{tab}]\n{columns_line(header, field)}"


def columns_line(header: str, field: str) -> str:
    """The one line under ``[partners.columns.<tab>]`` that maps ``header`` to ``field``."""
    return f"{toml_string(header)} = {toml_string(field)}"
