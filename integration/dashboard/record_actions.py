"""Acting from a record's page: edit, archive and restore a lead or agreement.

Every change goes through :mod:`integration.record_changes`, the functions the
API's ``PATCH`` calls, so the dashboard judges it exactly as the API does: the
record is looked up within what the signed-in token may see (another
partner's is a 404), then the shared function checks ownership (a party's
partner reading an agreement gets a 403), the schema, the cross-record rules,
erasures and firm ownership, audits the change with the token's name and asks
for a sync of the partner's tab. Nothing here decides who may change what;
the forms are only left off the page for a viewer the same rule refuses.

The edit form offers each editable field of the record (choices as words of
the viewer's language); a value the rules refuse re-shows the form with every
field as typed and the problems named by field, in the viewer's language.
Archive and restore ask for a confirmation first (a second button, no script:
the dashboard's policy allows none).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from integration import record_changes, vanished
from integration.auth import scope_agreements, scope_leads
from integration.dashboard import bp
from integration.dashboard.access import current_token, login_required
from integration.dashboard.review_views import dashboard_actor, field_named, localised_errors
from integration.dashboard.ui_text import country_label, field_name, label, value_label
from integration.dashboard.web import render_error, services, ui_locale
from integration.kinds import STORE_FIELDS
from integration.normalise.amounts import parse_amount
from integration.normalise.enums import enum_values
from integration.ownership import OWNER_FIELD, Actor, Denied, may_change, owner_of
from integration.store.guarded import StoreBusy, run_guarded
from integration.store.models import Agreement, Lead
from integration.store.records import Refused
from integration.sync.sheet_aids import listed_values
from schemas import load_schema

MODELS: dict[str, Any] = {"lead": Lead, "agreement": Agreement}
SCOPES: dict[str, Callable[..., Any]] = {"lead": scope_leads, "agreement": scope_agreements}
#: Form field prefix of a record field's value (as the fix form's).
FIELD_PREFIX = "field:"
#: Fields typed as long text.
LONG_TEXT = frozenset({"notes"})


def _schema_fields(kind: str) -> dict[str, dict[str, Any]]:
    return {
        name: spec
        for name, spec in load_schema(kind)["properties"].items()
        if name not in STORE_FIELDS and not spec.get("readOnly")
    }


def editable_fields(kind: str, actor: Actor) -> list[str]:
    """The fields the edit form offers, in the schema's order: every field but
    the store's own; the owner only to an admin (only an admin moves a record,
    and a partner's try is refused by :func:`ownership.check_change` anyway)."""
    return [f for f in _schema_fields(kind) if actor.admin or f != OWNER_FIELD[kind]]


def choices(kind: str, field: str, locale: str) -> list[tuple[str, str]] | None:
    """``[(value, word)]`` of a field with a closed list, in ``locale``'s words
    and the order the partner's sheet lists them; None for a free field."""
    if field == OWNER_FIELD[kind]:
        return [(code, p.name) for code, p in services().config.partners.items()]
    if not enum_values(kind, field):
        return None
    return [
        (v, country_label(v, locale) if field == "country" else value_label(field, v, locale))
        for v in listed_values(kind, field, locale)
    ]


