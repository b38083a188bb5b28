"""API key material: generation, parsing, hashing and constant-time comparison.

A key reads `sp_<key id>_<secret>`: the key id is public (logged, listed, used as the
table key); the secret is 256 random bits, shown once and stored only as its SHA-256.
A salted slow hash is for low-entropy passwords; for a 256-bit random secret a plain
SHA-256 is already infeasible to invert, and it keeps the authorizer fast.
"""

import hashlib
import hmac
import re
import secrets as _random

PREFIX = "sp"
_KEY_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
KEY_ID_LENGTH = 16
KEY_ID_PATTERN = rf"^[a-z2-7]{{{KEY_ID_LENGTH}}}$"
SECRET_BYTES = 32
_KEY = re.compile(rf"^{PREFIX}_([a-z2-7]{{{KEY_ID_LENGTH}}})_([A-Za-z0-9_\-]{{43}})$")


def new_key_id() -> str:
    return "".join(_random.choice(_KEY_ID_ALPHABET) for _ in range(KEY_ID_LENGTH))


def new_key() -> tuple[str, str]:
    """A fresh (key id, full key). The full key is what the client sends as its bearer token."""
    key_id = new_key_id()
    return key_id, f"{PREFIX}_{key_id}_{_random.token_urlsafe(SECRET_BYTES)}"


def parse_key(token: str) -> tuple[str, str] | None:
    """(key id, secret) of a well-formed key, else None."""
    match = _KEY.fullmatch(token)
    return (match.group(1), match.group(2)) if match else None


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    """Constant-time: the comparison takes as long whatever prefix matches."""
    return hmac.compare_digest(hash_secret(secret).encode(), stored_hash.encode())


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header (scheme case-insensitive)."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
