"""Requests no well-behaved client sends, over raw sockets: each gets a JSON 4xx with a
`message` within a second — never a hang, an HTML page, a traceback or a 5xx — and one
access-log line; no function runs."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from local.front.http_io import HttpLimits
from local.template import Stack
from tests.unit.local_stack.gateway_harness import Front, running_front

POST = b"POST /api/webhook HTTP/1.1\r\nHost: local\r\n"

HOSTILE: dict[str, tuple[bytes, int]] = {
    "content-length not a number": (POST + b"Content-Length: abc\r\n\r\n{}", 400),
    "content-length negative": (POST + b"Content-Length: -1\r\n\r\n{}", 400),
    "content-length with sign": (POST + b"Content-Length: +2\r\n\r\n{}", 400),
    "content-length float": (POST + b"Content-Length: 2.0\r\n\r\n{}", 400),
    "content-length empty": (POST + b"Content-Length: \r\n\r\n{}", 400),
    "content-length overflows": (POST + b"Content-Length: 99999999999999999999999\r\n\r\n{}", 400),
    "content-length list disagrees": (POST + b"Content-Length: 2, 3\r\n\r\n{}", 400),
    "content-length twice, different": (POST + b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}", 400),
    "content-length over the payload quota": (POST + b"Content-Length: 10485761\r\n\r\n{}", 413),
    "over quota, expecting 100-continue": (
        POST + b"Content-Length: 10485761\r\nExpect: 100-continue\r\n\r\n",
        413,
    ),
    "transfer-encoding gzip": (POST + b"Transfer-Encoding: gzip\r\n\r\n{}", 400),
    "transfer-encoding chunked then gzip": (POST + b"Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", 400),
    "chunked over HTTP/1.0": (
        b"POST /api/webhook HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
        400,
    ),
    "chunk size not hex": (POST + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", 400),
    "chunk size negative": (POST + b"Transfer-Encoding: chunked\r\n\r\n-2\r\n{}\r\n0\r\n\r\n", 400),
    "chunk data without CRLF": (POST + b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n", 400),
    "chunk size line endless": (POST + b"Transfer-Encoding: chunked\r\n\r\n" + b"0" * 5000, 400),
    "chunked over the payload quota": (
        POST + b"Transfer-Encoding: chunked\r\n\r\n" + b"A00001\r\n" + b"x" * 1000,
        413,
    ),
    "TRACE": (b"TRACE /api/webhook HTTP/1.1\r\nHost: local\r\n\r\n", 404),
    "CONNECT": (b"CONNECT local:443 HTTP/1.1\r\nHost: local\r\n\r\n", 400),
    "PROPFIND": (b"PROPFIND /api/sensors HTTP/1.1\r\nHost: local\r\n\r\n", 404),
    "lower-case get": (b"get /api/sensors HTTP/1.1\r\nHost: local\r\n\r\n", 404),
    "method not a token": (b"G(T /api/sensors HTTP/1.1\r\nHost: local\r\n\r\n", 400),
    "URI over the quota": (b"GET /api/sensors?q=" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: local\r\n\r\n", 414),
    "one header over the quota": (b"GET /api/sensors HTTP/1.1\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n", 431),
    "headers over the quota together": (
        b"GET /api/sensors HTTP/1.1\r\n"
        + b"".join(b"X-H%d: %s\r\n" % (i, b"a" * 900) for i in range(12))
        + b"\r\n",
        431,
    ),
    "too many headers": (
        b"GET /api/sensors HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(150)) + b"\r\n",
        431,
    ),
    "HTTP/2 over plain HTTP/1 syntax": (b"GET /api/sensors HTTP/2.0\r\n\r\n", 400),
    "bad version": (b"GET /api/sensors HTTP/1.x\r\n\r\n", 400),
    "HTTP/0.9": (b"GET /api/sensors\r\n\r\n", 400),
    "garbage request line": (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 hello\r\n\r\n", 400),
    "relative target": (b"GET api/sensors HTTP/1.1\r\nHost: local\r\n\r\n", 400),
    "asterisk target": (b"OPTIONS * HTTP/1.1\r\nHost: local\r\n\r\n", 400),
}


@pytest.fixture(scope="module")
def front(template_stack: Stack) -> Iterator[Front]:
    with running_front(template_stack) as running:
        yield running


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_request_gets_a_json_4xx_within_a_second(front: Front, name: str) -> None:
    request, expected = HOSTILE[name]
    invocations = len(front.runtime.events)
    logged = len(front.access)
    response = front.send(request)
    assert response.status == expected, response.raw[:500]
    assert response.headers["content-type"] == "application/json"
    assert isinstance(response.json["message"], str) and response.json["message"]
    assert b"<html" not in response.raw.lower() and b"traceback" not in response.raw.lower()
    assert response.seconds < 1.0
    if expected != 404:  # a framing error: the connection cannot be trusted any more
        assert response.headers.get("connection") == "close"
    assert len(front.runtime.events) == invocations  # no function ran
    time.sleep(0.05)  # the access line is written after the answer
    assert len(front.access) == logged + 1
    assert f" {expected} " in front.access[-1]


def test_answers_arrive_while_the_client_keeps_sending(front: Front) -> None:
    """413 for a declared 64 MB body is answered before the body is read; the client, still
    sending, reads the answer rather than a connection reset."""
    with front.connect() as sock:
        sock.sendall(POST + b"Content-Length: 67108864\r\n\r\n")
        started = time.monotonic()
        answer = b""
        sock.settimeout(2)
        for _ in range(50):
            try:
                sock.sendall(b"x" * 65536)
            except OSError:
                break
            sock.setblocking(False)
            try:
                answer += sock.recv(65536)
            except BlockingIOError:
                pass
            finally:
                sock.settimeout(2)
            if b"\r\n\r\n" in answer:
                break
        assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
        assert time.monotonic() - started < 1.0


def test_a_slow_body_is_cut_off_with_408(template_stack: Stack) -> None:
    limits = HttpLimits(body_seconds=0.5, idle_seconds=5)
    with running_front(template_stack, limits=limits) as front, front.connect() as sock:
        sock.sendall(POST + b"Content-Length: 100\r\n\r\n{")
        started = time.monotonic()
        for _ in range(8):  # one byte every 0.2 s: each read is short, the whole is too long
            time.sleep(0.2)
            try:
                sock.sendall(b" ")
            except OSError:
                break
        sock.settimeout(3)
        answer = sock.recv(65536)
        assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
        assert b'"message"' in answer
        assert time.monotonic() - started < 2.5
        assert front.runtime.events == []


def test_a_slow_head_is_cut_off_with_408(template_stack: Stack) -> None:
    limits = HttpLimits(head_seconds=0.5, idle_seconds=5)
    with running_front(template_stack, limits=limits) as front, front.connect() as sock:
        sock.sendall(b"GET /api/sensors HTTP/1.1\r\n")
        started = time.monotonic()
        for index in range(8):
            time.sleep(0.2)
            try:
                sock.sendall(b"X-%d: 1\r\n" % index)
            except OSError:
                break
        sock.settimeout(3)
        answer = sock.recv(65536)
        assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
        assert time.monotonic() - started < 2.5


def test_an_idle_connection_is_closed_without_an_answer(template_stack: Stack) -> None:
    with (
        running_front(template_stack, limits=HttpLimits(idle_seconds=0.3)) as front,
        front.connect() as sock,
    ):
        sock.settimeout(3)
        started = time.monotonic()
        assert sock.recv(100) == b""
        assert time.monotonic() - started < 2
        assert front.access == []


def test_a_body_shorter_than_its_content_length_is_400_when_the_client_stops(front: Front) -> None:
    response = front.send(POST + b"Content-Length: 10\r\n\r\n{}", shut_write=True)
    assert response.status == 400
    assert "Incomplete" in response.json["message"]
