"""Sheet-edit notices from the Apps Script trigger, and Drive push notifications."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from integration.drive.channels import register_channel
from integration.store.models import DriveChannel, DriveChannelEvent, SyncRequest
from integration.webhooks.signatures import standard_headers


def post_edit(client, secret, payload, msg_id="edit-1"):  # type: ignore[no-untyped-def]
    body = json.dumps(payload).encode()
    return client.post(
        "/webhooks/sheets/lv",
        data=body,
        headers=standard_headers(secret, msg_id, body),
        content_type="application/json",
    )


def requests_of(store) -> list[tuple]:  # type: ignore[no-untyped-def]
    with store.session() as s:
        return [
            (r.partner, r.trigger, r.tab)
            for r in s.scalars(select(SyncRequest).order_by(SyncRequest.id))
        ]


def test_sheet_edit_records_a_sync_request_for_the_tab(client, lv_secret, store) -> None:
    resp = post_edit(client, lv_secret, {"event": "edit", "sheet": "Agreements", "range": "C4"})
    assert resp.status_code == 202
    assert resp.get_json()["tab"] == "agreements"
    assert requests_of(store) == [("lv", "webhook", "agreements")]
    again = post_edit(client, lv_secret, {"event": "edit", "sheet": "Agreements", "range": "C4"})
    assert again.status_code == 202 and again.headers["Idempotent-Replayed"] == "true"
    assert len(requests_of(store)) == 1


def test_structural_change_syncs_both_tabs(client, lv_secret, store) -> None:
    resp = post_edit(client, lv_secret, {"event": "change", "change_type": "INSERT_ROW"}, "c-1")
    assert resp.status_code == 202
    assert requests_of(store) == [("lv", "webhook", None)]


def test_edit_of_a_partner_own_tab_is_ignored(client, lv_secret, store) -> None:
    resp = post_edit(client, lv_secret, {"event": "edit", "sheet": "Notes for Anna"}, "o-1")
    assert resp.status_code == 200 and resp.get_json()["status"] == "ignored"
    assert requests_of(store) == []


def test_unsigned_or_wrongly_signed_edit_is_401(client, store) -> None:
    body = b'{"event": "edit"}'
    assert (
        client.post("/webhooks/sheets/lv", data=body, content_type="application/json").status_code
        == 401
    )
    other = "whsec_" + "b3RoZXItc2VjcmV0LW5vdC1jb25maWd1cmVkLTAx"
    assert post_edit(client, other, {"event": "edit"}).status_code == 401
    assert requests_of(store) == []


# ------------------------------------------------------------------- Drive


@pytest.fixture
def channel(store) -> str:  # type: ignore[no-untyped-def]
    with store.session() as s:
        register_channel(
            s, channel_id="chan-1", partner="ee", token="tok-secret", resource_id="res-1"
        )
    return "chan-1"


def drive(
    client,
    state: str,
    number: int,
    token: str = "tok-secret",
    channel: str = "chan-1",
    changed: str | None = None,
):  # type: ignore[no-untyped-def]
    headers = {
        "X-Goog-Channel-ID": channel,
        "X-Goog-Channel-Token": token,
        "X-Goog-Resource-State": state,
        "X-Goog-Resource-ID": "res-1",
        "X-Goog-Message-Number": str(number),
    }
    if changed is not None:
        headers["X-Goog-Changed"] = changed
    return client.post("/webhooks/drive", headers=headers)


def test_drive_sync_message_is_acknowledged_without_work(client, channel, store) -> None:
    resp = drive(client, "sync", 1)
    assert resp.status_code == 200 and resp.get_json()["status"] == "acknowledged"
    assert requests_of(store) == []


def test_drive_change_records_a_sync_request(client, channel, store) -> None:
    assert drive(client, "sync", 1).status_code == 200
    resp = drive(client, "update", 2)
    assert resp.status_code == 200 and resp.get_json()["status"] == "queued"
    assert requests_of(store) == [("ee", "drive-push", None)]
    with store.session() as s:
        assert s.get(DriveChannel, "chan-1").last_message_number == 2


def test_drive_older_or_repeated_message_number_is_ignored(client, channel, store) -> None:
    assert drive(client, "update", 5).status_code == 200
    for number in (5, 4):
        resp = drive(client, "update", number)
        assert resp.status_code == 200 and resp.get_json()["status"] == "ignored"
    assert len(requests_of(store)) == 1


def test_drive_wrong_token_or_unknown_channel_is_401(client, channel, store) -> None:
    assert drive(client, "update", 1, token="tok-secreT").status_code == 401
    assert drive(client, "update", 1, channel="chan-unknown").status_code == 401
    assert drive(client, "update", 1, token="").status_code == 401
    assert requests_of(store) == []


def test_drive_missing_or_bad_headers_is_400(client, channel) -> None:
    resp = client.post("/webhooks/drive", headers={"X-Goog-Channel-ID": "chan-1"})
    assert resp.status_code == 400 and resp.mimetype == "application/problem+json"
    assert drive(client, "update", "x").status_code == 400  # type: ignore[arg-type]


@pytest.mark.parametrize("state", ["update", "add", "untrash", "change"])
def test_drive_changes_to_the_file_request_a_sync(client, channel, store, state) -> None:
    resp = drive(client, state, 2, changed="content")
    assert resp.status_code == 200 and resp.get_json()["status"] == "queued"
    assert requests_of(store) == [("ee", "drive-push", None)]


def test_drive_sharing_or_folder_changes_alone_sync_nothing(client, channel, store) -> None:
    resp = drive(client, "update", 2, changed="permissions,parents")
    assert resp.status_code == 200 and resp.get_json()["status"] == "ignored"
    assert drive(client, "exists", 3).get_json()["status"] == "ignored"  # not a files state
    assert requests_of(store) == []


def _alerts(store) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with store.session() as s:
        return [(e.partner, e.kind) for e in s.scalars(select(DriveChannelEvent))]


def test_drive_trashed_spreadsheet_is_an_alert_not_a_sync(client, channel, store) -> None:
    resp = drive(client, "trash", 2)
    assert resp.status_code == 200 and resp.get_json()["status"] == "alerted"
    assert requests_of(store) == [] and _alerts(store) == [("ee", "trash")]
    with store.session() as s:
        assert s.get(DriveChannel, "chan-1").status == "active"  # untrash may follow


def test_drive_removed_spreadsheet_ends_the_channel(client, channel, store) -> None:
    assert drive(client, "remove", 2).get_json()["status"] == "alerted"
    assert _alerts(store) == [("ee", "remove")]
    with store.session() as s:
        assert s.get(DriveChannel, "chan-1").status == "gone"
    assert drive(client, "update", 3).status_code == 401  # a gone channel is not heard
    assert requests_of(store) == []
