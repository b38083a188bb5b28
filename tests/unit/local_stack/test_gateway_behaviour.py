"""What a client can tell about the local front, compared with API Gateway HTTP API:
chunked bodies decoded, percent-decoded paths, CORS from the template's CorsConfiguration,
function failures as 500 JSON, the authorizer hook, and one access-log line per request."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from local.front.gateway import loggable_path
from local.template import Route, Stack, load_stack
from tests.unit.local_stack.gateway_harness import (
    FailingRuntime,
    Front,
    RecordingRuntime,
    read_one_response,
    running_front,
)

ROOT = Path(__file__).resolve().parents[3]
ACCESS_LINE = re.compile(r"^(?P<method>\S+) (?P<path>\S+) (?P<status>\d{3}) (?P<ms>\d+) ms (?P<function>.+)$")


@pytest.fixture(scope="module")
def front(template_stack: Stack) -> Iterator[Front]:
    with running_front(template_stack) as running:
        yield running


def get(path: str, *headers: str) -> bytes:
    extra = "".join(f"{h}\r\n" for h in headers)
    return f"GET {path} HTTP/1.1\r\nHost: local\r\nConnection: close\r\n{extra}\r\n".encode()


def test_chunked_body_is_decoded_for_the_function(front: Front) -> None:
    payload = b'{"now": "2023-01-24T12:00:00Z"}'
    pieces = [payload[:7], payload[7:22], payload[22:]]
    chunks = b"".join(b"%x;ext=1\r\n%s\r\n" % (len(piece), piece) for piece in pieces)
    request = (
        b"POST /api/webhook HTTP/1.1\r\nHost: local\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunks + b"0\r\nX-Trailer: 1\r\n\r\n"
    )
    response = front.send(request)
    assert response.status == 200, response.raw
    assert response.json["body"] == payload.decode()
    event = front.runtime.events[-1]
    assert "transfer-encoding" not in event["headers"]
    assert event["headers"]["content-length"] == str(len(payload))


def test_post_without_content_length_has_an_empty_body(front: Front) -> None:
    response = front.send(b"POST /api/webhook HTTP/1.1\r\nHost: local\r\nConnection: close\r\n\r\n")
    assert response.status == 200
    assert response.json["body"] is None


def test_keep_alive_serves_several_requests_on_one_connection(front: Front) -> None:
    with front.connect() as sock:
        for sensor in ("a", "b"):
            sock.sendall(f"GET /api/sensors/{sensor}/occupancy HTTP/1.1\r\nHost: local\r\n\r\n".encode())
            answer = read_one_response(sock)
            assert answer.startswith(b"HTTP/1.1 200 "), answer
            assert f'"sensor": "{sensor}"'.encode() in answer


@pytest.mark.parametrize(
    ("path", "sensor", "raw_path"),
    [
        ("/api/sensors/enc%3Aa/occupancy", "enc:a", "/api/sensors/enc:a/occupancy"),
        ("/api/sensors/caf%C3%A9/occupancy", "café", "/api/sensors/café/occupancy"),
        ("/api/sensors/a%20b/occupancy", "a b", "/api/sensors/a b/occupancy"),
        # An encoded slash stays inside its segment for routing; the function sees it decoded.
        ("/api/sensors/a%2Fb/occupancy", "a/b", "/api/sensors/a/b/occupancy"),
    ],
)
def test_path_parameters_and_raw_path_are_percent_decoded(
    front: Front, path: str, sensor: str, raw_path: str
) -> None:
    response = front.send(get(path))
    assert response.status == 200
    assert response.json["params"] == {"sensor": sensor}
    event = front.runtime.events[-1]
    assert event["rawPath"] == raw_path
    assert event["requestContext"]["http"]["path"] == raw_path


def test_query_string_stays_raw_and_parameters_decoded(front: Front) -> None:
    front.send(get("/api/sensors?next_token=a%2Bb&limit=5"))
    event = front.runtime.events[-1]
    assert event["rawQueryString"] == "next_token=a%2Bb&limit=5"
    assert event["queryStringParameters"] == {"next_token": "a+b", "limit": "5"}


def test_unknown_route_is_404_json(front: Front) -> None:
    response = front.send(get("/api/no-such-thing"))
    assert (response.status, response.json) == (404, {"message": "Not Found"})


def test_head_has_no_body(front: Front) -> None:
    front.runtime.answer = None
    response = front.send(b"HEAD /api/sensors HTTP/1.1\r\nHost: local\r\nConnection: close\r\n\r\n")
    assert response.status == 404  # HTTP API routes HEAD only where a route says HEAD
    assert response.body == b""


# ---------------------------------------------------------------- CORS


def test_preflight_is_answered_from_the_template_without_running_a_function(
    front: Front, template_stack: Stack
) -> None:
    cors = template_stack.cors
    assert cors is not None and cors.allow_origins == ["*"]
    before = len(front.runtime.events)
    response = front.send(
        b"OPTIONS /api/webhook HTTP/1.1\r\nHost: local\r\nOrigin: https://app.example\r\n"
        b"Access-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type\r\n"
        b"Connection: close\r\n\r\n"
    )
    assert response.status == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-allow-methods"] == ",".join(cors.allow_methods)
    assert "POST" in cors.allow_methods
    assert response.headers["access-control-allow-headers"] == ",".join(cors.allow_headers)
    assert len(front.runtime.events) == before


def test_a_browser_may_send_the_headers_the_api_reads(template_stack: Stack) -> None:
    """Idempotent retries and revalidation work cross-origin too."""
    cors = template_stack.cors
    assert cors is not None
    assert {"authorization", "content-type", "idempotency-key", "if-none-match"} <= set(cors.allow_headers)
    assert "etag" in cors.expose_headers


def test_cors_headers_on_responses_come_from_the_configuration_only(front: Front) -> None:
    front.runtime.answer = lambda event: {
        "statusCode": 200,
        "headers": {
            "Access-Control-Allow-Origin": "https://evil.example",
            "content-type": "application/json",
        },
        "body": "{}",
    }
    try:
        with_origin = front.send(get("/api/sensors", "Origin: https://app.example"))
        without_origin = front.send(get("/api/sensors"))
    finally:
        front.runtime.answer = None
    assert with_origin.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-origin" not in without_origin.headers


def _template_with_cors(tmp_path: Path, cors: dict[str, Any]) -> Stack:
    (tmp_path / "statemachine").symlink_to(ROOT / "statemachine")
    template = yaml.safe_load((ROOT / "template.yaml").read_text().replace("!", "__bang__"))
    template["Resources"]["HttpApi"]["Properties"]["CorsConfiguration"] = cors
    (tmp_path / "template.yaml").write_text(
        yaml.safe_dump(template, sort_keys=False).replace("__bang__", "!")
    )
    shutil.copytree(ROOT / "events", tmp_path / "events")
    return load_stack(tmp_path / "template.yaml")


def test_a_changed_cors_configuration_changes_the_answers(tmp_path: Path) -> None:
    stack = _template_with_cors(
        tmp_path,
        {
            "AllowOrigins": ["https://console.example", "http://*"],
            "AllowMethods": ["GET", "POST"],
            "AllowHeaders": ["authorization", "content-type"],
            "ExposeHeaders": ["apigw-requestid"],
            "MaxAge": 600,
            "AllowCredentials": True,
        },
    )
    preflight = (
        "OPTIONS /api/reports HTTP/1.1\r\nHost: local\r\nOrigin: {origin}\r\n"
        "Access-Control-Request-Method: POST\r\nConnection: close\r\n\r\n"
    )
    with running_front(stack) as front:
        allowed = front.send(preflight.format(origin="https://console.example").encode())
        scheme_wide = front.send(preflight.format(origin="http://localhost:5173").encode())
        refused = front.send(preflight.format(origin="https://evil.example").encode())
        response = front.send(get("/api/sensors", "Origin: https://console.example"))
    assert allowed.status == 204
    assert allowed.headers["access-control-allow-origin"] == "https://console.example"
    assert allowed.headers["access-control-allow-methods"] == "GET,POST"
    assert allowed.headers["access-control-allow-headers"] == "authorization,content-type"
    assert allowed.headers["access-control-max-age"] == "600"
    assert allowed.headers["access-control-allow-credentials"] == "true"
    assert allowed.headers["vary"] == "origin"
    assert scheme_wide.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert refused.status == 204
    assert not any(key.startswith("access-control-") for key in refused.headers)
    assert response.headers["access-control-allow-origin"] == "https://console.example"
    assert response.headers["access-control-expose-headers"] == "apigw-requestid"


def test_without_cors_configuration_a_preflight_is_routed_like_any_request(tmp_path: Path) -> None:
    stack = _template_with_cors(tmp_path, {})
    stack.cors = None
    with running_front(stack) as front:
        response = front.send(
            b"OPTIONS /api/webhook HTTP/1.1\r\nHost: local\r\nOrigin: https://a.example\r\n"
            b"Access-Control-Request-Method: POST\r\nConnection: close\r\n\r\n"
        )
    assert response.status == 404


# ---------------------------------------------------------------- failures, authorizer, access log


def test_function_error_is_500_json(template_stack: Stack) -> None:
    with running_front(template_stack, FailingRuntime()) as front:
        response = front.send(get("/api/sensors"))
    assert (response.status, response.json) == (500, {"message": "Internal Server Error"})


@pytest.mark.parametrize(
    "result",
    [
        {"statusCode": "abc"},
        {"statusCode": 99},
        {"statusCode": 200, "isBase64Encoded": True, "body": "not base64!"},
    ],
)
def test_malformed_function_response_is_500_json(template_stack: Stack, result: dict[str, Any]) -> None:
    runtime = RecordingRuntime(answer=lambda event: result)
    with running_front(template_stack, runtime) as front:
        response = front.send(get("/api/sensors"))
    assert (response.status, response.json) == (500, {"message": "Internal Server Error"})


def test_authorizer_answer_replaces_the_function(template_stack: Stack) -> None:
    seen: list[tuple[str, dict[str, Any]]] = []

    def authorize(route: Route, event: dict[str, Any]) -> tuple[int, dict[str, str], bytes] | None:
        seen.append((route.route_key, event))
        if "authorization" not in event["headers"]:
            return 401, {"Content-Type": "application/json"}, b'{"message":"Unauthorized"}'
        event["requestContext"]["authorizer"] = {"lambda": {"key_id": "k1"}}
        return None

    with running_front(template_stack, authorize=authorize) as front:
        denied = front.send(get("/api/sensors"))
        allowed = front.send(get("/api/sensors", "Authorization: Bearer x"))
        preflight = front.send(
            b"OPTIONS /api/sensors HTTP/1.1\r\nHost: local\r\nOrigin: https://a.example\r\n"
            b"Access-Control-Request-Method: GET\r\nConnection: close\r\n\r\n"
        )
        time.sleep(0.05)
        access = list(front.access)
        events = list(front.runtime.events)
    assert (denied.status, denied.json) == (401, {"message": "Unauthorized"})
    assert denied.headers["content-type"] == "application/json"
    assert allowed.status == 200
    assert preflight.status == 204
    assert [key for key, _ in seen] == ["GET /api/sensors", "GET /api/sensors"]  # never for a preflight
    assert len(events) == 1
    assert events[0]["requestContext"]["authorizer"] == {"lambda": {"key_id": "k1"}}
    assert access[0].startswith("GET /api/sensors 401 ")
    assert access[0].endswith("OccupancyReadFunction (authorizer)")


def test_one_access_line_per_request(template_stack: Stack) -> None:
    runtime = RecordingRuntime(answer=lambda event: {"statusCode": 201, "body": "{}"})
    with running_front(template_stack, runtime) as front:
        front.send(
            b"POST /api/webhook?x=1 HTTP/1.1\r\nHost: local\r\nContent-Length: 2\r\n"
            b"Connection: close\r\n\r\n{}"
        )
        front.send(get("/nowhere"))
        time.sleep(0.05)
        lines = list(front.access)
    assert len(lines) == 2
    first = ACCESS_LINE.match(lines[0])
    assert first is not None, lines[0]
    assert first.group("method", "path", "status", "function") == (
        "POST",
        "/api/webhook",
        "201",
        "OccupancyWriteFunction",
    )
    assert lines[1].startswith("GET /nowhere 404 ") and lines[1].endswith(" ms -")


def test_access_log_never_prints_control_characters() -> None:
    assert loggable_path("/a\x1b[31mred\x07") == "/a%1B[31mred%07"
    assert loggable_path("/é") == "/%C3%A9"
    assert len(loggable_path("/" + "a" * 1000)) == 160


def test_an_authorizer_that_raises_is_500_json_and_the_function_does_not_run(template_stack: Stack) -> None:
    def authorize(route: Route, event: dict[str, Any]) -> tuple[int, dict[str, str], bytes] | None:
        raise RuntimeError("authorizer bug")

    with running_front(template_stack, authorize=authorize) as front:
        response = front.send(get("/api/sensors"))
        events = list(front.runtime.events)
    assert (response.status, response.json) == (500, {"message": "Internal Server Error"})
    assert events == []
