"""The smoke suite's HTTP client: the standard library only (it runs on a bare CI runner), plain
`http.client` (http or https only, certificates verified, redirects never followed: a report
download answers 302), and every request bounded both by its own timeout and by what is left of
the whole run's budget."""

from __future__ import annotations

import http.client
import json
import time
import urllib.parse
from dataclasses import dataclass
from types import EllipsisType
from typing import Any

USER_AGENT = "sitepulse-smoke/1"
# 429 (throttled) and 503 (the API's "busy, retry the same request") are worth one more try
# after Retry-After; writes are idempotent, so a retried write is a replay, never a double count.
RETRY_STATUSES = frozenset({429, 503})
MAX_RETRY_WAIT_SECONDS = 5.0


class BudgetExhaustedError(Exception):
    """The run's overall time budget is spent: the remaining checks fail without a request."""


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.ends_at = time.monotonic() + seconds

    def remaining(self) -> float:
        return self.ends_at - time.monotonic()


class SmokeClient:
    def __init__(self, base_url: str, key: str, *, request_timeout: float, deadline: Deadline) -> None:
        self.base_url = base_url.rstrip("/")
        parts = urllib.parse.urlsplit(self.base_url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self._connection_class = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )
        self._netloc, self._base_path = parts.netloc, parts.path
        self.key = key
        self.request_timeout = request_timeout
        self.deadline = deadline

    def request(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, Any] | None = None,
        body: Any = None,
        key: str | EllipsisType | None = ...,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """`key=...` sends the suite's key, `None` none, a string that one instead."""
        target = f"{self._base_path}{path}"
        if query:
            target += "?" + urllib.parse.urlencode(query)
        sent_key = self.key if key is ... else key
        all_headers = {"Accept": "application/json", "User-Agent": USER_AGENT, **(headers or {})}
        if sent_key is not None:
            all_headers["Authorization"] = f"Bearer {sent_key}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        response = self._send(method, target, data, all_headers)
        if response.status in RETRY_STATUSES:
            wait = _retry_after(response.headers.get("retry-after"))
            if wait < self.deadline.remaining():
                time.sleep(wait)
                response = self._send(method, target, data, all_headers)
        return response

    def _send(self, method: str, target: str, data: bytes | None, headers: dict[str, str]) -> Response:
        timeout = min(self.request_timeout, self.deadline.remaining())
        if timeout <= 0:
            raise BudgetExhaustedError("the smoke suite's time budget is spent")
        connection = self._connection_class(self._netloc, timeout=timeout)
        try:
            connection.request(method, target, body=data, headers=headers)
            answer = connection.getresponse()
            return Response(answer.status, _lower(answer.headers), answer.read())
        finally:
            connection.close()


def _lower(headers: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def _retry_after(value: str | None) -> float:
    try:
        seconds = float(value) if value is not None else 1.0
    except ValueError:
        seconds = 1.0
    return min(max(seconds, 0.0), MAX_RETRY_WAIT_SECONDS)
