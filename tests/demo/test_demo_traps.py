"""The traps a newcomer fell into around ``crm-sync demo``, through the real
command line as separate processes and real files: the demo prints the exact
``export`` lines that point other commands at it (and they work), a command
pointed at a store that does not exist stops instead of making an empty one,
a failed second start leaves the running demo alone, and the banner's edit
example is a plain gspread script that moves a lead to a sensible next stage."""

from __future__ import annotations

import hashlib
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import requests
from processes import ROOT, start_cli, stop
from sqlalchemy import select
from waiting import wait_until

from integration.store.db import Store
from integration.store.models import Lead, SyncRun

EXPORT = re.compile(r"^\s*export (\w+)=(\S+)$")


def _clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """This environment without anything pointing at a store, a partners file or
    an emulator (as a new terminal has)."""
    drop = ("DATABASE_URL", "CRM_CONFIG", "SHEETS_EMULATOR_HOST", "CRM_API_TOKEN")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1", **extra)
    return env


def _cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "integration.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _read_banner(proc: subprocess.Popen) -> list[str]:
    """The demo's output up to its "Running." line."""
    assert proc.stdout is not None
    lines: list[str] = []
    while True:
        line = proc.stdout.readline()
        if not line:
            raise AssertionError("demo exited early:\n" + "".join(lines) + proc.stderr.read())
        lines.append(line.rstrip("\n"))
        if line.startswith("Running."):
            return lines


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if not p.name.startswith("crm.sqlite-")  # SQLite's own WAL files move on their own
    }


def _stage(store: Store, lead_id: str) -> str | None:
    with store.session() as session:
        return session.get(Lead, lead_id).stage


