"""Signature schemes against published test vectors and independent tools."""

from __future__ import annotations

import base64
import shutil
import subprocess
import time

import pytest

from integration.webhooks.signatures import (
    SignatureError,
    hmac_sha256,
    standard_headers,
    typeform_header,
    verify_prefixed_hmac,
    verify_standard,
    verify_typeform,
)

# The Standard Webhooks specification's reference vector.
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TS = 1614265330
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

SECRET = "whsec_" + base64.b64encode(b"a-test-secret-of-32-bytes-length").decode()
OTHER = "whsec_" + base64.b64encode(b"another-secret-of-32-bytes-long!").decode()
BODY = b'{"company_name": "SIA Baltic Soft", "country": "LV"}'


def test_standard_webhooks_spec_vector() -> None:
    headers = standard_headers(SPEC_SECRET, SPEC_ID, SPEC_BODY, timestamp=SPEC_TS)
    assert headers["webhook-signature"] == SPEC_SIGNATURE


def test_standard_valid_signature_returns_the_delivery_id() -> None:
    headers = standard_headers(SECRET, "msg_1", BODY)
    assert verify_standard(BODY, headers, [SECRET]) == "msg_1"


def test_standard_spec_vector_is_stale_today() -> None:
    headers = {
        "webhook-id": SPEC_ID,
        "webhook-timestamp": str(SPEC_TS),
        "webhook-signature": SPEC_SIGNATURE,
    }
    with pytest.raises(SignatureError, match="300 seconds"):
        verify_standard(SPEC_BODY, headers, [SPEC_SECRET])


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda b, h: (b + b" ", h), id="tampered-body"),
        pytest.param(lambda b, h: (b, {**h, "webhook-id": "msg_other"}), id="tampered-id"),
        pytest.param(
            lambda b, h: (b, {**h, "webhook-timestamp": str(int(h["webhook-timestamp"]) + 1)}),
            id="tampered-timestamp",
        ),
        pytest.param(
            lambda b, h: (b, {**h, "webhook-signature": "v1," + "A" * 44}), id="wrong-signature"
        ),
        pytest.param(
            lambda b, h: (
                b,
                {**h, "webhook-signature": h["webhook-signature"].replace("v1", "v2")},
            ),
            id="unknown-version",
        ),
        pytest.param(lambda b, h: (b, {**h, "webhook-signature": "garbage"}), id="malformed"),
    ],
)
def test_standard_rejects_tampering(mutate) -> None:  # type: ignore[no-untyped-def]
    body, headers = mutate(BODY, standard_headers(SECRET, "msg_1", BODY))
    with pytest.raises(SignatureError):
        verify_standard(body, headers, [SECRET])


def test_standard_wrong_secret() -> None:
    headers = standard_headers(OTHER, "msg_1", BODY)
    with pytest.raises(SignatureError, match="no valid signature"):
        verify_standard(BODY, headers, [SECRET])


@pytest.mark.parametrize("offset", [-301, 301, -3600, 86400])
def test_standard_rejects_stale_and_future_timestamps(offset: int) -> None:
    headers = standard_headers(SECRET, "msg_1", BODY, int(time.time()) + offset)
    with pytest.raises(SignatureError, match="300 seconds"):
        verify_standard(BODY, headers, [SECRET])


@pytest.mark.parametrize("offset", [-290, 290])
def test_standard_accepts_timestamps_inside_the_window(offset: int) -> None:
    headers = standard_headers(SECRET, "msg_1", BODY, int(time.time()) + offset)
    assert verify_standard(BODY, headers, [SECRET]) == "msg_1"


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_standard_missing_header(missing: str) -> None:
    headers = standard_headers(SECRET, "msg_1", BODY)
    del headers[missing]
    with pytest.raises(SignatureError, match=missing):
        verify_standard(BODY, headers, [SECRET])


def test_standard_rotation_accepts_either_secret_while_both_are_configured() -> None:
    old = standard_headers(OTHER, "msg_old", BODY)
    new = standard_headers(SECRET, "msg_new", BODY)
    assert verify_standard(BODY, old, [SECRET, OTHER]) == "msg_old"
    assert verify_standard(BODY, new, [SECRET, OTHER]) == "msg_new"
    with pytest.raises(SignatureError):
        verify_standard(BODY, old, [SECRET])  # the old secret retired


def test_standard_multiple_signatures_in_one_header() -> None:
    """Senders mid-rotation send one signature per secret, space-separated."""
    headers = standard_headers(SECRET, "msg_1", BODY)
    timestamp = int(headers["webhook-timestamp"])
    other = standard_headers(OTHER, "msg_1", BODY, timestamp)["webhook-signature"]
    headers["webhook-signature"] = f"{other} {headers['webhook-signature']}"
    assert verify_standard(BODY, headers, [SECRET]) == "msg_1"


def test_standard_without_configured_secret_fails_closed() -> None:
    headers = standard_headers(SECRET, "msg_1", BODY)
    with pytest.raises(SignatureError, match="no webhook secret"):
        verify_standard(BODY, headers, [])


def test_standard_non_utf8_body_is_refused() -> None:
    body = b"\xff\xfe{}"
    headers = standard_headers(SECRET, "msg_1", body)
    with pytest.raises(SignatureError, match="not UTF-8"):
        verify_standard(body, headers, [SECRET])


# ----------------------------------------------------------------- Typeform


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")
def test_typeform_signature_matches_openssl() -> None:
    """Typeform's scheme computed by an independent implementation."""
    secret = "typeform-secret"
    digest = subprocess.run(
        ["openssl", "dgst", "-sha256", "-hmac", secret, "-binary"],
        input=BODY,
        capture_output=True,
        check=True,
    ).stdout
    assert typeform_header(secret, BODY) == "sha256=" + base64.b64encode(digest).decode()


def test_typeform_valid_tampered_wrong_missing() -> None:
    secret = "typeform-secret"
    header = typeform_header(secret, BODY)
    verify_typeform(header, BODY, [secret])
    verify_typeform(header, BODY, ["new-secret", secret])  # rotation
    with pytest.raises(SignatureError):
        verify_typeform(header, BODY + b"x", [secret])
    with pytest.raises(SignatureError):
        verify_typeform(header, BODY, ["another"])
    with pytest.raises(SignatureError, match="missing"):
        verify_typeform(None, BODY, [secret])
    with pytest.raises(SignatureError, match="sha256="):
        verify_typeform("sha1=" + header[7:], BODY, [secret])
    with pytest.raises(SignatureError):
        verify_typeform("sha256=ünïcode", BODY, [secret])


# ------------------------------------------------------- GitHub-style (hex)


def test_github_documented_vector() -> None:
    """GitHub's documented example for X-Hub-Signature-256."""
    secret = "It's a Secret to Everybody"
    body = b"Hello, World!"
    expected = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert hmac_sha256(secret, body, "hex") == expected
    verify_prefixed_hmac(f"sha256={expected}", body, [secret], encoding="hex")
    with pytest.raises(SignatureError):
        verify_prefixed_hmac(f"sha256={expected}", body + b"!", [secret], encoding="hex")
