"""A real service-account key file (a fresh RSA key), the form Google hands out,
for the tests that use Google's credentials without Google."""

from __future__ import annotations

import json
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_EMAIL = "sync@lef-test.iam.gserviceaccount.com"


def service_account_file(
    folder: Path, token_uri: str = "https://oauth2.googleapis.com/token"
) -> Path:
    """``folder/sa.json``: a service-account key whose tokens come from ``token_uri``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    info = {
        "type": "service_account",
        "project_id": "lef-test",
        "private_key_id": "k1",
        "private_key": pem,
        "client_email": CLIENT_EMAIL,
        "client_id": "1",
        "token_uri": token_uri,
    }
    path = folder / "sa.json"
    path.write_text(json.dumps(info), encoding="utf-8")
    return path
