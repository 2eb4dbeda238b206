"""What request handlers need from the running app: its configuration and store.

Views reach them through :func:`services` (the app keeps them in
``app.extensions``), so no blueprint imports the app factory that registers it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from integration.config import AppConfig
from integration.store.db import Store

#: Webhook bodies and API requests larger than this are refused with 413.
MAX_CONTENT_LENGTH = 256 * 1024


@dataclass
class Services:
    """What request handlers need: the configuration and the store."""

    config: AppConfig
    store: Store
    #: the store was brought up to date at start-up (False: it could not be
    #: reached then; readiness prepares it once it answers)
    prepared: bool = True


def services(app: Flask | None = None) -> Services:
    """``app``'s services; by default the running app's (inside a request or app context)."""
    return (app or current_app).extensions["crm"]
