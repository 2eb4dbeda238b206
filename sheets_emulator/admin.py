"""Test controls: fault injection, per-minute quotas and request statistics.

Faults are rules matched against each API request (method, path regex,
endpoint name); a matching rule fails the request with a status, delays it,
holds it until a test releases it, or drops the connection -- for its next
``times`` matches, or with a seeded ``probability``. A hold lets a test act
at an exact moment: while a sync's write is held, say, type a row into the
sheet, then release the write (``POST /_emulator/release``; ``GET
/_emulator/holds`` tells how many requests are waiting). With ``after`` the
request is applied first and only the answer is lost (an error status or a
dropped connection) or late (a delay): what Google does when a write lands and
its response does not, so a client cannot tell from the answer whether its
write happened, or when a read's answer arrives long after the sheet was read.
Every fault that fires is counted by kind, so a test knows what it exercised
rather than what it installed. Quotas mimic Google's per-minute read/write
limits per user (bearer token) and per project; they are off unless enabled.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError, bad_request, status_for

#: The longest a request is held when its fault gives no ``delay``.
MAX_HOLD = 120.0

READ_ENDPOINTS = {
    "spreadsheets.get",
    "values.get",
    "values.batchGet",
    "drive.files.get",
    "drive.files.list",
    "drive.comments.list",
}


@dataclass
class Fault:
    method: str | None = None
    path: re.Pattern[str] | None = None
    endpoint: str | None = None
    times: int | None = 1
    status: int | None = None
    message: str | None = None
    delay: float = 0.0
    drop: bool = False
    after: bool = False
    hold: bool = False
    probability: float | None = None
    rng: random.Random = field(default_factory=random.Random)

    @property
    def kind(self) -> str:
        """How the fault shows in the stats: ``503``, ``drop``, ``delay``,
        ``after:503``, ``after:drop``, ``after:delay`` (a delay with a status or
        drop counts as the latter)."""
        what = (
            "drop"
            if self.drop
            else str(self.status)
            if self.status
            else "hold"
            if self.hold
            else "delay"
        )
        return f"after:{what}" if self.after else what

    def matches(self, method: str, path: str, endpoint: str) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        if self.endpoint and self.endpoint != endpoint:
            return False
        return not (self.path is not None and not self.path.search(path))


@dataclass
class FaultAction:
    status: int | None
    message: str
    delay: float
    drop: bool
    #: apply the request first, then delay, hold, fail or drop the answer
    after: bool = False
    #: wait until released (at most ``delay`` seconds, else :data:`MAX_HOLD`)
    hold: bool = False


_FAULT_KEYS = {
    "method",
    "path",
    "endpoint",
    "times",
    "status",
    "message",
    "delay",
    "drop",
    "after",
    "hold",
    "probability",
    "seed",
}


def parse_fault(spec: Any) -> Fault:
    """Validate a fault spec from the admin API (clear errors, never a traceback)."""
    if not isinstance(spec, dict):
        raise bad_request("fault spec must be a JSON object")
    unknown = set(spec) - _FAULT_KEYS
    if unknown:
        raise bad_request(
            f"unknown fault fields: {sorted(unknown)}; allowed: {sorted(_FAULT_KEYS)}"
        )
    try:
        path = re.compile(spec["path"]) if spec.get("path") else None
    except re.error as exc:
        raise bad_request(f"path is not a valid regular expression: {exc}") from None
    status, delay, drop, hold, after = _fault_action(spec)
    probability, times = _fault_repeats(spec)
    return Fault(
        method=spec.get("method"),
        path=path,
        endpoint=spec.get("endpoint"),
        times=times,
        status=status,
        message=spec.get("message"),
        delay=float(delay),
        drop=drop,
        after=after,
        hold=hold,
        probability=probability,
        rng=random.Random(spec.get("seed")),
    )


def _fault_action(spec: dict[str, Any]) -> tuple[int | None, float, bool, bool, bool]:
    """What the fault does (status, delay, drop, hold, after), checked in the
    order the errors name them; a fault that does nothing is refused."""
    status = spec.get("status")
    if status is not None and (not isinstance(status, int) or not 400 <= status <= 599):
        raise bad_request("status must be an HTTP error status (400-599)")
    delay = spec.get("delay", 0) or 0
    if not isinstance(delay, int | float) or delay < 0 or delay > 300:
        raise bad_request("delay must be a number of seconds between 0 and 300")
    drop = bool(spec.get("drop", False))
    hold = spec.get("hold", False)
    if not isinstance(hold, bool):
        raise bad_request("hold must be true or false")
    if status is None and not drop and not delay and not hold:
        raise bad_request("a fault needs a status, a delay, drop: true or hold: true")
    after = spec.get("after", False)
    if not isinstance(after, bool):
        raise bad_request("after must be true or false")
    return status, delay, drop, hold, after


def _fault_repeats(spec: dict[str, Any]) -> tuple[float | None, int | None]:
    """How often the fault fires: with a ``probability`` it fires for ever unless
    ``times`` limits it, else once unless ``times`` says otherwise."""
    probability = spec.get("probability")
    if probability is not None and (
        not isinstance(probability, int | float) or not 0 <= probability <= 1
    ):
        raise bad_request("probability must be between 0 and 1")
    times = spec.get("times", None if probability is not None else 1)
    if times is not None and (not isinstance(times, int) or times < 1):
        raise bad_request("times must be a positive integer")
    return probability, times


class Controls:
    """Faults, quotas and stats of one emulator; thread-safe."""

    def __init__(self, quotas: bool = False) -> None:
        self._lock = threading.Lock()
        self.faults: list[Fault] = []
        self.stats: Counter[str] = Counter()
        #: faults that fired, by :attr:`Fault.kind`
        self.fired: Counter[str] = Counter()
        self._quotas_at_start = quotas
        self._windows: dict[tuple[str, str], deque[float]] = {}
        #: Bumped by every reset: a request that arrived before a reset (say, one
        #: held back by a delay fault) is not counted in the new period's stats.
        self.epoch = 0
        #: held requests wait on this; a release bumps :attr:`_hold_round`
        self._holds = threading.Condition(threading.Lock())
        self._hold_round = 0
        self.holding = 0
        self._default_quotas()

    def _default_quotas(self) -> None:
        """Google's limits, on only if the emulator was started with quotas."""
        self.quotas_enabled = self._quotas_at_start
        self.read_per_user = 60
        self.write_per_user = 60
        self.read_per_project = 300
        self.write_per_project = 300

    # -- faults ------------------------------------------------------------
    def add_fault(self, spec: Any) -> int:
        fault = parse_fault(spec)
        with self._lock:
            self.faults.append(fault)
            return len(self.faults)

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def fault_for(self, method: str, path: str, endpoint: str) -> FaultAction | None:
        with self._lock:
            for fault in list(self.faults):
                if not fault.matches(method, path, endpoint):
                    continue
                if fault.probability is not None and fault.rng.random() >= fault.probability:
                    continue
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                self.fired[fault.kind] += 1
                message = fault.message or _default_message(fault.status)
                return FaultAction(
                    fault.status, message, fault.delay, fault.drop, fault.after, fault.hold
                )
        return None

    # -- holds -----------------------------------------------------------------
    def hold(self, limit: float) -> None:
        """Wait until :meth:`release` (or ``limit`` seconds: a forgotten hold
        must not hang the emulator)."""
        with self._holds:
            round_ = self._hold_round
            self.holding += 1
            self._holds.notify_all()
            try:
                self._holds.wait_for(lambda: self._hold_round != round_, timeout=limit)
            finally:
                self.holding -= 1

    def release(self) -> int:
        """Let every held request go on; returns how many were waiting."""
        with self._holds:
            waiting = self.holding
            self._hold_round += 1
            self._holds.notify_all()
            return waiting

    def holds_json(self) -> dict[str, Any]:
        with self._holds:
            return {"held": self.holding}

    # -- stats ---------------------------------------------------------------
    def count(self, endpoint: str, epoch: int | None = None) -> None:
        with self._lock:
            if epoch is not None and epoch != self.epoch:
                return
            self.stats[endpoint] += 1
            self.stats["total"] += 1

    def stats_json(self) -> dict[str, Any]:
        with self._lock:
            by = {k: v for k, v in sorted(self.stats.items()) if k != "total"}
            fired = dict(sorted(self.fired.items()))
            return {
                "total": self.stats.get("total", 0),
                "by_endpoint": by,
                "faults_fired": {"total": sum(fired.values()), "by_kind": fired},
            }

    def reset_stats(self) -> None:
        with self._lock:
            self.stats.clear()
            self.fired.clear()
            self.epoch += 1

    # -- quotas ----------------------------------------------------------------
    def configure_quotas(self, spec: Any) -> dict[str, Any]:
        if not isinstance(spec, dict):
            raise bad_request("quota spec must be a JSON object")
        keys = {
            "enabled",
            "read_per_user",
            "write_per_user",
            "read_per_project",
            "write_per_project",
        }
        unknown = set(spec) - keys
        if unknown:
            raise bad_request(f"unknown quota fields: {sorted(unknown)}")
        with self._lock:
            for key in keys - {"enabled"}:
                if key in spec:
                    value = spec[key]
                    if not isinstance(value, int) or value < 1:
                        raise bad_request(f"{key} must be a positive integer")
                    setattr(self, key, value)
            if "enabled" in spec:
                self.quotas_enabled = bool(spec["enabled"])
            self._windows.clear()
            return self.quota_json()

    def quota_json(self) -> dict[str, Any]:
        return {
            "enabled": self.quotas_enabled,
            "read_per_user": self.read_per_user,
            "write_per_user": self.write_per_user,
            "read_per_project": self.read_per_project,
            "write_per_project": self.write_per_project,
        }

    def check_quota(self, endpoint: str, user: str) -> None:
        """Sheets API quotas; Drive calls have their own (generous) quotas, not modelled."""
        if not self.quotas_enabled or endpoint.startswith("drive."):
            return
        kind = "Read" if endpoint in READ_ENDPOINTS else "Write"
        per_user = self.read_per_user if kind == "Read" else self.write_per_user
        per_project = self.read_per_project if kind == "Read" else self.write_per_project
        now = time.monotonic()
        with self._lock:
            uw = self._windows.setdefault((kind, "user:" + user), deque())
            pw = self._windows.setdefault((kind, "project"), deque())
            for w in (uw, pw):
                while w and now - w[0] >= 60:
                    w.popleft()
            if len(uw) >= per_user:
                raise _quota_error(kind, "per minute per user")
            if len(pw) >= per_project:
                raise _quota_error(kind, "per minute")
            uw.append(now)
            pw.append(now)

    def reset(self) -> None:
        """Back to the state at start: no faults, no counts, the starting quotas,
        no request held."""
        self.release()
        with self._lock:
            self.faults.clear()
            self.stats.clear()
            self.fired.clear()
            self.epoch += 1
            self._windows.clear()
            self._default_quotas()


def _quota_error(kind: str, scope: str) -> ApiError:
    return ApiError(
        429,
        f"Quota exceeded for quota metric '{kind} requests' and limit '{kind} requests {scope}' "
        "of service 'sheets.googleapis.com' for consumer 'project_number:000000000000'.",
        "RESOURCE_EXHAUSTED",
    )


def _default_message(status: int | None) -> str:
    return {
        401: "Request had invalid authentication credentials.",
        403: "The caller does not have permission",
        404: "Requested entity was not found.",
        429: "Quota exceeded (injected fault).",
        500: "Internal error encountered.",
        502: "Bad Gateway",
        503: "The service is currently unavailable.",
        504: "Deadline exceeded.",
    }.get(status or 0, f"Injected fault: {status_for(status or 0)}")
