"""``/api/v1/leads`` and ``/api/v1/agreements``: list, get, create, patch; and
the GDPR erasure ``DELETE /leads/<id>``.

Writes validate against the JSON Schemas (and, for agreements, the
cross-record rules), go through the record operations (audited, source
``api``) and record a sync request so partners' sheets follow. ``PATCH`` is a
JSON merge patch (RFC 7396: ``null`` removes a field) and honours ``If-Match``
with the ETag of the record's version.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Response, jsonify, request
from sqlalchemy import Select, select

from integration import ownership, record_changes
from integration.api.context import (
    actor,
    admin,
    arg,
    bad_param,
    bool_arg,
    check_partner_param,
    cursor_arg,
    datetime_arg,
    encode_cursor,
    json_body,
    limit_arg,
    not_found,
    source,
    store_session,
    token,
)
from integration.api.erasure import erase_person
from integration.api.idempotency import hold_claim, idempotent, settle
from integration.api.validation import (
    as_errors,
    check_read_only,
    field_error,
    invalid,
    token_locale,
    validate,
    validate_agreement_rules,
)
from integration.auth import scope_agreements, scope_leads
from integration.domain import Trigger
from integration.intake import keep_cross_partner_duplicate
from integration.kinds import RECORD_KINDS, Kind, record_kind
from integration.normalise import enum_values
from integration.ownership import OWNER_FIELD, Denied
from integration.store import lead_create, queries, records
from integration.store.guarded import run_guarded
from integration.store.models import Agreement, Lead
from integration.store.records import Refused
from integration.web.problem_details import Problem
from integration.web.services import services


def _etag(record: Lead | Agreement) -> str:
    return f'W/"{record.version}"'


def record_json(record: Lead | Agreement) -> dict[str, Any]:
    out = records.to_dict(record)
    out["version"] = record.version
    return out


def _record_response(record: Lead | Agreement, status: int = 200) -> Response:
    resp = jsonify(record_json(record))
    resp.status_code = status
    resp.headers["ETag"] = _etag(record)
    if status == 201:
        plural = record_kind(records.kind_of(record)).tab  # (the API's paths are the tabs')
        resp.headers["Location"] = f"/api/v1/{plural}/{record.id}"
    return resp


#: The access scope of each kind (which records the caller's token may see).
_SCOPES: dict[str, Callable[[Select, Any], Select]] = {
    Kind.LEAD: scope_leads,
    Kind.AGREEMENT: scope_agreements,
}


def _scoped(kind: str) -> Select:
    return _SCOPES[kind](select(queries.MODELS[kind]), token())


ID_PATTERNS: dict[str, re.Pattern[str]] = {
    k.kind: re.compile(rf"{k.id_prefix}-[0-9]{{6,}}") for k in RECORD_KINDS
}


def _get_visible(session: Any, kind: str, record_id: str) -> Lead | Agreement:
    model = queries.MODELS[kind]
    if not ID_PATTERNS[kind].fullmatch(record_id):
        raise not_found(kind)
    record = session.scalars(_scoped(kind).where(model.id == record_id)).first()
    if record is None:
        raise not_found(kind)
    return record


# ---------------------------------------------------------------- listing


def _wanted(kind: str) -> queries.RecordFilter:
    """The list endpoint's query parameters, checked, as a store filter."""
    partner = check_partner_param(arg("partner"))
    common: dict[str, Any] = {
        "partner": partner,
        "sector": arg("sector", enum_values(kind, "sector")),
        "updated_since": datetime_arg("updated_since"),
        "q": arg("q"),
        "include_archived": bool_arg("include_archived"),
    }
    return _OWN_WANTED[kind](common)


def _lead_wanted(common: dict[str, Any]) -> queries.RecordFilter:
    """The lead list's own parameters (country, stage, source, event) over ``common``."""
    country = arg("country")
    if country is not None:
        country = country.upper()
        if country not in enum_values("lead", "country"):
            raise bad_param("country", "not an ISO 3166-1 alpha-2 code")
    return queries.RecordFilter(
        **common,
        country=country,
        stage=arg("stage", enum_values("lead", "stage")),
        source=arg("source", enum_values("lead", "source")),
        event_texts=_event_texts(arg("event")),
    )


