"""The Flask application factory (what gunicorn serves as ``integration:create_app()``)."""

from __future__ import annotations

import logging
import os
import secrets
import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

from integration.config import AppConfig, ConfigError, load_config
from integration.store import migrate
from integration.store.db import Store
from integration.store.records import ACTING_AS
from integration.store.setup import prepare_store
from integration.web.services import MAX_CONTENT_LENGTH, Services
from integration.web.slow_clients import BodyDeadline

log = logging.getLogger(__name__)


def _instance_secret_key(config: AppConfig) -> str:
    """The cookie-signing key when ``CRM_SECRET_KEY`` is not set: made once and kept
    in the instance folder (mode 0600), so every gunicorn worker and every restart
    signs dashboard sessions with the same key."""
    path = config.instance_path / "secret_key"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # made earlier, or by a worker starting beside us
        for _ in range(50):
            key = path.read_text("ascii").strip()
            if key:
                return key
            time.sleep(0.02)
        raise ConfigError(f"{path} is empty; delete it or set CRM_SECRET_KEY") from None
    except OSError as exc:
        raise ConfigError(
            f"CRM_SECRET_KEY is not set and {path} cannot be made ({exc.strerror}); "
            "set CRM_SECRET_KEY or make CRM_INSTANCE_PATH writable"
        ) from None
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key)
    return key


def open_store(config: AppConfig) -> tuple[Store, bool]:
    """The store, prepared (migrated when embedded, partner rows in step), and
    whether that worked. A store that cannot be reached at start-up does not stop
    the web process: it answers ``/healthz``, and ``/readyz`` answers 503 naming
    the store and prepares it once it answers."""
    try:
        store = prepare_store(config)
        return store, migrate.is_current(store)  # not migrated: partner rows wait
    except SQLAlchemyError as exc:
        log.warning(
            "the store cannot be reached at start-up (%s); /readyz answers 503 until it can",
            type(exc).__name__,
        )
    return Store(config.database_url), False


def _build_config(test_config: AppConfig | Mapping[str, Any] | None) -> tuple[AppConfig, dict]:
    if isinstance(test_config, AppConfig):
        return test_config, {}
    flask_settings: dict[str, Any] = {}
    overrides: dict[str, Any] = {}
    path = None
    for key, value in (test_config or {}).items():
        if key == "config_path":
            path = value
        elif key.isupper():
            flask_settings[key] = value
        else:
            overrides[key] = value
    return load_config(path, overrides=overrides), flask_settings


def create_app(
    test_config: AppConfig | Mapping[str, Any] | None = None,
    *,
    store: Store | None = None,
) -> Flask:
    """Build the web application.

    ``test_config`` is an :class:`AppConfig`, or a mapping of overrides
    (lower-case keys replace configuration fields, ``config_path`` names the
    partners file, upper-case keys go to Flask's own config). A bad partners
    file raises :class:`integration.config.ConfigError` with a one-line reason.
    """
    config, flask_settings = _build_config(test_config)
    prepared = True
    if store is None:
        store, prepared = open_store(config)
    elif store.url != config.database_url:
        config = replace(config, database_url=store.url)
    app = Flask(__name__, instance_path=str(config.instance_path.resolve()))
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_CONTENT_LENGTH,
        SECRET_KEY=config.secret_key or _instance_secret_key(config),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=not config.insecure_cookies,
        JSON_SORT_KEYS=False,
    )
    app.config.update(flask_settings)
    app.extensions["crm"] = Services(config=config, store=store, prepared=prepared)
    _register_blueprints(app)
    # who a request acts as is set where it is authenticated, and never outlives
    # it (a worker thread serves many requests, tests run them in one thread)
    app.before_request(_act_as_nobody)
    app.teardown_request(_act_as_nobody)
    app.wsgi_app = BodyDeadline(app.wsgi_app)  # type: ignore[method-assign]
    if config.trusted_proxies:
        # Behind the reverse proxy, the client's address, the scheme and the
        # host the client used come from the proxy's X-Forwarded-* headers
        # (the last ``n`` values: a client's own forged ones come before them).

        n = config.trusted_proxies
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n
        )
    return app


def _act_as_nobody(*_: Any) -> None:
    ACTING_AS.set(None)


def _register_blueprints(app: Flask) -> None:
    # Imported here, as in Flask's app-factory pattern: the views load only when
    # an app is built, not whenever any part of the package is imported.
    from integration import api, dashboard, webhooks
    from integration.web.health import bp as health_bp

    app.register_blueprint(health_bp)
    api.register(app)
    webhooks.register(app)
    dashboard.register(app)
