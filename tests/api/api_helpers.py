"""Assertions shared by the API tests."""

from __future__ import annotations


def problem(resp, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.mimetype == "application/problem+json"
    body = resp.get_json(force=True)
    assert body["status"] == status and body["title"] and body["detail"]
    assert "Traceback" not in resp.get_data(as_text=True)
    return body


def with_sheet(config, emulator, partner: str, spreadsheet_id: str):  # type: ignore[no-untyped-def]
    """``config`` with ``partner``'s spreadsheet on the emulator and plain-HTTP
    cookies, for end-to-end tests that sync a tab and then serve the app."""
    import dataclasses

    return dataclasses.replace(
        config,
        partners={
            **config.partners,
            partner: dataclasses.replace(config.partners[partner], spreadsheet_id=spreadsheet_id),
        },
        emulator_host=emulator.host_port,
        environ={**config.environ, "CRM_INSECURE_COOKIES": "1"},
    )
