"""Pause CPython's cyclic garbage collector while a sync builds in bulk: its
snapshot and plan (:func:`.engine._sync_once`) and the store's transaction
(:func:`.carry_out.commit`); never while it waits for Google.

A first sync of 100,000 rows holds millions of small containers at once (the
read rows, each record's data and base, the cells to write, the store's insert
parameters). The cyclic collector is triggered by the number of containers
allocated, and every full collection walks all of them again: measured on
100,000 rows, a quarter of the sync's CPU time went to collections that found
nothing (the sync's objects are freed by reference counting; none of them
forms a cycle that outlives its step).

A pause is bounded by its step, counted across threads (the serve process may
run syncs of several partners at once: the collector runs again when the last
of them is done), and never re-enables a collector that was off before. Memory
that only a cycle holds is freed by the first collection after it. Network
waits (Google's answers, retries, Retry-After) run with the collector on.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic collector off for the ``with`` block (and on again after the
    last block open in any thread ends, if it was on before the first)."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
