"""Running the emulator: serving on a background thread, saving its state file
on stop and about once a second while it changes, and the command line's
serve-until-Ctrl-C loop. The command line, the demo and the tests all run it
this way, so all three stop and save alike."""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from typing import Any

from .server import Emulator, EmulatorServer, Handler

log = logging.getLogger(__name__)


class _Saver(threading.Thread):
    """Writes the state file about once a second while there are changes."""

    def __init__(self, emulator: Emulator, interval: float = 1.0) -> None:
        super().__init__(daemon=True, name="emulator-state-saver")
        self.emulator = emulator
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                self.emulator.save_if_dirty()
            except OSError as exc:
                # Keep saving: the state stays marked changed and is retried.
                log.warning("could not save emulator state (%s); will retry", exc)
            except Exception:
                log.exception("could not save emulator state; will retry")


class RunningEmulator:
    """An emulator serving on a background thread until :meth:`stop`, which
    saves its state file (if any) last.

    The one way the emulator is run: by ``serve`` (the command line), by the
    demo and by the tests, so all three stop and save alike.  ``autosave``
    adds a thread that saves the state about once a second while it changes,
    so a killed process loses at most a second of changes.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        state_file: str | None = None,
        seed_dir: str | None = None,
        token: str | None = None,
        quotas: bool = False,
        autosave: bool = True,
    ) -> None:
        self.emulator = Emulator(
            token=token, quotas=quotas, state_file=state_file, seed_dir=seed_dir
        )
        handler = type("BoundHandler", (Handler,), {"emulator": self.emulator})
        self.server = EmulatorServer((host, port), handler)
        host_name, port_number = self.server.server_address[:2]
        host_text = host_name.decode() if isinstance(host_name, bytes) else host_name
        self.host_port = f"{host_text}:{port_number}"
        self._serving = threading.Thread(
            target=self.server.serve_forever, name="sheets-emulator", daemon=True
        )
        self._saver = _Saver(self.emulator) if state_file and autosave else None

    def start(self) -> RunningEmulator:
        self._serving.start()
        if self._saver:
            self._saver.start()
        return self

    def stop(self) -> None:
        """Stop serving, close the socket, then save the state (if any)."""
        if self._saver:
            self._saver.stopped.set()
        self.server.shutdown()
        self.server.server_close()
        self._serving.join(timeout=5)
        self.emulator.save()

    def __enter__(self) -> RunningEmulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def serve(
    host: str = "127.0.0.1",
    port: int = 8085,
    state_file: str | None = None,
    seed_dir: str | None = None,
    token: str | None = None,
    quotas: bool = False,
    ready: threading.Event | None = None,
) -> None:
    """Run until Ctrl-C or SIGTERM; then save the state (if any) and return."""
    running = RunningEmulator(
        host, port, state_file=state_file, seed_dir=seed_dir, token=token, quotas=quotas
    )
    stop = threading.Event()

    def _stop(signum: int, frame: Any) -> None:
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop)
    with running:
        log.info("Sheets emulator listening on http://%s", running.host_port)
        if ready:
            ready.set()
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
