"""The clock's start and stop lines are log lines in the one log format, read
from the Procfile's clock process: ``time LEVEL logger: message`` by default,
one JSON object a line with ``CRM_LOG_FORMAT=json``; no bare print among them."""

from __future__ import annotations

import json
import re

import pytest
from processes import read_until, start_procfile, stop
from scheduler_helpers import make_setup

HUMAN = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (INFO|WARNING|ERROR) [\w.]+: .+$")
START = ("nightly:lv: next ", "drive push channels: ", "draining sync requests every ")


def _run_clock(emulator, sqlite_url, tmp_path, log_format: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Every line the clock wrote from its start to its stop after SIGTERM."""
    s = make_setup(emulator, sqlite_url, tmp_path)
    env = {**s.env(), "CRM_LOG_FORMAT": log_format, "PYTHONUNBUFFERED": "1"}
    proc = start_procfile("clock", env, cwd=s.partners_file.parent)
    try:
        lines = read_until(proc, "draining sync requests")
    finally:
        out, _ = stop(proc)
        s.store.dispose()
    assert proc.returncode == 0, out
    return [line.rstrip("\n") for line in [*lines, *out.splitlines(keepends=True)] if line.strip()]


@pytest.mark.timeout(120)
def test_the_clock_logs_its_start_and_stop_in_the_human_format(emulator, sqlite_url, tmp_path):  # type: ignore[no-untyped-def]
    lines = _run_clock(emulator, sqlite_url, tmp_path, "human")
    assert all(HUMAN.match(line) for line in lines), lines
    messages = [line.split(": ", 1)[1] for line in lines]
    for start in START:
        assert any(m.startswith(start) for m in messages), (start, lines)
    assert " INFO integration.scheduler: stopped" in lines[-1], lines


@pytest.mark.timeout(120)
def test_the_clock_logs_its_start_and_stop_as_json(emulator, sqlite_url, tmp_path):  # type: ignore[no-untyped-def]
    lines = _run_clock(emulator, sqlite_url, tmp_path, "json")
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= set(e) for e in entries), entries
    clock = [e["message"] for e in entries if e["logger"] == "integration.scheduler"]
    for start in START:
        assert any(m.startswith(start) for m in clock), (start, clock)
    assert "stopping: no new syncs; waiting for running ones" in clock
    assert entries[-1]["message"] == "stopped" and entries[-1]["level"] == "INFO", entries
