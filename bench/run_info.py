"""When, where and under what load a benchmark ran.

The benchmarks run on a machine shared with other work, so a figure means little
without the date and the load average beside it: every results file carries
this line, and a figure quoted elsewhere is quoted with it.
"""

from __future__ import annotations

import os
import platform
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any


def _load() -> float:
    """The 1-minute load average (the number of runnable processes, averaged)."""
    return round(os.getloadavg()[0], 1)


@dataclass
class RunInfo:
    started: str
    load_start: float
    load_end: float | None = None
    cores: int = 0
    machine: str = ""
    python: str = ""

    @classmethod
    def begin(cls) -> RunInfo:
        return cls(
            started=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            load_start=_load(),
            cores=os.cpu_count() or 0,
            machine=platform.machine(),
            python=platform.python_version(),
        )

    def finish(self) -> RunInfo:
        self.load_end = _load()
        return self

    def load_text(self) -> str:
        """``load 2.1-3.4`` (start-end), for a table cell."""
        end = "" if self.load_end is None else f"-{self.load_end:.1f}"
        return f"load {self.load_start:.1f}{end}"

    def short(self) -> str:
        """``2026-11-29 17:20 UTC, load 2.1-3.4``, for a table cell."""
        return f"{self.started}, {self.load_text()}"

    def line(self) -> str:
        """The sentence a results file opens with."""
        end = "" if self.load_end is None else f", {self.load_end:.1f} at the end"
        return (
            f"Run {self.started} on {self.machine}, {self.cores} cores shared with other "
            f"work, Python {self.python}; load average (1 min) {self.load_start:.1f} at the "
            f"start{end}."
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunInfo:
        return cls(**data)
