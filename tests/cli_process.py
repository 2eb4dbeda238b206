"""``crm-sync`` as its own process, as an operator starts it: the tests of
``serve``, ``scheduler`` and ``demo`` start it here, read its first line and
stop it with a signal the way a process manager or Ctrl-C does."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def start_cli(*args: str, env: Mapping[str, str], cwd: Path) -> subprocess.Popen:
    """``python -m integration.cli *args`` with its output captured as text."""
    return subprocess.Popen(
        [sys.executable, "-m", "integration.cli", *args],
        env=dict(env),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def web_url(proc: subprocess.Popen) -> str:
    """The address ``crm-sync serve`` prints first ("web service on http://...")."""
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.search(r"web service on (http://\S+)", line)
    if not match and proc.poll() is not None:
        line += proc.stderr.read() if proc.stderr else ""
    assert match, line
    return match[1]


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 30) -> tuple[str, str]:
    """Send ``sig`` and wait for the process to end; kill it if it does not.
    Returns its stdout and stderr."""
    proc.send_signal(sig)
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
    return out, err
