"""Opaque `next_token`s, one primitive for every paginated listing.

A token is base64url JSON `{"v": 1, "l": <listing>, "f": <filter digest>, "k": <position>}`:
the DynamoDB LastEvaluatedKey of the page, bound to the listing that issued it and to a
digest of the filters it was issued for.

No secret is involved: a token is not trusted, it is *re-validated* before it reaches
DynamoDB. The position must have exactly the listing's key attributes, each of the
declared type (`S` or `N`, with a value of that type's form), with the partition of this
very request and a sort key of the listing's form (`Listing.start_key(..., expected=...)`).
A forged token therefore either fails here (422 naming `next_token`) or names a position
this same query could have reached anyway: it can neither read another partition nor make
DynamoDB (or moto, which is laxer) fail with a 5xx. The filter digest turns the honest
mistake — a token reused with other filters — into a clear 422 instead of a silently
skewed page.

Every listing declares one `Listing` (name + key attribute types) next to its query:

    SENSORS = Listing("sensors", {"pk": "S", "sk": "S", "gsi1pk": "S", "gsi1sk": "S"})
    start = SENSORS.start_key(token, filters, expected={"gsi1pk": "SENSOR", "gsi1sk": NAME_RE, ...})
    ... query(ExclusiveStartKey=start) ...
    next_token = SENSORS.token(response.get("LastEvaluatedKey"), filters)

or, for a listing whose pages stop exactly at `limit` (one Query, one item more than asked):

    items, last_key = SENSORS.query_page(client, query, limit, start)
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query

from sitepulse.common.errors import InvalidInputError

TOKEN_FIELD = "next_token"
MAX_TOKEN_LENGTH = 2048
TOKEN_VERSION = 1
_DIGEST_CHARS = 16  # 64 bits: tells filter sets apart; not a security boundary (see module doc)
# DynamoDB's own limits for key attribute values (partition 2048 bytes, sort 1024 bytes).
_MAX_KEY_BYTES = 2048
# A DynamoDB number: up to 38 significant digits; integers are all our keys ever hold.
_NUMBER = re.compile(r"-?(0|[1-9][0-9]{0,37})", re.ASCII)

TOKEN_PATTERN = r"^[A-Za-z0-9_-]*$"
# The `next_token` query parameter of every listing. The pattern documents the alphabet; the
# decoder (not pydantic) refuses anything else, so the 422 message speaks of tokens.
TOKEN_QUERY = Query(
    max_length=MAX_TOKEN_LENGTH,
    description="Opaque token from the previous page's `next_token`, passed back unchanged with the same "
    "filters; anything else is refused (422)",
    json_schema_extra={"pattern": TOKEN_PATTERN},
)
# The `limit` query parameter of every listing: `limit: PageLimit = DEFAULT_PAGE_SIZE`.
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100
PageLimit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]

KeyType = Literal["S", "N"]
Expected = str | re.Pattern[str]
"""An exact value, or a pattern the whole value must match."""

MALFORMED = "is not a page token issued by this API: pass back the previous page's next_token unchanged"
OTHER_LISTING = "was issued for another listing"
OTHER_FILTERS = "was issued for the same listing with other filters: repeat the same query to continue"
OTHER_POSITION = "does not point into this listing"


def filters_digest(filters: Mapping[str, Any] | None) -> str:
    """A short stable digest of the query's filters (None values are the same as absent)."""
    present = {name: value for name, value in (filters or {}).items() if value is not None}
    canonical = json.dumps(present, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:_DIGEST_CHARS]


def _refuse(reason: str) -> InvalidInputError:
    return InvalidInputError(TOKEN_FIELD, reason)


