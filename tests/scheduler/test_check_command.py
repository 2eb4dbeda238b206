"""``crm-sync check`` as a deploy script runs it (its own process), against the
emulator standing in for Google: one line per check, exit 0 when all pass and 1
when any fails, and the words for a spreadsheet that will not open ("share it
with ... as editor") are the ones a failing sync records too."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

from processes import free_port, run_cli
from scheduler_helpers import Setup, make_setup

from integration.sync.engine import run_sync


def _check(s: Setup, cwd: Path, **env: str | None) -> subprocess.CompletedProcess[str]:
    environ = {**s.env()}
    for name, value in env.items():
        if value is None:
            environ.pop(name, None)
        else:
            environ[name] = value
    return run_cli("check", env=environ, cwd=cwd)


def test_a_good_deployment_passes_every_check(emulator, sqlite_url: str, tmp_path: Path) -> None:
    s = make_setup(emulator, sqlite_url, tmp_path)
    done = _check(s, tmp_path, CRM_SECRET_KEY="k")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert all(line.startswith("ok   ") for line in lines), done.stdout
    names = [line.split(":")[0][5:] for line in lines]
    for expected in ("configuration", "store", "migrations", "google credentials"):
        assert expected in names, names
    for code in ("lv", "ee", "fi"):
        assert f"spreadsheet {code}" in names and f"webhook secret {code}" in names
        assert any(n.startswith(f"tab {code}/") for n in names), names
    s.store.dispose()


def test_each_problem_is_one_failing_line_and_the_exit_is_1(
    emulator, sqlite_url: str, tmp_path: Path
) -> None:
    s = make_setup(emulator, sqlite_url, tmp_path)
    lv_id = s.ids["lv"]
    text = s.partners_file.read_text("utf-8").replace(lv_id, "1NotSharedWithTheServiceAccount")
    s.partners_file.write_text(text, "utf-8")
    done = _check(s, tmp_path, CRM_SECRET_KEY="k", EE_WEBHOOK_SECRET=None)
    assert done.returncode == 1, done.stdout + done.stderr
    failed = [line for line in done.stdout.splitlines() if line.startswith("FAIL")]
    assert len(failed) == 2, done.stdout
    assert any(
        "spreadsheet lv" in line and "share it with the service account as editor" in line
        for line in failed
    ), failed
    assert any("webhook secret ee" in line and "EE_WEBHOOK_SECRET" in line for line in failed)
    assert "Traceback" not in done.stderr
    # a store nobody listens on is one more failing line, the rest still checked
    down = _check(
        s, tmp_path, CRM_SECRET_KEY="k", DATABASE_URL=f"postgresql://u@127.0.0.1:{free_port()}/x"
    )
    assert down.returncode == 1
    assert any(
        line.startswith("FAIL store: postgresql 127.0.0.1:") for line in down.stdout.splitlines()
    )
    assert "ok   spreadsheet ee" in down.stdout
    s.store.dispose()


def test_a_sync_of_an_unshared_spreadsheet_says_to_share_it(
    emulator, sqlite_url: str, tmp_path: Path
) -> None:
    s = make_setup(emulator, sqlite_url, tmp_path)
    lv = dataclasses.replace(s.config.partners["lv"], spreadsheet_id="1NotSharedWithUs")
    config = dataclasses.replace(s.config, partners={**s.config.partners, "lv": lv})
    report = run_sync(config, s.store, "lv", tab="leads")
    (tab,) = report.tabs
    assert tab.outcome == "failed"
    assert "share it with the service account as editor" in (tab.error or ""), tab.error
    s.store.dispose()
