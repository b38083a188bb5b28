"""Hand-crafted `next_token`s: what a client (or an attacker) can send without our help."""

from __future__ import annotations

import base64
import json
from typing import Any

from sitepulse.common.pagination import TOKEN_VERSION, filters_digest


def raw_token(payload: Any) -> str:
    """Any JSON, encoded the way our tokens are (base64url, no padding)."""
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def forged(listing: str, key: Any, filters: dict[str, Any] | None = None, **overrides: Any) -> str:
    """A well-formed token of `listing` for `filters` carrying an arbitrary position `key`."""
    payload = {"v": TOKEN_VERSION, "l": listing, "f": filters_digest(filters), "k": key, **overrides}
    return raw_token(payload)


def decoded(token: str) -> dict[str, Any]:
    return json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))


def tampered(token: str) -> str:
    """Change one character in the middle of the token."""
    middle = len(token) // 2
    replacement = "A" if token[middle] != "A" else "B"
    return token[:middle] + replacement + token[middle + 1 :]
