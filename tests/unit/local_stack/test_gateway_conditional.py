"""Conditional reads through the local front: If-None-Match reaches the function, a 304 goes
out with no body and no Content-Length (and the connection stays usable), and a function's
`Vary` survives the CORS headers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from local.template import Stack
from tests.unit.local_stack.gateway_harness import RecordingRuntime, read_one_response, running_front
from tests.unit.local_stack.test_gateway_behaviour import _template_with_cors

TAG = '"v1"'
CACHING = {"etag": TAG, "cache-control": "private, no-cache", "vary": "Authorization"}


def conditional(event: dict[str, Any]) -> dict[str, Any]:
    """A read whose current tag is TAG: 304 when the client holds it."""
    if event["headers"].get("if-none-match") == TAG:
        return {"statusCode": 304, "headers": CACHING, "body": ""}
    body = json.dumps({"inside": 3})
    return {"statusCode": 200, "headers": {"content-type": "application/json", **CACHING}, "body": body}


def request(path: str, *headers: str) -> bytes:
    extra = "".join(f"{header}\r\n" for header in headers)
    return f"GET {path} HTTP/1.1\r\nHost: local\r\n{extra}\r\n".encode()


def test_a_304_has_no_body_and_the_connection_serves_the_next_request(template_stack: Stack) -> None:
    runtime = RecordingRuntime(answer=conditional)
    with running_front(template_stack, runtime) as front, front.connect() as sock:
        sock.sendall(request("/api/sensors/a/occupancy", f"If-None-Match: {TAG}"))
        not_modified = read_one_response(sock)
        sock.sendall(request("/api/sensors/a/occupancy", 'If-None-Match: "v0"'))
        full = read_one_response(sock)
    head, _, body = not_modified.partition(b"\r\n\r\n")
    lines = head.decode().lower().split("\r\n")
    assert lines[0].startswith("http/1.1 304 ") and body == b""
    assert not any(line.startswith(("content-length:", "transfer-encoding:")) for line in lines)
    assert f"etag: {TAG}" in lines and "cache-control: private, no-cache" in lines
    assert "vary: authorization" in lines
    assert full.startswith(b"HTTP/1.1 200 ") and full.endswith(b'{"inside": 3}'), full
    assert [event["headers"]["if-none-match"] for event in runtime.events] == [TAG, '"v0"']


def test_vary_lists_both_authorization_and_origin(tmp_path: Path) -> None:
    stack = _template_with_cors(
        tmp_path, {"AllowOrigins": ["https://console.example"], "ExposeHeaders": ["etag"]}
    )
    with running_front(stack, RecordingRuntime(answer=conditional)) as front:
        response = front.send(
            request("/api/sensors/a/occupancy", "Origin: https://console.example", "Connection: close")
        )
    assert response.status == 200
    assert response.headers["vary"] == "Authorization, origin"
    assert response.headers["access-control-expose-headers"] == "etag"
