"""The running stack's HTTP front against requests real clients rarely send, over raw sockets,
end to end with the real functions; and the make targets meant to be piped."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from urllib.parse import urlsplit

import pytest

from tests.integration.conftest import ROOT, RunningStack
from tests.integration.http_client import ApiClient


def raw_request(
    stack: RunningStack, data: bytes, timeout: float = 5
) -> tuple[int, dict[str, str], bytes, float]:
    address = urlsplit(stack.api_url)
    started = time.monotonic()
    with socket.create_connection((address.hostname, address.port), timeout=timeout) as sock:
        sock.sendall(data)
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer.split(b"\r\n\r\n", 1)[1]) < _length(answer):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body, time.monotonic() - started


def _length(answer: bytes) -> int:
    for line in answer.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":", 1)[1])
    return 0


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"POST /api/webhook HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}", 400),
        (b"POST /api/webhook HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n{}", 400),
        (b"TRACE /api/sensors HTTP/1.1\r\nHost: x\r\n\r\n", 404),
        (b"GET /api/sensors?q=" + b"a" * 12_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (b"GET /api/sensors HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 12_000 + b"\r\n\r\n", 431),
    ],
    ids=["content-length-abc", "content-length-negative", "trace", "uri-too-long", "header-too-large"],
)
def test_hostile_requests_get_json_4xx_within_a_second(
    local_stack: RunningStack, request_bytes: bytes, status: int
) -> None:
    got, headers, body, seconds = raw_request(local_stack, request_bytes)
    assert got == status
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["message"]
    assert seconds < 1.0


def test_a_chunked_report_request_is_read_like_any_other(local_stack: RunningStack) -> None:
    """A dropped chunked body would go unnoticed: the report would run with the default `now`."""
    payload = json.dumps({"now": "2023-01-24T12:00:00Z"}).encode()
    body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(payload), payload)
    key = local_stack.state["keys"]["admin"].encode()
    request = (
        b"POST /api/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Authorization: Bearer " + key + b"\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + body
    )
    status, _, answer, _ = raw_request(local_stack, request, timeout=60)
    assert status == 202, answer
    report_url = f"/api/reports/{json.loads(answer)['report_id']}"
    deadline = time.monotonic() + 120
    while (report := ApiClient(local_stack.api_url, key.decode()).get(report_url).json)["now"] is None:
        assert report["status"] == "Running" and time.monotonic() < deadline, report
        time.sleep(0.5)  # `now` is recorded when the pipeline's first step plans the report
    assert report["now"].startswith("2023-01-24T12:00:00")


def test_percent_encoded_path_parameters_reach_the_function_decoded(api: ApiClient) -> None:
    written = api.post("/api/webhook", {"sensor": "enc:a", "ts": "2024-01-01T10:00:00Z", "in": 2, "out": 0})
    assert written.status in (200, 201), written.body
    read = api.get("/api/sensors/enc%3Aa/occupancy?atInstant=2024-01-01T11:00:00Z")
    assert read.status == 200, read.body
    assert read.json["sensor"] == "enc:a" and read.json["inside"] == 2


def test_cors_preflight_is_answered_from_the_template(api: ApiClient) -> None:
    response = api.request(
        "OPTIONS",
        "/api/reports",
        headers={"Origin": "https://console.example", "Access-Control-Request-Method": "POST"},
    )
    assert response.status == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert "POST" in response.headers["access-control-allow-methods"]
    normal = api.get("/api/sensors", headers={"Origin": "https://console.example"})
    assert normal.headers["access-control-allow-origin"] == "*"


def test_no_demo_banner_and_env_file(local_stack: RunningStack) -> None:
    terminal = local_stack.log_file.read_text(errors="replace")
    assert "Sitepulse local stack is ready" in terminal
    assert "none (started without demo data)" in terminal
    env = local_stack.state_file.with_name("env").read_text()
    assert f"export SITEPULSE_API_URL={local_stack.api_url}\n" in env
    assert f"export AWS_ENDPOINT_URL={local_stack.state['endpoint_url']}\n" in env


def _make(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}  # not a sub-make
    # -o: treat the venv stamp as up to date: the test must never reinstall the shared venv.
    return subprocess.run(
        ["make", "-o", ".venv/.installed", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_make_ingest_prints_only_its_json_result(local_stack: RunningStack) -> None:
    result = _make("ingest", SITEPULSE_STATE=str(local_stack.state_file))
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(result.stdout)  # what `make ingest | jq .` needs
    assert "objects" in summary and "run_id" in summary


def test_make_help_shows_real_values() -> None:
    result = _make("help", "PORT=3999")
    assert result.returncode == 0
    assert "http://127.0.0.1:3999" in result.stdout
    assert "$(" not in result.stdout
