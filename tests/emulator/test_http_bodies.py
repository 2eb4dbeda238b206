"""Request bodies over HTTP/1.1: chunked ones are read like sized ones, within
the same 10 MB limit, and a malformed one is Google's 400, not a dropped
connection; every routed endpoint has exactly one row that answers it."""

from __future__ import annotations

import http.client
import json
import socket

from sheets_emulator.endpoints import ENDPOINTS
from sheets_emulator.routing import ROUTES
from sheets_emulator.wire import MAX_BODY


def test_every_route_has_one_endpoint_and_every_endpoint_a_route() -> None:
    assert {name for _, _, name in ROUTES} == set(ENDPOINTS)


def _connection(emulator) -> http.client.HTTPConnection:
    host, port = emulator.host_port.split(":")
    return http.client.HTTPConnection(host, int(port), timeout=10)


def _chunked_request(emulator, path: str, chunks: list[bytes]) -> tuple[int, dict]:
    """PUT ``chunks`` raw (each already framed) and read the JSON answer."""
    conn = _connection(emulator)
    conn.putrequest("PUT", path)
    conn.putheader("Authorization", "Bearer t")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    for chunk in chunks:
        conn.send(chunk)
    resp = conn.getresponse()
    body = json.loads(resp.read())
    conn.close()
    return resp.status, body


def test_a_chunked_body_is_read_whole(emulator, sh) -> None:
    payload = json.dumps({"values": [["chunked", "body"]]}).encode()
    conn = _connection(emulator)
    parts = iter([payload[:7], payload[7:20], payload[20:]])
    conn.request(
        "PUT",
        f"/v4/spreadsheets/{sh.id}/values/Sheet1!A1?valueInputOption=RAW",
        body=parts,
        headers={"Authorization": "Bearer t", "Content-Type": "application/json"},
        encode_chunked=True,
    )
    resp = conn.getresponse()
    assert resp.status == 200, resp.read()
    assert json.loads(resp.read())["updatedCells"] == 2
    conn.close()
    assert sh.sheet1.get_all_values() == [["chunked", "body"]]


def test_a_chunked_body_over_the_limit_is_googles_400(emulator, sh) -> None:
    size = MAX_BODY + 1
    status, body = _chunked_request(
        emulator,
        f"/v4/spreadsheets/{sh.id}/values/Sheet1!A1?valueInputOption=RAW",
        [f"{size:x}\r\n".encode(), b" " * size, b"\r\n"],
    )
    assert status == 400
    assert body["error"]["status"] == "INVALID_ARGUMENT"
    assert body["error"]["message"] == "Request payload size exceeds the limit: 10485760 bytes."
    assert sh.sheet1.get_all_values() == [[]]  # gspread pads an empty sheet to one row


def test_a_malformed_chunk_header_is_googles_400(emulator, sh) -> None:
    status, body = _chunked_request(
        emulator,
        f"/v4/spreadsheets/{sh.id}/values/Sheet1!A1?valueInputOption=RAW",
        [b"not-hex\r\n"],
    )
    assert status == 400
    assert body["error"]["status"] == "INVALID_ARGUMENT"
    assert "chunked" in body["error"]["message"]


def test_the_connection_closes_after_a_refused_chunked_body(emulator, sh) -> None:
    """The rest of a refused body is never read, so it cannot be taken for the
    next request on the same connection."""
    host, port = emulator.host_port.split(":")
    with socket.create_connection((host, int(port)), timeout=10) as raw:
        raw.sendall(
            f"PUT /v4/spreadsheets/{sh.id}/values/Sheet1!A1?valueInputOption=RAW HTTP/1.1\r\n"
            f"Host: {emulator.host_port}\r\nAuthorization: Bearer t\r\n"
            "Transfer-Encoding: chunked\r\n\r\nzz\r\n".encode()
        )
        answer = b""
        while chunk := raw.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 400")
    assert answer.count(b"HTTP/1.1") == 1