def test_the_demo_prints_working_exports_refuses_a_second_start_and_its_example_edits(
    tmp_path: Path,
) -> None:
    instance = tmp_path / "instance"
    env = _clean_env(tmp_path, CRM_INSTANCE_PATH=str(instance))
    args = ("demo", "--port", "0", "--emulator-port", "0", "--seed", "10", "--debounce", "1")
    proc = start_cli(*args, "--poll", "2", "--fresh", env=env, cwd=tmp_path)
    try:
        banner = _read_banner(proc)
        exports = dict(m.groups() for m in map(EXPORT.match, banner) if m)
        demo = instance / "demo"
        assert set(exports) == {
            "DATABASE_URL",
            "SHEETS_EMULATOR_HOST",
            "CRM_CONFIG",
            "CRM_API_TOKEN",
            "LV_WEBHOOK_SECRET",
            "EE_WEBHOOK_SECRET",
            "FI_WEBHOOK_SECRET",
        }
        assert all(exports[f"{c}_WEBHOOK_SECRET"].startswith("whsec_") for c in ("LV", "EE", "FI"))
        assert exports["DATABASE_URL"] == f"sqlite:///{(demo / 'crm.sqlite').resolve()}"
        assert exports["CRM_CONFIG"] == str((demo / "partners.toml").resolve())
        assert (demo / "demo.env").read_text("utf-8").splitlines() == [
            f"export {name}={value}" for name, value in exports.items()
        ]
        store = Store(exports["DATABASE_URL"])

        # another terminal, elsewhere, with the printed lines: the demo's store and sheets
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        pointed = {**_clean_env(tmp_path), **exports}
        synced = _cli("sync", "--partner", "lv", env=pointed, cwd=elsewhere)
        assert synced.returncode == 0, synced.stderr
        checked = _cli("check", env=pointed, cwd=elsewhere)  # as docs/deployment.md says
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "FAIL" not in checked.stdout
        with store.session() as session:
            triggers = session.scalars(select(SyncRun.trigger).where(SyncRun.partner == "lv"))
            assert "cli" in set(triggers)
        created = _cli("tokens", "create", "--partner", "lv", env=pointed, cwd=elsewhere)
        assert created.returncode == 0, created.stderr
        secret = created.stdout.strip().splitlines()[-1]
        web = re.search(r"(http://127\.0\.0\.1:\d+)/healthz", "\n".join(banner))[1]
        leads = requests.get(
            f"{web}/api/v1/leads", headers={"Authorization": f"Bearer {secret}"}, timeout=10
        )
        assert leads.status_code == 200, leads.text  # the demo accepts the token
        admin = requests.get(
            f"{web}/api/v1/kpi",
            headers={"Authorization": f"Bearer {exports['CRM_API_TOKEN']}"},
            timeout=10,
        )
        assert admin.status_code == 200
        # ...while with only the partners file set, the command stops instead of
        # making instance/crm.sqlite and a token the demo would refuse
        half = {**_clean_env(tmp_path), "CRM_CONFIG": exports["CRM_CONFIG"]}
        refused = _cli("tokens", "create", "--partner", "lv", env=half, cwd=elsewhere)
        assert refused.returncode == 2
        assert "no store at" in refused.stderr and "crm-sync db upgrade" in refused.stderr
        assert "Traceback" not in refused.stderr
        assert not (elsewhere / "instance").exists()

        # a second demo from the same folder (even with --fresh) is refused and
        # touches nothing of the running one
        before = _digests(demo)
        again = _cli(*args, "--fresh", env=env, cwd=tmp_path)
        assert again.returncode == 2 and "already running" in again.stderr, again.stderr
        busy = socket.socket()
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        try:
            port = str(busy.getsockname()[1])
            other = _clean_env(tmp_path, CRM_INSTANCE_PATH=str(tmp_path / "other"))
            taken = _cli("demo", "--port", port, "--emulator-port", "0", env=other, cwd=tmp_path)
        finally:
            busy.close()
        assert taken.returncode == 2 and f"127.0.0.1:{port}" in taken.stderr, taken.stderr
        assert "Traceback" not in taken.stderr and not (tmp_path / "other").exists()
        assert _digests(demo) == before
        assert requests.get(f"{web}/healthz", timeout=10).status_code == 200

        # the banner's example: a plain gspread script, no project code, moving a
        # lead to its next stage in the partner's words
        script_line = next(line for line in banner if "edit_example.py" in line)
        script = Path(re.search(r"python (\S+edit_example\.py)", script_line)[1])
        source = script.read_text("utf-8")
        assert "import gspread" in source
        assert "integration" not in source and "connectors" not in source
        move = next(line for line in banner if "to its next stage" in line)
        lead_id = re.search(r"\((L-\d{6})\)", move)[1]
        old_word, new_word = re.search(r"'([^']+)' -> '([^']+)'", move).groups()
        old_stage = _stage(store, lead_id)
        edited = subprocess.run(
            [sys.executable, str(script)], capture_output=True, text=True, timeout=60, cwd=tmp_path
        )
        assert edited.returncode == 0, edited.stderr
        assert edited.stdout.strip().endswith(new_word)
        order = ["new", "contacted", "qualified", "meeting", "negotiation", "won"]
        expected = order[order.index(old_stage) + 1]
        wait_until(lambda: _stage(store, lead_id) == expected, 60, 0.3, "the example's edit")
        assert old_word != new_word

        # "Open sheet" on the Sync page opens the emulator's view of the sheet
        # (Google does not know the emulator's ids), the edited cell in it
        dashboard = requests.Session()
        form = dashboard.get(f"{web}/dashboard/signin", timeout=10).text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)[1]
        signed = dashboard.post(
            f"{web}/dashboard/signin",
            data={"csrf_token": csrf, "token": exports["CRM_API_TOKEN"]},
            timeout=10,
        )
        assert signed.status_code == 200 and "/dashboard/signin" not in signed.url
        sync_page = dashboard.get(f"{web}/dashboard/sync", timeout=10).text
        links = re.findall(r'<a href="([^"]+)"[^>]*>[^<]*</a>', sync_page)
        emulator = f"http://{exports['SHEETS_EMULATOR_HOST']}/spreadsheets/d/"
        sheets = [link for link in links if link.startswith(emulator)]
        assert len(sheets) == 3 and not [u for u in links if "docs.google.com" in u], links
        (lv_sheet,) = [u for u in sheets if u.split("/d/")[1].split("/")[0] in source]
        view = requests.get(lv_sheet, timeout=10)
        assert view.status_code == 200 and view.headers["Content-Type"].startswith("text/html")
        assert "<h2>Kontakti</h2>" in view.text and f"<td>{new_word}</td>" in view.text
        store.dispose()
    except BaseException:
        proc.kill()
        raise
    out, err = stop(proc, signal.SIGINT)
    assert proc.returncode == 0, out + err


def test_a_command_pointed_at_a_missing_sqlite_store_stops_and_db_upgrade_creates_it(
    tmp_path: Path,
) -> None:
    partners = ROOT / "partners.example.toml"
    path = tmp_path / "typo" / "crm.sqlite"
    env = _clean_env(tmp_path, CRM_CONFIG=str(partners), DATABASE_URL=f"sqlite:///{path}")
    for args in (("sync", "--partner", "lv"), ("tokens", "create", "--admin"), ("kpi",)):
        result = _cli(*args, env=env, cwd=tmp_path)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        (line,) = result.stderr.strip().splitlines()
        assert f"no store at {path}" in line and "crm-sync db upgrade" in line
    assert not path.exists() and not path.parent.exists()
    upgraded = _cli("db", "upgrade", env=env, cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    assert path.exists()
    created = _cli("tokens", "create", "--admin", env=env, cwd=tmp_path)
    assert created.returncode == 0, created.stderr