def _agreement_wanted(common: dict[str, Any]) -> queries.RecordFilter:
    """The agreement list's own parameter (status) over ``common``."""
    return queries.RecordFilter(**common, status=arg("status", enum_values("agreement", "status")))


#: The list parameters only one kind has.
_OWN_WANTED: dict[str, Callable[[dict[str, Any]], queries.RecordFilter]] = {
    Kind.LEAD: _lead_wanted,
    Kind.AGREEMENT: _agreement_wanted,
}


def _event_texts(event_id: str | None) -> tuple[str, ...] | None:
    """The stored texts naming ``event_id`` among the caller's leads (None: no filter)."""
    if event_id is None:
        if "event" in request.args:
            raise bad_param("event", "not an event id of the partners file")
        return None
    events = services().config.events
    if event_id not in {e.id for e in events}:
        raise bad_param("event", "not an event id of the partners file")
    with store_session() as session:
        return queries.event_texts(session, _scoped("lead"), event_id, events)


def list_records(kind: str) -> Response:
    limit = limit_arg()
    after = cursor_arg()
    query = queries.filtered(kind, _scoped(kind), _wanted(kind))
    query = queries.after_id(kind, query, None if after is None else str(after), limit)
    with store_session() as session:
        rows = list(session.scalars(query))
    page = rows[:limit]
    next_cursor = encode_cursor(page[-1].id) if len(rows) > limit else None
    return jsonify(items=[record_json(r) for r in page], next_cursor=next_cursor)


def get_record(kind: str, record_id: str) -> Response:
    with store_session() as session:
        record = _get_visible(session, kind, record_id)
    return _record_response(record)


# ---------------------------------------------------------------- creating


def _own_partner(body: dict[str, Any], kind: str) -> str:
    """The owning partner of a new record: a partner token's own code unless the
    body names one, which :func:`ownership.check_create` then judges."""
    field = OWNER_FIELD[kind]
    if body.get(field) is None and token().partner is not None:
        body[field] = token().partner
    owner = body.get(field)
    if isinstance(owner, str):
        try:
            ownership.check_create(actor(), kind, owner)
        except Denied as exc:
            raise invalid([field_error(field, "scope", exc.message)]) from None
    return owner if isinstance(owner, str) else ""


def _new_record_body(kind: str) -> tuple[dict[str, Any], str]:
    """A create request's body and owning partner once it passed every check that
    needs no store (a JSON object, no read-only field, an owner the caller may
    create for, the schema): the same for leads and agreements, in this order."""
    body = json_body()
    check_read_only(body)
    partner = _own_partner(body, kind)
    validate(kind, body, token())
    return body, partner


def _sync_after_api(session: Any, partner: str, kind: str, reason: str) -> None:
    """Ask for a sync of ``partner``'s tab of ``kind`` so its sheet follows an API write."""
    tab = record_kind(kind).tab
    records.request_sync(session, partner, trigger=Trigger.API, reason=reason, tab=tab)


def create_lead() -> Response:
    return idempotent(_create_lead)


def _create_lead() -> Response:
    body, partner = _new_record_body("lead")
    with store_session() as session:
        hold_claim(session)
        try:
            lead_id = lead_create.create_lead(session, body, source=source())
        except Refused as exc:
            if exc.reason == "duplicate" and exc.other_id and not admin() and not exc.mergeable:
                # Another partner's firm: kept for this partner as a linked duplicate,
                # as a form or a sheet row would be; that lead is never touched.
                _entry, kept = keep_cross_partner_duplicate(
                    session,
                    partner=partner,
                    other_id=exc.other_id,
                    owner=exc.other_partner or "",
                    locale=token_locale(token()),
                    source=source(),
                    raw=body,
                )
                answer = jsonify(kept)
                answer.status_code = 202
                return settle(session, answer)
            raise refused_problem(exc) from None
        lead = session.get(Lead, lead_id)
        assert lead is not None  # inserted in this transaction
        _sync_after_api(session, partner, "lead", f"api created {lead.id}")
        session.flush()
        return settle(session, _record_response(lead, 201))


