"""The authorizer's decision, pure: credential + route → allow (with the grant) or deny.

Fail closed: API Gateway HTTP API answers a simple-response `isAuthorized: false` with its
own `403 {"message":"Forbidden"}` and never invokes the route's function. Every request
without a valid key holding the route's scope is denied here — a malformed, unknown,
wrong-secret, revoked or expired key, or a key without the scope — so no function ever
runs for it. (A request with no `Authorization` header at all never reaches the
authorizer: API Gateway answers 401 itself, the identity source being missing.)

The reason is logged with the key id (never the secret); it is not told to the client,
which only learns that the key was refused.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sitepulse.access import tokens
from sitepulse.access.models import ApiKeyRecord, grant_context
from sitepulse.access.scopes import scope_of

KeyLookup = Callable[[str], ApiKeyRecord | None]

# Why a request is denied (logs only: the client always gets API Gateway's 403).
MALFORMED = "malformed"  # not `Bearer sp_<id>_<secret>`
UNKNOWN = "unknown"  # no such key, or the secret does not match (indistinguishable on purpose)
REVOKED = "revoked"
EXPIRED = "expired"
NO_SCOPE = "scope"  # a valid key without the route's scope (or a route with no scope: fail closed)


@dataclass(frozen=True)
class Decision:
    authorized: bool
    context: dict[str, str] = field(default_factory=dict)
    reason: str = ""  # why it was denied; empty when allowed
    key_id: str = ""  # the key's public id once the key is known (for logs)

    @property
    def outcome(self) -> str:
        """For logs: allow or deny:<reason>."""
        return "allow" if self.authorized else f"deny:{self.reason}"


def _deny(reason: str, key_id: str = "") -> Decision:
    # An empty context: nothing reaches a function for a denied request anyway.
    return Decision(False, {}, reason, key_id)


def decide(authorization: str | None, route_key: str, now: datetime, lookup: KeyLookup) -> Decision:
    """At most one `lookup` (one DynamoDB GetItem) per call."""
    scope = scope_of(route_key)
    token = tokens.bearer_token(authorization)
    parsed = tokens.parse_key(token) if token else None
    if parsed is None:
        return _deny(MALFORMED)
    key_id, secret = parsed
    record = lookup(key_id)
    if record is None or not tokens.secret_matches(secret, record.secret_hash):
        return _deny(UNKNOWN)
    if record.revoked_at is not None:
        return _deny(REVOKED, key_id)
    if record.expires_at is not None and record.expires_at <= now:
        return _deny(EXPIRED, key_id)
    if scope is None or scope not in record.scopes:
        # A route missing from the scope table is refused to everyone: fail closed.
        return _deny(NO_SCOPE, key_id)
    return Decision(True, grant_context(record), "", key_id)