@dataclass(frozen=True)
class Listing:
    """One paginated listing: its name (bound into its tokens) and its key attribute types."""

    name: str
    key_types: Mapping[str, KeyType]

    def token(
        self, last_evaluated_key: Mapping[str, Any] | None, filters: Mapping[str, Any] | None
    ) -> str | None:
        """The `next_token` continuing after `last_evaluated_key` (None: this was the last page)."""
        if not last_evaluated_key:
            return None
        if set(last_evaluated_key) != set(self.key_types):
            # A bug, not client input: the query and the declared key schema disagree.
            raise ValueError(f"{self.name}: key {sorted(last_evaluated_key)} is not {sorted(self.key_types)}")
        payload = {"v": TOKEN_VERSION, "l": self.name, "f": filters_digest(filters), "k": last_evaluated_key}
        raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def query_page(
        self, client: Any, query: Mapping[str, Any], limit: int, start: Mapping[str, Any] | None
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """One Query page of at most `limit` raw items, and the key to continue after it (None:
        nothing follows) for `token`.

        Asks one item more than `limit`: a full page then carries a token only when an item
        follows, never one to an empty page. Past `limit` the position is the last kept item's
        key attributes (this listing's), which every item of a table or index query holds.
        """
        request = {**query, "Limit": limit + 1}
        if start:
            request["ExclusiveStartKey"] = start
        response = client.query(**request)
        items: list[dict[str, Any]] = response["Items"]
        if len(items) > limit:
            items = items[:limit]
            return items, {name: items[-1][name] for name in self.key_types}
        return items, response.get("LastEvaluatedKey")

    def start_key(
        self,
        token: str | None,
        filters: Mapping[str, Any] | None,
        expected: Mapping[str, Expected],
        check: Callable[[dict[str, str]], bool] | None = None,
    ) -> dict[str, Any] | None:
        """The ExclusiveStartKey of `token`, or None for the first page.

        `expected` gives, for every key attribute, the exact value of this request's
        partition or the pattern of a valid position; `check` may add a rule across
        attributes (e.g. a sort key within the queried range). Anything else → 422.
        """
        if set(expected) != set(self.key_types):
            raise ValueError(f"{self.name}: every key attribute needs an expected value or pattern")
        if token is None or token == "":
            return None
        payload = _decode(token)
        if payload.get("v") != TOKEN_VERSION or not isinstance(payload.get("l"), str):
            raise _refuse(MALFORMED)
        if payload["l"] != self.name:
            raise _refuse(OTHER_LISTING)
        if payload.get("f") != filters_digest(filters):
            raise _refuse(OTHER_FILTERS)
        values = self._typed_values(payload.get("k"))
        if not all(_matches(values[name], rule) for name, rule in expected.items()):
            raise _refuse(OTHER_POSITION)
        if check is not None and not check(values):
            raise _refuse(OTHER_POSITION)
        return {name: {self.key_types[name]: value} for name, value in values.items()}

    def _typed_values(self, key: Any) -> dict[str, str]:
        """`{"attr": {"S"|"N": value}}` with exactly our attributes and types → `{"attr": value}`."""
        if not isinstance(key, dict) or set(key) != set(self.key_types):
            raise _refuse(OTHER_POSITION)
        values: dict[str, str] = {}
        for name, typed in key.items():
            kind = self.key_types[name]
            if not isinstance(typed, dict) or list(typed) != [kind]:
                raise _refuse(OTHER_POSITION)
            value = typed[kind]
            if (
                not isinstance(value, str)
                or not value
                or len(value.encode("utf-8", "replace")) > _MAX_KEY_BYTES
            ):
                raise _refuse(OTHER_POSITION)
            if kind == "N" and not _NUMBER.fullmatch(value):
                raise _refuse(OTHER_POSITION)
            if kind == "S" and not value.isprintable():
                raise _refuse(OTHER_POSITION)
            values[name] = value
        return values


def _matches(value: str, rule: Expected) -> bool:
    return value == rule if isinstance(rule, str) else rule.fullmatch(value) is not None


def _decode(token: str) -> dict[str, Any]:
    if len(token) > MAX_TOKEN_LENGTH or not token.isascii():
        raise _refuse(MALFORMED)
    try:
        raw = base64.urlsafe_b64decode((token + "=" * (-len(token) % 4)).encode("ascii"))
        payload = json.loads(raw.decode("utf-8"))
    except (ValueError, binascii.Error, UnicodeError, RecursionError):
        raise _refuse(MALFORMED) from None
    if not isinstance(payload, dict):
        raise _refuse(MALFORMED)
    return payload
