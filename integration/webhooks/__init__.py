"""Inbound webhooks: form submissions, sheet edit notices, Drive push notifications.

Each handler only checks, stores and records a sync request; none calls Google.
"""

from __future__ import annotations

from flask import Blueprint, Flask

from integration.web.problem_details import register_problem_handlers
from integration.webhooks.drive import receive_drive_notification
from integration.webhooks.forms import receive_form
from integration.webhooks.sheets import receive_sheet_edit

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
bp.add_url_rule("/forms/<partner>", "forms", receive_form, methods=["POST"])
bp.add_url_rule("/sheets/<partner>", "sheets", receive_sheet_edit, methods=["POST"])
bp.add_url_rule("/drive", "drive", receive_drive_notification, methods=["POST"])


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    if not app.extensions.get("crm_problem_handlers"):
        register_problem_handlers(app)
        app.extensions["crm_problem_handlers"] = True
