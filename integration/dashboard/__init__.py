"""The staff dashboard: KPI overview, sync health, rows to fix, leads and agreements.

Server-rendered pages (Flask + Jinja2, charts as inline SVG, no JavaScript
needed) behind the API's tokens: a partner's token sees its partner, an admin
token sees all. ``/`` redirects to the overview at ``/dashboard/``.
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

#: Strict policy: only our own stylesheet, no scripts at all, no framing.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def register(app: Flask) -> None:
    """Attach the dashboard to the app (called by the app factory)."""
    # Imported for their routes, here as in Flask's app-factory pattern: the views
    # load only when an app is built, and they import this package's ``bp``.
    from integration.dashboard import (  # noqa: F401
        duplicate_card,
        health,
        overview,
        record_actions,
        records_views,
        reports_view,
        review_views,
        vanished_view,
        web,
    )

    app.register_blueprint(bp)
    app.add_url_rule("/", endpoint="root", view_func=web.root_redirect)
