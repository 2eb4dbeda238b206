"""The reverse proxy of ``docs/deploy/nginx.conf``, as shipped (only its names,
ports, certificate and log paths changed for the test): nginx accepts it, and
end to end in front of the Procfile's web line it serves ``/healthz`` over TLS,
redirects plain HTTP, keeps query strings out of its access log, and answers
the probes while twenty slow clients trickle request bodies at it."""

from __future__ import annotations

import http.client
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
import urllib3
from processes import ROOT, free_port, start_procfile, stop, wait_for_http
from scheduler_helpers import Setup, make_setup, wait_until

#: nginx as the system installs it: /usr/sbin is not on every user's PATH (.ci/run
#: counts it as installed there too)
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed")

SHIPPED = ROOT / "docs" / "deploy" / "nginx.conf"


def _render(tmp: Path, http_port: int, https_port: int, web_port: int) -> Path:
    """The shipped file with this machine's ports and paths, inside a minimal
    main configuration (what /etc/nginx/nginx.conf gives it in production)."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=crm.example.org", "-keyout", str(tmp / "key.pem"),
         "-out", str(tmp / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    text = SHIPPED.read_text("utf-8")
    for old, new in {
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "/etc/letsencrypt/live/crm.example.org/fullchain.pem": str(tmp / "cert.pem"),
        "/etc/letsencrypt/live/crm.example.org/privkey.pem": str(tmp / "key.pem"),
        "/var/log/nginx/crm-access.log": str(tmp / "access.log"),
        "127.0.0.1:8000": f"127.0.0.1:{web_port}",
    }.items():
        assert old in text, old
        text = text.replace(old, new)
    (tmp / "crm.conf").write_text(text, "utf-8")
    main = tmp / "nginx.conf"
    main.write_text(
        f"user root;\npid {tmp}/nginx.pid;\nerror_log {tmp}/error.log;\nevents {{}}\n"
        f"http {{\n  client_body_temp_path {tmp}/body;\n  proxy_temp_path {tmp}/proxy;\n"
        f"  fastcgi_temp_path {tmp}/fcgi;\n  uwsgi_temp_path {tmp}/uwsgi;\n"
        f"  scgi_temp_path {tmp}/scgi;\n  include {tmp}/crm.conf;\n}}\n",
        "utf-8",
    )
    return main


def _answers(url: str, proc: subprocess.Popen) -> bool:
    assert proc.poll() is None, proc.communicate()[0]
    try:
        return requests.get(url, verify=False, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _trickle(port: int, stop_event: threading.Event) -> None:
    head = (
        "POST /webhooks/forms/lv HTTP/1.1\r\nHost: crm.example.org\r\n"
        "Content-Type: application/json\r\nContent-Length: 4000\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        with context.wrap_socket(sock, server_hostname="crm.example.org") as tls:
            tls.sendall(head.encode())
            while not stop_event.wait(1):
                try:
                    tls.sendall(b" ")
                except OSError:
                    return


@dataclass
class Fronted:
    """The Procfile's web line behind the shipped nginx configuration."""

    base: str  # https://127.0.0.1:<nginx's TLS port>
    http_port: int
    https_port: int
    web_port: int
    web: subprocess.Popen
    nginx: subprocess.Popen
    output: list[str] = field(default_factory=list)  # the web process's, once stopped


