"""Opaque `next_token`s: the DynamoDB LastEvaluatedKey, base64url-encoded JSON."""

import base64
import binascii
import json
from typing import Any

from sitepulse.common.errors import InvalidInputError


def encode_token(last_evaluated_key: dict[str, Any] | None) -> str | None:
    if not last_evaluated_key:
        return None
    raw = json.dumps(last_evaluated_key, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str | None, expected_keys: set[str]) -> dict[str, Any] | None:
    """Decode a token, refusing anything we did not issue (wrong shape → 422)."""
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInputError("next_token", "not a token issued by this API") from None
    valid = (
        isinstance(key, dict)
        and set(key) == expected_keys
        and all(isinstance(v, dict) and len(v) == 1 and next(iter(v)) in {"S", "N"} for v in key.values())
    )
    if not valid:
        raise InvalidInputError("next_token", "not a token issued by this API")
    return key
