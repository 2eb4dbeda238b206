"""gunicorn's configuration for the web process (the Procfile loads it with
``--config python:integration.web.gunicorn_conf``).

* Start-up: the configuration is checked as gunicorn reads this file, in the
  master, before it logs a line or forks a worker, so a typo in the partners
  file or a variable stops the process with one line naming it (exit 2),
  instead of every worker printing a traceback and gunicorn giving up with
  "Worker failed to boot".
* Logs: gunicorn's error and access logs take the service's format (human, or
  JSON with ``CRM_LOG_FORMAT=json``) and its redaction, so a malformed request
  line with a token in its query is masked in gunicorn's own "Invalid request"
  line too; the access line keeps the path and drops the query.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from gunicorn.glogging import Logger

from integration.config import ConfigError, load_config, log_format
from integration.logs import configure, reformat
from integration.preflight import ensure_bootable
from integration.web.access_log import access_log_format

__all__ = ["ServiceLogger", "access_log_format", "control_socket_disable", "logger_class"]


def _log_format() -> str:
    try:
        return log_format()
    except ConfigError:
        return "human"  # on_starting stops the process and says why


class ServiceLogger(Logger):
    """gunicorn's logger, writing in the service's redacted format."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        kind = _log_format()
        reformat(self.error_log, kind)
        reformat(self.access_log, kind)
        configure(kind, logging.WARNING)


logger_class = ServiceLogger
#: No runtime control socket: nothing manages workers through it, and two web
#: processes on one machine would share its default path.
control_socket_disable = True


def refuse_a_bad_configuration() -> None:
    """Stop with one line (exit 2) when the configuration cannot serve."""
    try:
        ensure_bootable(load_config(), google=False)
    except ConfigError as exc:
        print(f"crm-sync: {exc}", file=sys.stderr, flush=True)
        sys.exit(2)


refuse_a_bad_configuration()
