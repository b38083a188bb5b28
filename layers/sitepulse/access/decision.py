"""The authorizer's decision, pure: credential + route → allow, deny (403) or admit-as-denied (401).

API Gateway HTTP API shapes the status codes itself and only lets a simple-response
authorizer say yes or no: `isAuthorized: false` is always its own
`403 {"message":"Forbidden"}`. An unknown, revoked or expired key must be a 401, so the
authorizer *admits* such a request with a `status: deny` context and the function's
edge answers 401 before any work (`sitepulse.access.edge`). A valid key without the
route's scope is a real `isAuthorized: false` → API Gateway's 403.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sitepulse.access import tokens
from sitepulse.access.models import ApiKeyRecord, denial_context, grant_context
from sitepulse.access.scopes import scope_of

KeyLookup = Callable[[str], ApiKeyRecord | None]

# Reasons a request is admitted as denied (→ 401 at the function edge).
MALFORMED = "malformed"  # not `Bearer sp_<id>_<secret>`
UNKNOWN = "unknown"  # no such key, or the secret does not match (indistinguishable on purpose)
REVOKED = "revoked"
EXPIRED = "expired"


@dataclass(frozen=True)
class Decision:
    authorized: bool
    context: dict[str, str] = field(default_factory=dict)

    @property
    def outcome(self) -> str:
        """For logs: allow, deny:<reason> (401 at the edge) or forbidden (403)."""
        if not self.authorized:
            return "forbidden"
        if self.context.get("status") == "deny":
            return f"deny:{self.context.get('reason')}"
        return "allow"


def decide(authorization: str | None, route_key: str, now: datetime, lookup: KeyLookup) -> Decision:
    """At most one `lookup` (one DynamoDB GetItem) per call."""
    scope = scope_of(route_key)
    token = tokens.bearer_token(authorization)
    parsed = tokens.parse_key(token) if token else None
    if parsed is None:
        return Decision(True, denial_context(MALFORMED))
    key_id, secret = parsed
    record = lookup(key_id)
    if record is None or not tokens.secret_matches(secret, record.secret_hash):
        return Decision(True, denial_context(UNKNOWN))
    if record.revoked_at is not None:
        return Decision(True, denial_context(REVOKED, key_id))
    if record.expires_at is not None and record.expires_at <= now:
        return Decision(True, denial_context(EXPIRED, key_id))
    if scope is None or scope not in record.scopes:
        # A route missing from the scope table is refused to everyone: fail closed.
        return Decision(False, {"key_id": key_id})
    return Decision(True, grant_context(record))
