"""The smoke suite's HTTP client and runner against a tiny scripted HTTP server: one retry after
429/503 honouring Retry-After, no redirects followed, the run's time budget, the PASS/FAIL lines."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from smoke.__main__ import run
from smoke.checks import Check, CheckFailedError, expect_fields, expect_json
from smoke.client import BudgetExhaustedError, Deadline, SmokeClient, _retry_after


class Script:
    """Answers to send, in order; what was received."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, dict[str, str], bytes]] = []
        self.received: list[tuple[str, str, dict[str, str]]] = []


@pytest.fixture
def server() -> Iterator[tuple[str, Script]]:
    script = Script()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            script.received.append(("GET", self.path, dict(self.headers)))
            status, headers, body = script.answers.pop(0)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", script
    httpd.shutdown()
    httpd.server_close()


def json_answer(status: int, body: Any, **headers: str) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json", **headers}, json.dumps(body).encode()


def client(url: str, budget: float = 10.0) -> SmokeClient:
    return SmokeClient(url, "the-key", request_timeout=5, deadline=Deadline(budget))


def test_sends_the_key_and_retries_once_after_503(server: tuple[str, Script]) -> None:
    url, script = server
    script.answers = [
        json_answer(503, {"message": "busy"}, **{"Retry-After": "0"}),
        json_answer(200, {"ok": 1}),
    ]
    response = client(url).request("GET", "/api/sensors", query={"limit": 1})
    assert response.status == 200 and response.json() == {"ok": 1}
    assert [path for _, path, _ in script.received] == ["/api/sensors?limit=1"] * 2
    assert script.received[0][2]["Authorization"] == "Bearer the-key"


def test_a_second_refusal_is_the_answer(server: tuple[str, Script]) -> None:
    url, script = server
    script.answers = [json_answer(429, {"message": "Too Many Requests"}, **{"Retry-After": "0"})] * 2
    assert client(url).request("GET", "/x").status == 429
    assert len(script.received) == 2


def test_no_key_sends_no_authorization_and_redirects_are_not_followed(server: tuple[str, Script]) -> None:
    url, script = server
    script.answers = [(302, {"Location": "https://example.org/report.csv"}, b"")]
    response = client(url).request("GET", "/api/reports/r/csv", key=None)
    assert response.status == 302 and response.headers["location"] == "https://example.org/report.csv"
    assert "Authorization" not in script.received[0][2]


def test_a_spent_budget_sends_nothing(server: tuple[str, Script]) -> None:
    url, script = server
    with pytest.raises(BudgetExhaustedError):
        client(url, budget=0).request("GET", "/api/sensors")
    assert script.received == []


@pytest.mark.parametrize(
    ("header", "seconds"), [(None, 1.0), ("2", 2.0), ("soon", 1.0), ("-3", 0.0), ("3600", 5.0)]
)
def test_retry_after_is_bounded(header: str | None, seconds: float) -> None:
    assert _retry_after(header) == seconds


def test_shape_checks_say_what_is_wrong(server: tuple[str, Script]) -> None:
    url, script = server
    script.answers = [(200, {"Content-Type": "text/html"}, b"<html></html>"), json_answer(404, {})]
    with pytest.raises(CheckFailedError, match="expected application/json, got text/html"):
        expect_json(client(url).request("GET", "/a"), 200)
    with pytest.raises(CheckFailedError, match="expected 200, got 404"):
        expect_json(client(url).request("GET", "/b"), 200)
    with pytest.raises(CheckFailedError, match="no 'sensors'"):
        expect_fields({"next_token": None}, {"sensors": list}, "sensor list")
    with pytest.raises(CheckFailedError, match="'sensors' is str"):
        expect_fields({"sensors": "a"}, {"sensors": list}, "sensor list")


def test_runner_prints_one_line_per_check_and_counts(server: tuple[str, Script]) -> None:
    url, _ = server

    def fails(_: SmokeClient) -> str:
        raise CheckFailedError("expected 403, got 401")

    checks = [
        Check("a", "passes", lambda _: "fine"),
        Check("b", "fails", fails),
        Check("c", "writes", lambda _: "wrote", writes=True),
        Check("d", "refused connection", lambda _: (_ for _ in ()).throw(ConnectionRefusedError("refused"))),
    ]
    out = io.StringIO()
    assert run(checks, client(url), writes=False, out=out) == (1, 2, 1)
    lines = out.getvalue().splitlines()
    assert [line.split()[0] for line in lines] == ["PASS", "FAIL", "SKIP", "FAIL"]
    assert "expected 403, got 401" in lines[1] and "SMOKE_WRITES=1" in lines[2]


def test_a_base_path_prefixes_every_request(server: tuple[str, Script]) -> None:
    url, script = server
    script.answers = [json_answer(200, {})]
    client(f"{url}/stage/").request("GET", "/api/hotels", query={"limit": 1})
    assert script.received[0][1] == "/stage/api/hotels?limit=1"


@pytest.mark.parametrize("url", ["ftp://example.org", "file:///etc/passwd", "example.org", "https://"])
def test_only_http_and_https_urls(url: str) -> None:
    with pytest.raises(ValueError, match="not an http"):
        client(url)
