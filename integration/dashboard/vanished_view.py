"""Vanished rows (linked from the Sync page): the records whose rows left a
partner's sheet, with *restore to the sheet* and *archive*, all through
:mod:`integration.vanished` as the API does; a partner's token sees and acts on
its own partner's rows only."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from integration import vanished
from integration.dashboard import bp
from integration.dashboard.access import current_token, login_required
from integration.dashboard.review_views import dashboard_actor
from integration.dashboard.scope import partner_scope
from integration.dashboard.ui_text import label
from integration.dashboard.web import services, ui_locale
from integration.ownership import Denied
from integration.store.models import VanishedRow

ACTIONS = ("restore", "archive")


@bp.get("/sync/vanished")
@login_required
def vanished_rows() -> Any:
    svc = services()
    with svc.store.session() as db:
        items = vanished.items(db, partner_scope(VanishedRow.partner))
    titles = {
        (i.partner, i.tab): svc.config.partners[i.partner].tab_name(i.tab)
        for i in items
        if i.partner in svc.config.partners
    }
    return render_template("dashboard/vanished.html", items=items, titles=titles, active="sync")


@bp.post("/sync/vanished/<record_id>")
@login_required
def vanished_action(record_id: str) -> Any:
    action = request.form.get("action")
    if action not in ACTIONS:
        abort(400)
    svc = services()
    locale = ui_locale()
    with svc.store.session() as db:
        found = vanished.entry(db, record_id, partner_scope(VanishedRow.partner))
        if found is None:
            abort(404)  # none, or another partner's: the two look the same
        act = vanished.restore if action == "restore" else vanished.archive
        try:
            token = current_token()
            by = token.name if token is not None else None
            act(db, found, actor=dashboard_actor(), source="dashboard", by=by)
        except (Denied, vanished.VanishedError) as exc:
            db.rollback()
            flash(exc.message, "error")
            return redirect(url_for("dashboard.vanished_rows"))
    done = "vanished_restored" if action == "restore" else "vanished_archived_done"
    flash(label(done, locale, id=record_id), "ok")
    return redirect(url_for("dashboard.vanished_rows"))
