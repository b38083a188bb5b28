"""Reading HTTP/1.1 requests off a socket with hard limits, for the local API Gateway front.

Every wait on the client is bounded: an idle timeout between requests, and a deadline for
the request head and another for the body, so a client that trickles bytes cannot hold a
worker. Framing follows RFC 9112: `Content-Length` must be one non-negative integer;
`Transfer-Encoding: chunked` bodies are decoded (API Gateway accepts them too).
"""

from __future__ import annotations

import re
import socket
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class HttpLimits:
    max_payload: int = 10 * 1024 * 1024  # HTTP API's request payload quota
    head_bytes: int = 10 * 1024  # HTTP API: request line and header values, 10240 bytes combined
    head_seconds: float = 10.0  # to receive the request line and headers once they start
    body_seconds: float = 30.0  # to receive the whole body
    idle_seconds: float = 30.0  # an idle keep-alive connection is closed after this
    write_seconds: float = 30.0  # a client that does not read its response is dropped
    linger_seconds: float = 2.0  # after an early error answer, how long unread input is drained


class Rejected(Exception):
    """The request cannot be served: answer `status` with `message`, then close."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class HeadTooLarge(Exception):
    pass


_CHUNK_LINE = 4096  # a chunk-size line (with extensions) or a trailer line
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")
_LENGTH = re.compile(r"[0-9]{1,19}")


class DeadlineReader:
    """The connection's input side, used in place of `rfile`: `readline`/`read` over the socket,
    each wait bounded by the idle timeout and, while a request is read, its `deadline`."""

    def __init__(self, sock: socket.socket, idle_seconds: float) -> None:
        self._sock = sock
        self._buffer = bytearray()
        self._eof = False
        self.idle_seconds = idle_seconds
        self.deadline: float | None = None  # time.monotonic() by which the current read must end
        self.budget: int | None = None  # bytes `readline` may still return (the request head)

    @property
    def at_eof(self) -> bool:
        return self._eof and not self._buffer

    def _fill(self) -> bool:
        if self._eof:
            return False
        timeout = self.idle_seconds
        if self.deadline is not None:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("request deadline passed")
            timeout = min(timeout, remaining)
        self._sock.settimeout(timeout)
        try:
            data = self._sock.recv(1 << 16)
        except TimeoutError:
            raise
        except OSError:  # reset by the peer, or shut down
            data = b""
        if not data:
            self._eof = True
            return False
        self._buffer += data
        return True

    def _take(self, size: int) -> bytes:
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def wait_for_request(self) -> bool:
        """Wait (idle timeout) for the first byte of the next request; False when the client left."""
        while not self._buffer:
            if not self._fill():
                return False
        return True

    def readline(self, limit: int = -1) -> bytes:
        cap = limit if limit >= 0 else None
        if self.budget is not None:
            cap = self.budget + 1 if cap is None else min(cap, self.budget + 1)
        while True:
            end = self._buffer.find(b"\n")
            if end >= 0 and (cap is None or end < cap):
                line = self._take(end + 1)
                break
            if cap is not None and len(self._buffer) >= cap:
                line = self._take(cap)
                break
            if not self._fill():
                line = self._take(len(self._buffer))
                break
        if self.budget is not None:
            self.budget -= len(line)
            if self.budget < 0:
                raise HeadTooLarge
        return line

    def read(self, size: int = -1) -> bytes:
        if size < 0:
            while self._fill():
                pass
            return self._take(len(self._buffer))
        while len(self._buffer) < size and self._fill():
            pass
        return self._take(min(size, len(self._buffer)))

    def drain(self, max_bytes: int, seconds: float) -> None:
        """Discard what the client is still sending (up to a bound), so that closing the
        connection does not reset it before the client has read our answer."""
        self.deadline = time.monotonic() + seconds
        discarded = 0
        try:
            while discarded < max_bytes:
                discarded += len(self._buffer)
                self._buffer.clear()
                if not self._fill():
                    return
        except TimeoutError:
            return

    def close(self) -> None:
        self._buffer.clear()


def content_length(values: list[str]) -> int | None:
    """The body length from `Content-Length` header values; None when absent.
    Repeated or comma-listed values must all agree (RFC 9112 §6.3)."""
    if not values:
        return None
    parts = [part.strip() for value in values for part in value.split(",")]
    if not parts or not all(_LENGTH.fullmatch(part) for part in parts) or len({int(p) for p in parts}) != 1:
        raise Rejected(400, "Invalid Content-Length header")
    return int(parts[0])


def is_chunked(values: list[str], request_version: str) -> bool:
    """Whether `Transfer-Encoding` says chunked; any other coding cannot be decoded here."""
    codings = [c.strip().lower() for value in values for c in value.split(",") if c.strip()]
    if not values:
        return False
    if codings != ["chunked"] or request_version == "HTTP/1.0":
        raise Rejected(400, "Unsupported Transfer-Encoding: only chunked is accepted")
    return True


def read_chunked(reader: DeadlineReader, max_payload: int) -> bytes:
    body = bytearray()
    while True:
        line = reader.readline(_CHUNK_LINE + 1)
        if not line.endswith(b"\n"):
            raise Rejected(400, "Malformed chunked body" if len(line) > _CHUNK_LINE else "Incomplete body")
        size_text = line.split(b";", 1)[0].strip()
        if not _CHUNK_SIZE.fullmatch(size_text):
            raise Rejected(400, "Malformed chunked body: invalid chunk size")
        size = int(size_text, 16)
        if size == 0:
            break
        if len(body) + size > max_payload:
            raise Rejected(413, "Request Entity Too Large")
        data = reader.read(size)
        if len(data) < size:
            raise Rejected(400, "Incomplete body")
        body += data
        if reader.readline(3) not in (b"\r\n", b"\n"):
            raise Rejected(400, "Malformed chunked body: chunk data not followed by CRLF")
    for _ in range(100):  # trailer fields, ignored
        line = reader.readline(_CHUNK_LINE + 1)
        if line in (b"\r\n", b"\n"):
            return bytes(body)
        if not line.endswith(b"\n"):
            raise Rejected(400, "Malformed chunked body: bad trailer")
    raise Rejected(400, "Malformed chunked body: too many trailer fields")


def read_exactly(reader: DeadlineReader, length: int) -> bytes:
    body = reader.read(length)
    if len(body) < length:
        raise Rejected(400, "Incomplete body: fewer bytes than Content-Length")
    return body
