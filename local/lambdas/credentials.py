"""Each function's own AWS identity in the local stack: a dummy access key id derived from its
logical id, so that every request reaching the emulated AWS says which function sent it
(SigV4 puts the access key id in the clear in every request and presigned URL)."""

from __future__ import annotations

import base64
import hashlib

SECRET_ACCESS_KEY = "testing"  # noqa: S105 — moto's dummy credentials for the local stack, never real ones
SESSION_TOKEN = "testing"  # noqa: S105 — moto's dummy credentials for the local stack, never real ones


def access_key_id(logical_id: str) -> str:
    """20 upper-case characters like a real key id; `ASIA` as Lambda's temporary credentials."""
    digest = hashlib.sha256(logical_id.encode()).digest()
    return "ASIA" + base64.b32encode(digest).decode()[:16]


def identities(logical_ids: list[str]) -> dict[str, str]:
    """access key id → logical id."""
    return {access_key_id(logical_id): logical_id for logical_id in logical_ids}
