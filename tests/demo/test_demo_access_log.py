"""The demo's access log keeps each request's path and never its query string
(a token put in the URL, a searched e-mail address)."""

from __future__ import annotations

import re
import signal

import requests
from processes import stop
from test_demo_process import _running_info, _start

SECRET_QUERY = {"access_token": "lcs_NotForLogs0123456789", "q": "jana.berzina@firma.lv"}


def test_demo_logs_paths_without_query_strings(tmp_path) -> None:
    proc = _start(tmp_path, "--fresh", options=("-v",))  # the most it logs
    try:
        web = _running_info(tmp_path, proc)["web_url"]
        for path in ("/api/v1/leads", "/dashboard/leads", "/healthz"):
            requests.get(web + path, params=SECRET_QUERY, timeout=10)
    finally:
        out, err = stop(proc, signal.SIGINT)
    assert proc.returncode == 0, out + err
    log = re.sub(r"\x1b\[[0-9;]*m", "", out + err)
    assert re.search(r'"GET /healthz HTTP/1\.1" 200', log), log[-2000:]
    for value in SECRET_QUERY.values():
        assert value not in log and requests.utils.quote(value, safe="") not in log
    assert "jana.berzina" not in log