@contextmanager
def _fronted(s: Setup, tmp_path: Path, **env: str) -> Iterator[Fronted]:
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    http_port, https_port, web_port = free_port(), free_port(), free_port()
    main = _render(tmp_path, http_port, https_port, web_port)
    checked = subprocess.run(
        [str(NGINX), "-t", "-c", str(main), "-p", str(tmp_path)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr
    environ = {
        **s.env(),
        "WEB_CONCURRENCY": "1",
        "PORT": str(web_port),
        "CRM_SECRET_KEY": "proxy",
        **env,
    }
    web = start_procfile("web", environ)
    nginx = subprocess.Popen(
        [str(NGINX), "-c", str(main), "-p", str(tmp_path), "-g", "daemon off;"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    front = Fronted(f"https://127.0.0.1:{https_port}", http_port, https_port, web_port, web, nginx)
    try:
        wait_for_http(f"http://127.0.0.1:{web_port}/healthz", web, timeout=60)
        wait_until(lambda: _answers(f"{front.base}/healthz", nginx), timeout=20, what="nginx")
        yield front
    finally:
        nginx.terminate()
        nginx.wait(timeout=20)
        out, _ = stop(web, timeout=40)
        front.output.extend(out.splitlines())


def _get_from(source: str, port: int, path: str, headers: dict[str, str], tls: bool = True):  # type: ignore[no-untyped-def]
    """``GET path`` on 127.0.0.1:``port`` from the loopback address ``source``
    (another address than nginx's own, so the logs can tell them apart)."""
    if tls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            "127.0.0.1", port, timeout=10, source_address=(source, 0), context=context
        )
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        return response
    finally:
        conn.close()


FORGED = {
    "X-Forwarded-For": "203.0.113.9",
    "X-Forwarded-Host": "evil.example",
    "X-Forwarded-Proto": "gopher",
}


def _access_line(output: list[str], path: str) -> str:
    (line,) = [line for line in output if f'"GET {path} HTTP/1.' in line]
    return line


def test_with_one_trusted_proxy_the_client_address_scheme_and_host_come_from_nginx(
    emulator, sqlite_url: str, tmp_path: Path
) -> None:
    s = make_setup(emulator, sqlite_url, tmp_path)
    with _fronted(s, tmp_path, CRM_TRUSTED_PROXIES="1") as front:
        # werkzeug's redirect to the slashed path is an absolute link: the
        # scheme, host and port the client used, not gunicorn's plain HTTP
        moved = _get_from("127.0.0.5", front.https_port, "/dashboard", FORGED)
        assert moved.status == 308
        assert moved.getheader("Location") == f"https://127.0.0.1:{front.https_port}/dashboard/"
        assert _get_from("127.0.0.5", front.https_port, "/readyz", FORGED).status == 200
    # the client's address, not nginx's, nor the one the client forged
    line = _access_line(front.output, "/readyz")
    assert " gunicorn.access: 127.0.0.5 - " in line, line
    assert "203.0.113.9" not in "\n".join(front.output)
    s.store.dispose()


def test_by_default_forwarded_headers_are_ignored(
    emulator, sqlite_url: str, tmp_path: Path
) -> None:
    s = make_setup(emulator, sqlite_url, tmp_path)
    port = free_port()
    env = {**s.env(), "WEB_CONCURRENCY": "1", "PORT": str(port), "CRM_SECRET_KEY": "proxy"}
    env.pop("CRM_TRUSTED_PROXIES", None)
    web = start_procfile("web", env)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/healthz", web, timeout=60)
        moved = _get_from("127.0.0.5", port, "/dashboard", FORGED, tls=False)
        assert moved.status == 308
        assert moved.getheader("Location") == f"http://127.0.0.1:{port}/dashboard/"
        assert _get_from("127.0.0.5", port, "/readyz", FORGED, tls=False).status == 200
    finally:
        out, _ = stop(web, timeout=40)
    line = _access_line(out.splitlines(), "/readyz")
    assert " gunicorn.access: 127.0.0.5 - " in line, (
        line
    )  # the socket's peer, not the forged header
    assert "203.0.113.9" not in out
    s.store.dispose()


def test_the_shipped_nginx_config_fronts_the_web_process(
    emulator, sqlite_url: str, tmp_path: Path
) -> None:
    s = make_setup(emulator, sqlite_url, tmp_path)
    done = threading.Event()
    with _fronted(s, tmp_path) as front:
        base, http_port, https_port = front.base, front.http_port, front.https_port
        health = requests.get(
            f"{base}/healthz?access_token=lcs_NotInTheProxyLog", verify=False, timeout=10
        )
        assert health.status_code == 200 and health.json() == {"status": "ok"}
        plain = requests.get(
            f"http://127.0.0.1:{http_port}/healthz", allow_redirects=False, timeout=10
        )
        assert plain.status_code == 301 and plain.headers["Location"].startswith("https://")
        assert (
            requests.get(f"{base}/metrics", verify=False, timeout=10).status_code == 200
        )  # from loopback
        slow = [
            threading.Thread(target=_trickle, args=(https_port, done), daemon=True)
            for _ in range(20)
        ]
        try:
            for thread in slow:
                thread.start()
            time.sleep(2)
            for _ in range(5):
                asked = time.monotonic()
                assert requests.get(f"{base}/healthz", verify=False, timeout=10).status_code == 200
                assert time.monotonic() - asked < 2.0
                time.sleep(0.5)
        finally:
            done.set()
    log = (tmp_path / "access.log").read_text("utf-8")
    assert "GET /healthz HTTP/" in log
    assert "lcs_" not in log and "?" not in log
    s.store.dispose()
