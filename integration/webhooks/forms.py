"""``POST /webhooks/forms/<partner>``: a lead from a form submission.

Three shapes (plain JSON, Google Forms via the shipped Apps Script, Typeform),
two signature schemes, one outcome path (:func:`integration.intake.accept_lead`)
run exactly once per delivery id:

====  ===========================================================
201   lead created (body: id)
200   merged into the partner's own lead for the firm, blank fields
      filled (body: id)
202   the firm is another partner's lead: nothing of that lead is
      changed; the submission is kept for this partner as a duplicate
      linked to it (body: duplicate_of, quarantine_id, message), to
      merge or dismiss in review
409   the person was erased (GDPR); nothing is stored
422   field errors in English and the partner's language; the raw
      payload is quarantined for review, nothing else is stored
====  ===========================================================

Errors before the payload is trusted (400, 401, 404, 413, 415) store nothing
and are not remembered, so a fixed retry is processed normally.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Response, jsonify, request
from sqlalchemy.orm import Session

from connectors.forms import PayloadError, parse_submission
from integration.domain import IntakeOutcome, Trigger
from integration.intake import Candidate, check_lead, duplicate_body, store_lead
from integration.issues import for_readers
from integration.store.models import utcnow
from integration.store.retention import TYPEFORM_REPLAY_WINDOW
from integration.web.json_input import parse_json
from integration.web.openapi_components import ref
from integration.web.openapi_operations import describe, json_response, problems
from integration.web.problem_details import Problem, problem_body, problem_response
from integration.web.reader_language import reader_locale
from integration.web.services import services
from integration.web.store_errors import transient_as_503
from integration.webhooks.deliveries import DeliveryAnswer, deliver_once
from integration.webhooks.form_fields import submission_fields
from integration.webhooks.requests import (
    PARTNER_PATH,
    SIGNED_HEADERS,
    partner_or_404,
    require_json_body,
    required_body,
    unauthorized,
)
from integration.webhooks.signatures import (
    TOLERANCE_SECONDS,
    SignatureError,
    verify_standard,
    verify_typeform,
)

TYPEFORM_HEADER = "Typeform-Signature"
#: Values a form lead gets when the form does not say otherwise.
FORM_DEFAULTS = {"source": "web_form", "stage": "new"}


def outcome_response(outcome: DeliveryAnswer) -> Response:
    if outcome.status >= 400:
        resp = problem_response(outcome.body)
    else:
        resp = jsonify(outcome.body)
        resp.status_code = outcome.status
    if outcome.replayed:
        resp.headers["Idempotent-Replayed"] = "true"
    if outcome.record_id and outcome.status < 300:
        resp.headers["Location"] = f"/api/v1/leads/{outcome.record_id}"
    return resp


def _lead_work(
    candidate: Candidate,
    raw: dict[str, Any],
    unmatched: dict[str, Any],
    ignored: list[str],
    source: str,
) -> Callable[[Session], DeliveryAnswer]:
    partner = candidate.partner

    def work(session: Session) -> DeliveryAnswer:
        result = store_lead(
            session,
            candidate,
            source=source,
            trigger=Trigger.WEBHOOK,
            quarantine_raw={**unmatched, **raw},
            load_lead=False,
        )
        if result.outcome == IntakeOutcome.INVALID:
            body = problem_body(
                422,
                "The submission is not a valid lead; it was kept for review.",
                slug="invalid-lead",
                errors=for_readers(result.errors, "lead", reader_locale(), candidate.locale),
            )
            return DeliveryAnswer(422, body)
        if result.outcome == IntakeOutcome.ERASED:
            body = problem_body(
                409,
                "This person asked to be erased (GDPR); the submission was not stored.",
                slug="erased-person",
            )
            return DeliveryAnswer(409, body)
        if result.outcome == IntakeOutcome.DUPLICATE:
            assert result.entry is not None
            session.flush()
            assert result.duplicate_of is not None
            body = duplicate_body(
                partner, result.duplicate_of, result.entry, result.errors[0], candidate.locale
            )
            return DeliveryAnswer(202, body)
        assert result.lead_id is not None
        body = {"id": result.lead_id, "status": result.outcome, "partner": partner}
        if result.outcome == IntakeOutcome.MERGED:
            body["filled"] = result.filled
        if ignored:
            body["ignored"] = ignored
        return DeliveryAnswer(
            201 if result.outcome == IntakeOutcome.CREATED else 200, body, result.lead_id
        )

    return work


def check_typeform_age(submitted_at: str | None) -> None:
    """A Typeform signature carries no timestamp, so the submission's own time
    bounds a replay: refused (401, nothing stored) once older than
    :data:`TYPEFORM_REPLAY_WINDOW`, well within the time delivery ids are kept
    (:data:`WEBHOOK_DELIVERY_RETENTION`), so a repeat is either answered from
    its stored outcome or refused, never processed again."""
    try:
        when = datetime.fromisoformat((submitted_at or "").replace("Z", "+00:00"))
    except ValueError:
        raise Problem(
            400, "A Typeform delivery needs form_response.submitted_at.", slug="bad-payload"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = utcnow()
    if not (now - TYPEFORM_REPLAY_WINDOW <= when <= now + timedelta(seconds=TOLERANCE_SECONDS)):
        raise unauthorized(
            SignatureError("the Typeform submission is older than the replay window")
        )


@describe(
    operationId="receiveFormSubmission",
    summary="A lead from a form (plain JSON, Google Forms, Typeform)",
    security=[],
    parameters=[PARTNER_PATH, *SIGNED_HEADERS],
    requestBody=required_body("FormSubmission"),
    responses={
        "201": json_response(ref("WebhookAccepted"), "Lead created."),
        "200": json_response(
            {"anyOf": [ref("WebhookAccepted"), ref("StatusBody")]},
            "Merged into the partner's own lead for the firm (or a non-submission event ignored).",
        ),
        "202": json_response(
            ref("WebhookDuplicate"),
            "The firm is another partner's lead: that lead is not changed; the "
            "submission is kept for review, linked to it.",
        ),
        **problems(400, 401, 404, 409, 413, 415, 422, 503),
    },
)
def receive_form(partner: str) -> Response:
    config = services().config
    partner_cfg = partner_or_404(partner)
    body = require_json_body()
    secrets = config.partner_secrets(partner_cfg.code)
    typeform_signature = request.headers.get(TYPEFORM_HEADER)
    try:
        if typeform_signature is not None:
            verify_typeform(typeform_signature, body, secrets)
            delivery_id = None
        else:
            delivery_id = verify_standard(body, request.headers, secrets)
    except SignatureError as exc:
        raise unauthorized(exc) from None
    payload = parse_json(body)
    try:
        submission = parse_submission(payload, partner_cfg.typeform_fields)
    except PayloadError as exc:
        raise Problem(400, f"Not a form submission: {exc}.", slug="bad-payload") from None
    if typeform_signature is not None:
        if submission.shape != "typeform" or not submission.delivery_id:
            raise Problem(
                400, "A Typeform delivery needs event_id and form_response.", slug="bad-payload"
            )
        delivery_id = submission.delivery_id
        check_typeform_age(submission.submitted_at)
        if submission.event_type != "form_response":
            return jsonify(status="ignored", event_type=submission.event_type)
    raw, ignored = submission_fields(submission)
    for name, value in FORM_DEFAULTS.items():
        raw.setdefault(name, value)
    source = f"webhook:{partner}"
    # Answers that matched no field are kept with a quarantined payload, so a
    # reviewer sees everything the form sent.
    unmatched = {k: v for k, v in submission.values.items() if k in ignored}
    candidate = check_lead(config, partner, raw)  # before the transaction: pure work
    work = _lead_work(candidate, raw, unmatched, ignored, source)
    assert delivery_id is not None
    with transient_as_503():
        outcome = deliver_once(services().store, partner, delivery_id, source, work, body=body)
    return outcome_response(outcome)
