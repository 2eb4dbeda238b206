"""Status-cell texts the sync writes next to a row, in the partner's language.

The texts themselves are the ``sync.*`` entries of the message catalog
(:mod:`integration.messages`), which also holds the validation messages; this
module only names the sync's own states and fits several problems into one cell.
"""

from __future__ import annotations

from typing import Any

from integration import messages

OK = "OK"


def text(code: str, locale: str, **params: Any) -> str:
    """The sync's own message ``code`` (duplicate, conflict, erased, ...) in ``locale``."""
    return messages.text("sync." + code, locale, **params)


def conflict_text(fields: list[str], winner: str, locale: str) -> str:
    return text(
        "conflict",
        locale,
        fields=", ".join(fields),
        winner=text("winner_" + winner, locale),
    )


def join_issues(problems: list[str], limit: int = 1000) -> str:
    """Several problems in one cell, shortened so a cell never gets unwieldy."""
    out = " ".join(m if m.endswith((".", "!", "?")) else m + "." for m in problems)
    return out if len(out) <= limit else out[: limit - 1] + "…"
