"""Start-up as an operator meets it: the Procfile's web line under gunicorn and
the clock (``crm-sync scheduler``), as their own processes.

A configuration problem stops each of them with one line naming the variable
or file, the problem and the fix, and no traceback. A store that cannot be
reached does not stop the web process (``/healthz`` answers, ``/readyz`` is 503
naming the store, and becomes 200 once the store is there); the clock waits for
a store that is down or not migrated, saying why, and starts when it is.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from pg_databases import PG_ADMIN_URL, temporary_pg_database
from processes import ROOT, free_port, procfile_command, start_cli, start_procfile, stop
from scheduler_helpers import Setup, make_setup, wait_until

from integration.store import migrate
from integration.store.db import Store


def _typo(s: Setup, env: dict[str, str], tmp: Path) -> None:
    text = s.partners_file.read_text("utf-8").replace("timezone", "time_zone", 1)
    s.partners_file.write_text(text, "utf-8")


def _unwritable_instance(s: Setup, env: dict[str, str], tmp: Path) -> None:
    # a file where the folder should be: not writable even for root
    (tmp / "not-a-folder").write_text("", "utf-8")
    env["CRM_INSTANCE_PATH"] = str(tmp / "not-a-folder" / "instance")
    env.pop("CRM_SECRET_KEY", None)


def _key_file(
    content: str | None, make: bool = True
) -> Callable[[Setup, dict[str, str], Path], None]:
    """Google's key file at a path holding ``content`` (None: a folder; ``make``
    False: nothing there), with no emulator to stand in for Google."""

    def change(s: Setup, env: dict[str, str], tmp: Path) -> None:
        path = tmp / "key.json"
        if not make:
            pass
        elif content is None:
            path.mkdir()
        else:
            path.write_text(content, "utf-8")
        env["GOOGLE_APPLICATION_CREDENTIALS"] = str(path)
        env.pop("SHEETS_EMULATOR_HOST")

    return change


def _set(name: str, value: str | None) -> Callable[[Setup, dict[str, str], Path], None]:
    def change(s: Setup, env: dict[str, str], tmp: Path) -> None:
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value

    return change


#: id -> (how the set-up is broken, words the one line must hold)
BROKEN = {
    "partners-typo": (_typo, ["partners.toml", "time_zone"]),
    "timeout-not-a-number": (_set("CRM_SHEETS_TIMEOUT", "abc"), ["CRM_SHEETS_TIMEOUT", "abc"]),
    "mysql": (_set("DATABASE_URL", "mysql://crm:pw@db/crm"), ["DATABASE_URL", "mysql", "use"]),
    "url-malformed": (_set("DATABASE_URL", "not a url"), ["DATABASE_URL", "not a database URL"]),
    "public-url-no-scheme": (
        _set("CRM_PUBLIC_URL", "crm.example.org"),
        ["CRM_PUBLIC_URL", "https://"],
    ),
    "log-format": (_set("CRM_LOG_FORMAT", "xml"), ["CRM_LOG_FORMAT", "json"]),
    "secret-unset": (_set("EE_WEBHOOK_SECRET", None), ["EE_WEBHOOK_SECRET", "not set", "whsec_"]),
    "secret-form": (_set("LV_WEBHOOK_SECRET", "hunter2"), ["LV_WEBHOOK_SECRET", "whsec_"]),
    "key-missing": (
        _key_file(None, make=False),
        ["GOOGLE_APPLICATION_CREDENTIALS", "key.json", "does not exist"],
    ),
    "key-folder": (_key_file(None), ["GOOGLE_APPLICATION_CREDENTIALS", "is a folder"]),
    "key-not-json": (
        _key_file('{"type": "service_account" "x": 1}'),
        ["GOOGLE_APPLICATION_CREDENTIALS", "is not JSON", "line 1"],
    ),
    "key-not-service-account": (
        _key_file(json.dumps({"type": "authorized_user", "client_id": "x"})),
        ["GOOGLE_APPLICATION_CREDENTIALS", "not a service-account key"],
    ),
    "key-bad-private-key": (
        _key_file(
            json.dumps(
                {
                    "type": "service_account",
                    "client_email": "crm@project.iam.gserviceaccount.com",
                    "private_key": "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n",
                    "token_uri": "https://oauth2.googleapis.com/token",
                }
            )
        ),
        ["GOOGLE_APPLICATION_CREDENTIALS", "private key"],
    ),
    "secret-key-unwritable": (_unwritable_instance, ["CRM_SECRET_KEY", "not writable"]),
}


def _assert_one_line(err: str, words: list[str]) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err and "Worker failed" not in err, err
    assert lines[0].startswith("crm-sync: "), err
    for word in words:
        assert word in lines[0], (word, lines[0])


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_bad_setting_stops_the_web_process_and_the_clock_with_one_line(
    case: str, emulator, sqlite_url: str, tmp_path: Path
) -> None:
    s = make_setup(emulator, sqlite_url, tmp_path)
    env = {**s.env(), "WEB_CONCURRENCY": "1", "PORT": str(free_port())}
    env["CRM_SECRET_KEY"] = "boot-test"
    change, words = BROKEN[case]
    change(s, env, tmp_path)
    web = subprocess.run(
        procfile_command("web", env), env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert web.returncode == 2, web.stderr
    _assert_one_line(web.stderr, words)
    if case == "secret-key-unwritable":
        return  # the clock signs no cookies
    clock = subprocess.run(
        procfile_command("clock", env),
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert clock.returncode == 2, clock.stderr
    _assert_one_line(clock.stderr, words)
    s.store.dispose()


def _get(url: str) -> requests.Response | None:
    try:
        return requests.get(url, timeout=5)
    except requests.ConnectionError:
        return None


def test_the_web_process_starts_without_its_store_and_is_ready_once_it_is_there(
    emulator, sqlite_url: str, tmp_path: Path
) -> None:
    s = make_setup(emulator, sqlite_url, tmp_path)
    with temporary_pg_database(PG_ADMIN_URL, "lefcrm_boot", migrated=False) as url:
        port = free_port()
        web = f"http://127.0.0.1:{port}"
        env = {**s.env(), "WEB_CONCURRENCY": "2", "PORT": str(port), "CRM_SECRET_KEY": "k"}
        env["DATABASE_URL"] = url
        # first: a server nobody listens on, then a database not migrated yet
        for target, reason in (
            (f"postgresql://postgres@127.0.0.1:{free_port()}/x", "unreachable"),
            (url, "pending"),
        ):
            env["DATABASE_URL"] = target
            proc = start_procfile("web", env)
            try:
                health = wait_until(lambda: _get(f"{web}/healthz"), timeout=60, what="/healthz")
                assert health.status_code == 200
                ready = _get(f"{web}/readyz")
                assert ready is not None and ready.status_code == 503
                body = ready.json()
                assert body["status"] == "unavailable"
                assert reason in body["checks"].values(), body
                assert body["store"] == "postgresql", body
                if reason == "pending":
                    store = Store(url)
                    migrate.upgrade(store)
                    store.dispose()
                    again = wait_until(
                        lambda: (
                            (r := _get(f"{web}/readyz")) is not None and r.status_code == 200 and r
                        ),
                        timeout=30,
                        what="ready after the migration",
                    )
                    assert again.json()["checks"] == {
                        "store": "ok",
                        "migrations": "ok",
                        "writes": "ok",
                    }
                    # the partner rows the factory could not write at start-up are there now
                    store = Store(url)
                    with store.engine.connect() as conn:
                        count = conn.exec_driver_sql("SELECT count(*) FROM partners").scalar()
                    store.dispose()
                    assert count == len(s.config.partners)
            finally:
                out, _ = stop(proc, timeout=40)
            assert "Traceback" not in out, out
    s.store.dispose()


def test_the_clock_waits_for_migrations_and_then_starts(
    emulator, sqlite_url: str, tmp_path: Path
) -> None:
    s = make_setup(emulator, sqlite_url, tmp_path)
    with temporary_pg_database(PG_ADMIN_URL, "lefcrm_clock", migrated=False) as url:
        env = {**s.env(), "DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}
        proc = start_cli("scheduler", "--no-catch-up", env=env, cwd=tmp_path)
        try:
            assert proc.stderr is not None
            line = proc.stderr.readline()
            assert "waiting for the store (postgresql 127.0.0.1:" in line, line
            assert "crm-sync db upgrade" in line and "retrying in" in line, line
            upgrade = start_cli("db", "upgrade", env=env, cwd=tmp_path)
            assert upgrade.wait(60) == 0, upgrade.communicate()
            started = time.monotonic()
            while "draining sync requests" not in (out := proc.stderr.readline()):
                assert out, "the clock ended"
                assert time.monotonic() - started < 30
        finally:
            out, err = stop(proc)
        assert "Traceback" not in err, err
    s.store.dispose()