def create_agreement() -> Response:
    return idempotent(_create_agreement)


def _create_agreement() -> Response:
    body, partner = _new_record_body("agreement")
    with store_session() as session:
        hold_claim(session)
        validate_agreement_rules(session, body, token())
        agreement = records.create_agreement(session, body, source=source())
        _sync_after_api(session, partner, "agreement", f"api created {agreement.id}")
        session.flush()
        return settle(session, _record_response(agreement, 201))


# ---------------------------------------------------------------- patching


#: The create endpoint of each kind (a lead is checked for its firm's duplicates,
#: an agreement for its parties).
CREATE_VIEWS: dict[str, Callable[[], Response]] = {
    Kind.LEAD: create_lead,
    Kind.AGREEMENT: create_agreement,
}


def _check_if_match(record: Lead | Agreement) -> None:
    wanted = request.headers.get("If-Match")
    if wanted is None:
        return
    tags = [t.strip() for t in wanted.split(",")]
    if "*" in tags or _etag(record) in tags or f'"{record.version}"' in tags:
        return
    raise _stale_if_match()


def _stale_if_match() -> Problem:
    return Problem(
        412,
        "The record changed since you read it; fetch it again and reapply your change.",
        slug="precondition-failed",
    )


def patch_record(kind: str, record_id: str) -> Response:
    """The patch in one transaction that re-reads the record each time it loses a
    race: its update is conditional on the version read (a concurrent change is
    never overwritten), and with ``If-Match`` a lost race is a 412."""
    patch = json_body(merge_patch=True)
    check_read_only(patch)
    wanted = request.headers.get("If-Match")
    on_stale = _stale_if_match if wanted is not None and wanted.strip() != "*" else None
    record = run_guarded(lambda: _patch_once(kind, record_id, patch), on_stale=on_stale)
    return _record_response(record)


def _patch_once(kind: str, record_id: str, patch: dict[str, Any]) -> Lead | Agreement:
    """One run of the patch through :func:`record_changes.edit`, the rules the
    dashboard's edit form goes through too; its refusals as problem answers."""
    with store_session() as session:
        record = _get_visible(session, kind, record_id)
        try:
            record_changes.edit(
                session,
                services().config,
                kind,
                record,
                patch,
                actor=actor(),
                token=token(),
                source=source(),
                by=token().name,
                check_version=_check_if_match,
            )
        except Denied as exc:
            if exc.reason == "move":
                raise invalid([field_error(OWNER_FIELD[kind], "scope", exc.message)]) from None
            raise
        except record_changes.Invalid as exc:
            raise invalid(as_errors(exc.issues, token_locale(token()))) from None
        except Refused as exc:
            raise refused_problem(exc) from None
    return record


def refused_problem(exc: Refused) -> Problem:
    """The API's answer to values the store refused (:class:`records.Refused`);
    another partner's lead is not named."""
    if exc.reason == "erased_lead":
        return Problem(
            409,
            "This lead was erased (GDPR); personal fields cannot be set again.",
            slug="erased-person",
        )
    if exc.reason == "erased":
        return Problem(
            409,
            "This person asked to be erased (GDPR); these values cannot be stored.",
            slug="erased-person",
        )
    visible = admin() or (exc.other_id is not None and exc.other_partner == token().partner)
    extra: dict[str, Any] = {"existing_id": exc.other_id} if visible else {}
    return Problem(
        409,
        "Another lead already has this registration code or e-mail.",
        slug="duplicate",
        **extra,
    )


# ---------------------------------------------------------------- erasure


def erase_lead(record_id: str) -> Response:
    """GDPR erasure: personal fields removed, hashed tombstone kept, audit keeps
    only the fact; the sheet cells are blanked by the next sync (requested here).
    The answer says how far it reached: the partner's own data for a partner
    token, the network for an admin."""

    def erase_once() -> Any:
        with store_session() as session:
            lead = _get_visible(session, "lead", record_id)
            assert isinstance(lead, Lead)
            return erase_person(session, lead, actor=actor(), source=source())

    return jsonify(run_guarded(erase_once).as_json())
