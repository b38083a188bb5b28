"""How demo loaders talk to the stack: JSON over HTTP, as any client would."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from local.template import Stack


@dataclass
class Demo:
    """What a loader needs: where the API is, the stack's resources, and the headers every
    request carries (an API key once the API requires one)."""

    api_url: str
    stack: Stack
    headers: dict[str, str] = field(default_factory=dict)
    receiver: Any = None  # the stack's webhook receiver (`local.demo.webhook_receiver`), for alert rules

    def post(self, path: str, payload: Any) -> int:
        """POST JSON; the HTTP status (errors included: the demo reports, it does not raise)."""
        request = urllib.request.Request(  # noqa: S310 — the URL is the local stack's or a presigned http(s) address built here
            f"{self.api_url}{path}",
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json", **self.headers},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 — the URL is the local stack's or a presigned http(s) address built here
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def post_all(self, path: str, payloads: Iterable[Any]) -> Counter[int]:
        return Counter(self.post(path, payload) for payload in payloads)


def statuses(counts: Counter[int]) -> str:
    """`201 x 50, 200 x 1`: what the API answered, for the banner line."""
    return ", ".join(f"{status} x {count}" for status, count in sorted(counts.items()))
