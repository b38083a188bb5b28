"""A deliberately plain HTTP client (urllib) for driving the local stack."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any


@dataclass
class ApiResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


class ApiClient:
    """`key` is sent as `Authorization: Bearer <key>` on every request (the integration
    fixtures give the demo admin key); per request, `key=None` sends none, `key="…"` another."""

    def __init__(self, base_url: str, key: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.key = key

    def with_key(self, key: str | None) -> ApiClient:
        return ApiClient(self.base_url, key)

    def request(
        self,
        method: str,
        path: str,
        json_body: Any = None,
        *,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 60,
        key: Any = ...,
    ) -> ApiResponse:
        data = raw if raw is not None else (json.dumps(json_body).encode() if json_body is not None else None)
        key = self.key if key is ... else key
        auth = {"Authorization": f"Bearer {key}"} if key else {}
        all_headers = {"Content-Type": "application/json", **auth, **(headers or {})}
        request = urllib.request.Request(
            f"{self.base_url}{path}", data=data, headers=all_headers, method=method
        )
        try:
            with _opener.open(request, timeout=timeout) as response:
                return ApiResponse(
                    response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
                )
        except urllib.error.HTTPError as error:
            return ApiResponse(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())

    def get(self, path: str, **kwargs: Any) -> ApiResponse:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json_body: Any = None, **kwargs: Any) -> ApiResponse:
        return self.request("POST", path, json_body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> ApiResponse:
        return self.request("DELETE", path, **kwargs)
