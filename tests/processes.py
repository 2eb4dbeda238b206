"""The project's programs as their own processes, as an operator starts them:
``crm-sync`` (``serve``, ``scheduler``, ``demo``) and the Sheets emulator's
command line, on free ports, waited for until they answer and stopped with a
signal the way a process manager or Ctrl-C does.  The tests and the benchmarks
start them here."""

from __future__ import annotations

import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import requests

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


def run_cli(
    *args: str, env: Mapping[str, str], cwd: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``python -m integration.cli *args`` to its end, its output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "integration.cli", *args],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def read_until(proc: subprocess.Popen, text: str, timeout: float = 60) -> list[str]:
    """The lines ``proc`` writes up to the first that holds ``text``; fails when
    the process ends first or ``timeout`` passes."""
    assert proc.stdout is not None
    lines: list[str] = []
    started = time.monotonic()
    while not lines or text not in lines[-1]:
        line = proc.stdout.readline()
        assert line, "the process ended: " + "".join(lines)
        lines.append(line)
        assert time.monotonic() - started < timeout, lines
    return lines


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


def procfile_command(name: str, env: Mapping[str, str]) -> list[str]:
    """The Procfile's ``name`` line as a shell would run it under ``env``
    (``${VAR:-default}`` expanded), with programs run by this interpreter."""
    line = next(
        entry.split(":", 1)[1]
        for entry in (ROOT / "Procfile").read_text("utf-8").splitlines()
        if entry.startswith(f"{name}:")
    )
    line = re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: env.get(m[1]) or m[2], line)
    args = shlex.split(line)
    if args[0] == "gunicorn":
        return [sys.executable, "-m", "gunicorn", *args[1:]]
    if args[0] == "crm-sync":
        return [sys.executable, "-m", "integration.cli", *args[1:]]
    return args


def start_procfile(name: str, env: Mapping[str, str], cwd: Path = ROOT) -> subprocess.Popen:
    """The Procfile's ``name`` process under ``env``, its stderr merged into its
    stdout (as a process manager collects them)."""
    return subprocess.Popen(
        procfile_command(name, env),
        env=dict(env),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def free_port() -> int:
    """A loopback port nothing listens on now (for a process that needs a fixed one)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, proc: subprocess.Popen | None = None, timeout: float = 30) -> None:
    """Wait until ``url`` answers below 500; fail at once if ``proc`` exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{url}: the process exited ({proc.returncode}) before answering")
        try:
            if requests.get(url, timeout=1).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def start_emulator(port: int, *args: str, output: Any = subprocess.PIPE) -> subprocess.Popen:
    """``python -m sheets_emulator --port PORT *args``, once it answers.
    Its output goes to ``output`` (stderr with it)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sheets_emulator", "--port", str(port), *args],
        cwd=ROOT,
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/_emulator/health", proc, timeout=20)
    except RuntimeError:
        proc.kill()
        proc.wait()
        raise
    return proc
