"""Hand-crafted `next_token`s: what a client (or an attacker) can send without our help, and
what an insider holding the token secret could seal (to test the defence-in-depth checks)."""

from __future__ import annotations

import base64
import json
from typing import Any

from sitepulse.common import page_tokens
from sitepulse.common.pagination import seal

TEST_SECRET = b"unit-test page token secret, never deployed"


def raw_token(payload: Any) -> str:
    """Any JSON, base64url-encoded (the old unsigned format): never a valid token."""
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def forged(listing: str, key: Any, filters: dict[str, Any] | None = None, **overrides: Any) -> str:
    """A token of `listing` for `filters` carrying an arbitrary position `key`, sealed with the
    stack's own secret (as only an insider could): its position is still re-validated.
    `overrides` (legacy field tampering) make it a token for another context."""
    if isinstance(key, dict):
        values: list[Any] = []
        for name in sorted(key):
            typed = key[name]
            values.append(
                next(iter(typed.values())) if isinstance(typed, dict) and len(typed) == 1 else typed
            )
    else:
        values = [key]
    if overrides:
        filters = {**(filters or {}), "_tampered": json.dumps(overrides, default=str)}
    return seal(listing, filters, values)  # type: ignore[arg-type]


def tampered(token: str) -> str:
    """Change one character in the middle of the token."""
    middle = len(token) // 2
    replacement = "A" if token[middle] != "A" else "B"
    return token[:middle] + replacement + token[middle + 1 :]


def use_test_keys() -> None:
    page_tokens.use_keys(page_tokens.StaticKeys(TEST_SECRET))
