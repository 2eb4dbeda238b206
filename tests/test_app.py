"""The app factory answers its probes over real HTTP on both engines."""

from __future__ import annotations


def test_healthz_and_readyz(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["checks"] == {"store": "ok", "migrations": "ok"}


def test_cookie_key_is_shared_by_workers_without_crm_secret_key(config, store) -> None:  # type: ignore[no-untyped-def]
    """Two app instances (two gunicorn workers) on one instance folder sign
    sessions with the same key, so a dashboard sign-in survives the next request."""
    from dataclasses import replace

    from integration import create_app

    bare = replace(config, secret_key=None)
    first = create_app(bare, store=store).config["SECRET_KEY"]
    second = create_app(bare, store=store).config["SECRET_KEY"]
    assert first == second and len(first) == 64
    key_file = config.instance_path / "secret_key"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
