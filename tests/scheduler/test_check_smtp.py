"""``crm-sync check`` with an SMTP server configured, as its own process against
a real aiosmtpd on 127.0.0.1: one ``smtp`` line that passes when the server
answers, STARTTLS works (a certificate the process trusts) and the login is
accepted, and fails with the reason (and exit 1) when any of them does not."""

from __future__ import annotations

import ssl
import subprocess
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult
from processes import free_port, run_cli
from scheduler_helpers import Setup, make_setup
from smtp_inbox import smtp_server


def _check(s: Setup, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {
        **s.env(),
        "CRM_SECRET_KEY": "k",
        "CRM_ALERTS_WITH_EMULATOR": "1",
        "CRM_SMTP_TIMEOUT": "10",
        **env,
    }
    return run_cli("check", env=environ, cwd=cwd)


def _smtp_line(done: subprocess.CompletedProcess[str]) -> str:
    (line,) = [line for line in done.stdout.splitlines() if line[5:].startswith("smtp:")]
    return line


@pytest.fixture
def setup(emulator, sqlite_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    s = make_setup(emulator, sqlite_url, tmp_path)
    yield s
    s.store.dispose()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (key, cert), made with openssl."""
    folder = tmp_path_factory.mktemp("smtp-tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return key, cert


def _accept(user: str, password: str):  # type: ignore[no-untyped-def]
    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth: Any):  # type: ignore[no-untyped-def]
        ok = auth.login == user.encode() and auth.password == password.encode()
        return AuthResult(success=ok, handled=False)  # not handled: the server answers 535

    return authenticator


def test_no_smtp_configured_is_no_line(setup: Setup, tmp_path: Path) -> None:
    done = _check(setup, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not [line for line in done.stdout.splitlines() if line[5:].startswith("smtp:")]


def test_a_plain_server_answers(setup: Setup, tmp_path: Path) -> None:
    with smtp_server() as inbox:
        done = _check(
            setup,
            tmp_path,
            CRM_SMTP_HOST="127.0.0.1",
            CRM_SMTP_PORT=str(inbox.port),
            CRM_SMTP_STARTTLS="0",
        )
    assert done.returncode == 0, done.stdout + done.stderr
    assert _smtp_line(done) == f"ok   smtp: 127.0.0.1:{inbox.port} answers (no STARTTLS)"
    assert inbox.take() == []  # the check sends nothing


def test_starttls_and_login(setup: Setup, tmp_path: Path, certificate) -> None:  # type: ignore[no-untyped-def]
    key, cert = certificate
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    server = {"tls_context": tls, "authenticator": _accept("crm", "s3cret")}
    smtp = {"CRM_SMTP_HOST": "127.0.0.1", "CRM_SMTP_USER": "crm", "SSL_CERT_FILE": str(cert)}
    with smtp_server(**server) as inbox:
        smtp["CRM_SMTP_PORT"] = str(inbox.port)
        good = _check(setup, tmp_path, **smtp, CRM_SMTP_PASSWORD="s3cret")
        wrong = _check(setup, tmp_path, **smtp, CRM_SMTP_PASSWORD="guess")
        untrusted = _check(
            setup, tmp_path, **{**smtp, "SSL_CERT_FILE": "/dev/null"}, CRM_SMTP_PASSWORD="s3cret"
        )
    where = f"127.0.0.1:{inbox.port}"
    assert good.returncode == 0, good.stdout + good.stderr
    assert _smtp_line(good) == f"ok   smtp: {where} answers (STARTTLS, logged in as crm)"
    assert wrong.returncode == 1
    assert _smtp_line(wrong).startswith(f"FAIL smtp: {where}: login as crm refused (535)")
    assert "guess" not in wrong.stdout + wrong.stderr
    assert untrusted.returncode == 1
    assert "STARTTLS failed (CERTIFICATE_VERIFY_FAILED)" in _smtp_line(untrusted)
    for done in (good, wrong, untrusted):
        assert "Traceback" not in done.stderr, done.stderr


def test_starttls_asked_of_a_server_without_it(setup: Setup, tmp_path: Path) -> None:
    with smtp_server() as inbox:
        done = _check(setup, tmp_path, CRM_SMTP_HOST="127.0.0.1", CRM_SMTP_PORT=str(inbox.port))
    assert done.returncode == 1
    assert _smtp_line(done) == (
        f"FAIL smtp: 127.0.0.1:{inbox.port}: the server does not offer STARTTLS; "
        "set CRM_SMTP_STARTTLS=0 or use its TLS port"
    )


def test_nothing_listening(setup: Setup, tmp_path: Path) -> None:
    port = free_port()
    done = _check(setup, tmp_path, CRM_SMTP_HOST="127.0.0.1", CRM_SMTP_PORT=str(port))
    assert done.returncode == 1
    line = _smtp_line(done)
    assert line.startswith(f"FAIL smtp: 127.0.0.1:{port}: cannot connect ("), line
    assert line.endswith("check CRM_SMTP_HOST and CRM_SMTP_PORT"), line