def form_text(value: Any) -> str:
    """A stored value as the form shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


#: Form field prefix of a field's value as the form first showed it: what the
#: edit is judged against, so a field the viewer left alone is never written
#: back over a change someone made while the form was open.
SHOWN_PREFIX = "shown:"


@dataclass
class FormEdit:
    """What an edit form asks: the merge patch of the fields the viewer changed
    (an empty box removes the field), every offered field as typed (to show
    again), and the fields the viewer changed that someone else changed too
    since the form was shown (nothing is saved while there are any)."""

    patch: dict[str, Any]
    typed: dict[str, str]
    conflicts: list[str]


def _form_value(spec: Mapping[str, Any], text: str, locale: str) -> Any:
    """A box's text as the field's value (yes/no, an amount in ``locale``)."""
    value: Any = text or None
    if value is not None and spec.get("type") == "boolean":
        value = {"yes": True, "no": False}.get(text, text)
    elif value is not None and spec.get("type") == "number":
        amount, _currency = parse_amount(text, locale)
        value = amount if isinstance(amount, int | float) else text
    return value


def form_patch(
    kind: str, record_data: Mapping[str, Any], form: Mapping[str, str], fields: list[str]
) -> FormEdit:
    """What the form changed against what it showed. Only offered fields are
    read: an ``id`` or timestamp in the form is never taken. A field typed as
    it was shown is unchanged, whatever the record holds now (another staff
    member's edit, the partner's sheet through a sync, stays); a field the
    viewer changed while the stored value moved away from what was shown is a
    conflict. A form without the shown values (an old page) is judged against
    the record as stored now."""
    specs = _schema_fields(kind)
    locale = ui_locale()
    edit = FormEdit(patch={}, typed={}, conflicts=[])
    for name in fields:
        key = FIELD_PREFIX + name
        if key not in form:
            continue
        text = form[key].strip()
        edit.typed[name] = text
        stored = form_text(record_data.get(name)).strip()
        shown = form[SHOWN_PREFIX + name].strip() if SHOWN_PREFIX + name in form else stored
        if text == shown:
            continue  # as shown: unchanged (``1.234`` is not re-read as 1234 in Latvian)
        if text == stored:
            continue  # changed to what the record holds now: nothing to write
        if stored != shown:
            edit.conflicts.append(name)
            continue
        value = _form_value(specs[name], text, locale)
        if value != record_data.get(name):
            edit.patch[name] = value
    return edit


@bp.app_template_global()
def may_change_record(kind: str, record: Any) -> bool:
    """Whether to offer the signed-in viewer the record's forms: the rule of
    :func:`ownership.may_change` (the POST routes are judged by it again, in
    :mod:`integration.record_changes`, whatever the page showed)."""
    token = current_token()
    if token is None:
        return False
    return may_change(dashboard_actor(), owner_of(kind, record))


def _visible(db: Session, kind: str, record_id: str) -> Any:
    """The record if the signed-in token may see it, else a 404 (another
    partner's lead looks like none at all, guessed id or not)."""
    token = current_token()
    assert token is not None
    model = MODELS[kind]
    record = db.scalars(SCOPES[kind](select(model).where(model.id == record_id), token)).first()
    if record is None:
        abort(404)
    return record


def _page_url(kind: str, record_id: str) -> str:
    return url_for(f"dashboard.{kind}_page", record_id=record_id)


def refusal_text(exc: Exception, kind: str) -> str:
    """Why the shared rules refused a change, in the viewer's language."""
    locale = ui_locale()
    if isinstance(exc, Denied):
        key = "record_move_admin_only" if exc.reason == "move" else "record_not_yours"
        return label(key, locale)
    if isinstance(exc, Refused):
        key = {
            "erased": "record_erased_person",
            "erased_lead": "record_erased_lead",
        }.get(exc.reason, "record_duplicate")
        return label(key, locale)
    if isinstance(exc, vanished.VanishedError):
        key = {
            "duplicate": "restore_foreign_firm",
            "erased": "restore_erased",
        }.get(exc.reason, "restore_gone")
        return label(key, locale)
    return label("record_busy", locale)


def _edit_page(
    kind: str,
    record: Any,
    *,
    edit: FormEdit | None = None,
    errors: list[dict[str, str]] | None = None,
    problem: str | None = None,
    status: int = 200,
) -> Response:
    """The edit form: each field as the record holds it, or, shown again after a
    refusal (``edit``), as the viewer typed the fields they changed. The shown
    values it carries are what the next save is judged against: the record's
    for the fields shown as stored, the first form's for those typed, and the
    record's for a conflict (so saving again means "mine over theirs")."""
    locale = ui_locale()
    actor = dashboard_actor()
    fields = editable_fields(kind, actor)
    values = {f: form_text(record.data.get(f)) for f in fields}
    shown = dict(values)
    if edit is not None:
        form_shown = {f: request.form.get(SHOWN_PREFIX + f, values[f]).strip() for f in fields}
        for f, text in edit.typed.items():
            if f in values and text != form_shown[f]:
                values[f] = text
                if f not in edit.conflicts:
                    shown[f] = form_shown[f]
    by_field: dict[str, list[str]] = {}
    for err in errors or []:
        by_field.setdefault(err.get("key", ""), []).append(err["message"])
    body = render_template(
        "dashboard/record_edit.html",
        kind=kind,
        record=record,
        fields=fields,
        values=values,
        shown=shown,
        specs=_schema_fields(kind),
        choices={f: choices(kind, f, locale) for f in fields},
        long_text=LONG_TEXT,
        errors=errors or [],
        field_errors=by_field,
        problem=problem,
        names={f: field_name(kind, f, locale) for f in fields},
        active=f"{kind}s",
    )
    return Response(body, status=status, mimetype="text/html")


def _field_errors(kind: str, issues: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Each problem with its field (``key``), name and sentence in the viewer's language."""
    shown = localised_errors(issues, ui_locale(), kind)
    return [
        {"key": str(issue.get("field") or ""), "field": e["field"], "message": field_named(e)}
        for issue, e in zip(issues, shown, strict=True)
    ]


def edit_record(kind: str, record_id: str) -> Any:
    svc = services()
    if request.method == "GET":
        with svc.store.session() as db:
            record = _visible(db, kind, record_id)
            try:
                record_changes.check_may_change(dashboard_actor(), kind, record)
            except Denied as exc:
                return render_error(403, refusal_text(exc, kind))
            return _edit_page(kind, record)

    token = current_token()
    assert token is not None
    actor = dashboard_actor()
    fields = editable_fields(kind, actor)
    # an owner field sent by a partner is judged by the shared rule, not dropped
    if FIELD_PREFIX + OWNER_FIELD[kind] in request.form and OWNER_FIELD[kind] not in fields:
        fields = [*fields, OWNER_FIELD[kind]]

    def once() -> tuple[Any, dict[str, Any]]:
        with svc.store.session() as db:
            record = _visible(db, kind, record_id)
            edit = form_patch(kind, record.data, request.form, fields)
            if edit.conflicts:
                return _conflicting_edit(kind, record, edit), {}
            try:
                changes = record_changes.edit(
                    db,
                    svc.config,
                    kind,
                    record,
                    edit.patch,
                    actor=actor,
                    token=token,
                    source="dashboard",
                    by=token.name,
                )
            except (record_changes.Invalid, Refused, Denied) as exc:
                db.rollback()
                return _refused_edit(kind, record, edit, exc), {}
            return None, changes

    try:
        answer, changes = run_guarded(once)
    except StoreBusy:
        flash(label("record_busy", ui_locale()), "error")
        return redirect(url_for(f"dashboard.{kind}_edit", record_id=record_id))
    if answer is not None:
        return answer
    key = "record_saved" if changes else "record_unchanged"
    flash(label(key, ui_locale(), id=record_id), "ok")
    return redirect(_page_url(kind, record_id))


def _shown_word(kind: str, field: str, value: Any, locale: str) -> str:
    """A stored value as the form's box or list shows it to the viewer."""
    text = form_text(value)
    if isinstance(value, bool):
        return label(text, locale)
    for code, word in choices(kind, field, locale) or []:
        if code == text:
            return word
    return text or "–"


def _conflicting_edit(kind: str, record: Any, edit: FormEdit) -> Response:
    """The edit form again when fields the viewer changed were changed by
    someone else since the form was shown: nothing is saved, each such field
    says what it holds now, and saving again keeps the viewer's value."""
    locale = ui_locale()
    errors = []
    for f in edit.conflicts:
        name = field_name(kind, f, locale)
        now = _shown_word(kind, f, record.data.get(f), locale)
        text = label("record_field_changed_meanwhile", locale, field=name, value=now)
        errors.append({"key": f, "field": name, "message": text})
    problem = label("record_changed_meanwhile", locale)
    return _edit_page(kind, record, edit=edit, errors=errors, problem=problem, status=409)


def _refused_edit(kind: str, record: Any, edit: FormEdit, exc: Exception) -> Response:
    """The edit form again, the changed fields as typed, with why it was not saved."""
    if isinstance(exc, record_changes.Invalid):
        errors = _field_errors(kind, exc.errors)
        return _edit_page(kind, record, edit=edit, errors=errors, status=422)
    if isinstance(exc, Denied) and exc.reason == "not_owner":
        return render_error(403, refusal_text(exc, kind))
    text = refusal_text(exc, kind)
    errors = []
    if isinstance(exc, Denied):  # a move by a partner: the owner field says why
        owner = OWNER_FIELD[kind]
        name = field_name(kind, owner, ui_locale())
        errors = [{"key": owner, "field": name, "message": f"{name}: {text}"}]
    return _edit_page(kind, record, edit=edit, errors=errors, problem=text, status=422)


def _lifecycle(kind: str, record_id: str, action: str) -> Any:
    """Archive or restore, after the confirmation button: the shared rules
    judge it (403 for a visible record the viewer may not change)."""
    if request.form.get("confirm") != "yes":
        abort(400)
    svc = services()
    token = current_token()
    assert token is not None
    act = record_changes.archive if action == "archive" else record_changes.restore

    def once() -> tuple[bool, Exception | None]:
        with svc.store.session() as db:
            record = _visible(db, kind, record_id)
            try:
                done = act(
                    db, kind, record, actor=dashboard_actor(), source="dashboard", by=token.name
                )
            except (Denied, vanished.VanishedError) as exc:
                db.rollback()
                return False, exc
            return done, None

    try:
        done, refused = run_guarded(once)
    except StoreBusy:
        done, refused = False, StoreBusy("busy")
    if isinstance(refused, Denied) and refused.reason == "not_owner":
        return render_error(403, refusal_text(refused, kind))
    if refused is not None:
        flash(refusal_text(refused, kind), "error")
    else:
        key = {"archive": "record_archived_done", "restore": "record_restored_done"}[action]
        flash(label(key if done else "record_unchanged", ui_locale(), id=record_id), "ok")
    return redirect(_page_url(kind, record_id))


def _register(kind: str) -> None:
    plural = f"{kind}s"

    def edit(record_id: str) -> Any:
        return edit_record(kind, record_id)

    def archive(record_id: str) -> Any:
        return _lifecycle(kind, record_id, "archive")

    def restore(record_id: str) -> Any:
        return _lifecycle(kind, record_id, "restore")

    base = f"/{plural}/<record_id>"
    bp.add_url_rule(f"{base}/edit", f"{kind}_edit", login_required(edit), methods=["GET", "POST"])
    bp.add_url_rule(f"{base}/archive", f"{kind}_archive", login_required(archive), methods=["POST"])
    bp.add_url_rule(f"{base}/restore", f"{kind}_restore", login_required(restore), methods=["POST"])


_register("lead")
_register("agreement")
