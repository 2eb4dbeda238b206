"""Everything the program logs, at every level, for the tests that prove no
secret or personal data reaches the logs: each record's logger, its message
with any traceback, and all its attributes (the raw arguments included), so a
value that only a handler's format would print is caught too."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        self.lines.append(f"{record.name} {text} {record.__dict__}")


@contextmanager
def everything_logged() -> Iterator[list[str]]:
    """Log at DEBUG for the block; yields the lines logged (filled as it runs)."""
    handler = _Collect()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler.lines
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
