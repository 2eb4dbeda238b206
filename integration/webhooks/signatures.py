"""Webhook signature schemes, verified over the raw body before anything parses it.

* Standard Webhooks (generic JSON senders and the shipped Apps Scripts):
  ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature`` headers,
  HMAC-SHA256 over ``id.timestamp.body`` with the partner's ``whsec_`` secret;
  timestamps more than 300 s away from now (either way) are refused, which
  bounds replays of a captured request. Verified with the ``standardwebhooks``
  library.
* Typeform: ``Typeform-Signature: sha256=<base64 HMAC-SHA256 of the body>``,
  keyed with the secret string as pasted into Typeform.
* The hex variant of that prefixed HMAC (GitHub's ``X-Hub-Signature-256``) is
  the same function with another encoding.

Every partner may have two secrets valid at once, so a secret can be rotated
without losing deliveries: the new one is added, senders switch, the old one
is removed. All comparisons are constant-time.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from standardwebhooks import Webhook
from standardwebhooks.webhooks import EmptyWebhookSecretError, WebhookVerificationError
from werkzeug.datastructures import Headers

#: Tolerance of the Standard Webhooks timestamp, seconds (fixed by the library).
TOLERANCE_SECONDS = 300


class SignatureError(Exception):
    """The request is not authentic (missing, malformed, wrong or stale);
    the message is safe to show the sender."""


def _standard_webhooks(secrets: Sequence[str]) -> tuple[Webhook, ...]:
    return _webhooks_for(tuple(secrets))


@functools.lru_cache(maxsize=64)
def _webhooks_for(secrets: tuple[str, ...]) -> tuple[Webhook, ...]:
    """Built once per set of secrets (decoding a secret on every request was a
    measurable share of a webhook's cost); a rotated set is a new cache entry."""
    hooks = []
    for secret in secrets:
        try:
            hooks.append(Webhook(secret))
        except (EmptyWebhookSecretError, binascii.Error, ValueError):
            continue  # a malformed configured secret verifies nothing
    return tuple(hooks)


def verify_standard(
    body: bytes, headers: Mapping[str, str] | Headers, secrets: Sequence[str]
) -> str:
    """Check a Standard Webhooks signature; return the ``webhook-id``.

    ``headers`` may be any case-insensitive mapping (Werkzeug's ``Headers``).
    """
    wanted = ("webhook-id", "webhook-timestamp", "webhook-signature")
    values = {name: headers.get(name) for name in wanted}
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise SignatureError(f"missing signature header(s): {', '.join(missing)}")
    hooks = _standard_webhooks(secrets)
    if not hooks:
        raise SignatureError("no webhook secret is configured for this partner")
    try:
        timestamp = float(values["webhook-timestamp"] or "")
    except ValueError:
        raise SignatureError("webhook-timestamp is not a Unix time") from None
    if abs(time.time() - timestamp) > TOLERANCE_SECONDS:
        raise SignatureError("webhook-timestamp is more than 300 seconds from now")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise SignatureError("the signed body is not UTF-8") from None
    for hook in hooks:
        try:
            hook.verify(text, values, json_parse=False)  # type: ignore[arg-type]
            return str(values["webhook-id"])
        except WebhookVerificationError:
            continue
        except (ValueError, binascii.Error):
            # A malformed signature list ("v1" without a comma, bad base64).
            raise SignatureError("webhook-signature is malformed") from None
    raise SignatureError("no valid signature for any configured secret")


def standard_headers(secret: str, msg_id: str, body: bytes, timestamp: int | None = None) -> dict:
    """All three Standard Webhooks headers a sender would send for ``body``
    (tests, tools, bench), signed by the same library that verifies them. The
    scheme signs text: a body that is not UTF-8 is signed as decoded with
    replacement characters, and :func:`verify_standard` refuses it anyway."""
    ts = int(time.time()) if timestamp is None else timestamp
    signature = Webhook(secret).sign(
        msg_id, datetime.fromtimestamp(ts, tz=UTC), body.decode("utf-8", "replace")
    )
    return {"webhook-id": msg_id, "webhook-timestamp": str(ts), "webhook-signature": signature}


def hmac_sha256(secret: str, body: bytes, encoding: str = "base64") -> str:
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii") if encoding == "base64" else digest.hex()


def verify_prefixed_hmac(
    header: str | None, body: bytes, secrets: Sequence[str], *, encoding: str = "base64"
) -> None:
    """Check ``sha256=<digest>`` (Typeform: base64; GitHub: hex) against each secret."""
    if not header:
        raise SignatureError("missing signature header")
    scheme, _, given = header.strip().partition("=")
    if scheme != "sha256" or not given:
        raise SignatureError("signature must look like sha256=<digest>")
    if not secrets:
        raise SignatureError("no webhook secret is configured for this partner")
    ok = False
    for secret in secrets:
        expected = hmac_sha256(secret, body, encoding)
        # No early exit: every secret is compared, so timing says nothing about which.
        ok |= hmac.compare_digest(expected.encode("ascii"), given.encode("ascii", "replace"))
    if not ok:
        raise SignatureError("no valid signature for any configured secret")


def verify_typeform(header: str | None, body: bytes, secrets: Sequence[str]) -> None:
    verify_prefixed_hmac(header, body, secrets, encoding="base64")


def typeform_header(secret: str, body: bytes) -> str:
    return "sha256=" + hmac_sha256(secret, body, "base64")
