"""Opaque, authenticated `next_token`s: one primitive for every paginated listing.

A token seals a page position (`sitepulse.common.page_tokens`: HMAC-SHA256 SIV with the
stack's own secret) bound to the listing that issued it, a canonical form of its filters
and the id of the API key that asked (`bind_caller`, set by the HTTP edge for each
request). It shows nothing in clear: neither the table's key attributes nor the position's
values. Any other token — altered in any byte, truncated, from another listing, other
filters or another key — is refused with a 422 naming `next_token`. Tokens are
deterministic: the same page asked twice by the same key gives the same token.

Only the position's *values* are sealed, in the listing's declared attribute order; the
attribute names come from the `Listing`. An opened position is still re-validated against
the request before it reaches DynamoDB (defence in depth: exactly the listing's key
attributes, of the declared types, in this request's partition and range).

Every listing declares one `Listing` (name + key attribute types) next to its query:

    SENSORS = Listing("sensors", {"pk": "S", "sk": "S", "gsi1pk": "S", "gsi1sk": "S"})
    start = SENSORS.start_key(token, filters, expected={"gsi1pk": "SENSOR", "gsi1sk": NAME_RE, ...})
    items, last_key = SENSORS.query_page(client, query, limit, start)
    next_token = SENSORS.token(last_key, filters)

A listing that is not a DynamoDB range (a key's allowed names, fetched directly) seals its own
position values with `seal` / `open`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query

from sitepulse.common import page_tokens
from sitepulse.common.errors import InvalidInputError

TOKEN_FIELD = "next_token"  # noqa: S105 — a query parameter name or pattern, not a secret
MAX_TOKEN_LENGTH = 2048
# DynamoDB's own limits for key attribute values (partition 2048 bytes, sort 1024 bytes).
_MAX_KEY_BYTES = 2048
# A DynamoDB number: up to 38 significant digits; integers are all our keys ever hold.
_NUMBER = re.compile(r"-?(0|[1-9][0-9]{0,37})", re.ASCII)

TOKEN_PATTERN = r"^[A-Za-z0-9_-]*$"  # noqa: S105 — a query parameter name or pattern, not a secret
# The `next_token` query parameter of every listing. The pattern documents the alphabet; the
# decoder (not pydantic) refuses anything else, so the 422 message speaks of tokens.
TOKEN_QUERY = Query(
    max_length=MAX_TOKEN_LENGTH,
    description="Opaque, signed token from the previous page's `next_token`, passed back unchanged with the "
    "same filters and the same API key; anything else (altered, truncated, from another listing, other "
    "filters or another key) is refused (422)",
    json_schema_extra={"pattern": TOKEN_PATTERN},
)
# The `limit` query parameter of every listing: `limit: PageLimit = DEFAULT_PAGE_SIZE`.
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100
PageLimit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]

KeyType = Literal["S", "N"]
Expected = str | re.Pattern[str]
"""An exact value, or a pattern the whole value must match."""

# One message for every refused token: which check failed (another listing, other filters,
# another key, an altered byte) is deliberately not told — the tag cannot say, and an
# attacker learns nothing from the answer.
MALFORMED = (
    "is not a page token this API issued for this listing, these filters and this API key: "
    "pass back the previous page's next_token unchanged, with the same query and key"
)
OTHER_POSITION = MALFORMED

_caller: ContextVar[str] = ContextVar("sitepulse_page_token_caller", default="")


def bind_caller(key_id: str) -> None:
    """The API key id every token of this request is bound to (the HTTP edge sets it)."""
    _caller.set(key_id)


def canonical_filters(filters: Mapping[str, Any] | None) -> str:
    """The filters as one canonical string (None values are the same as absent)."""
    present = {name: value for name, value in (filters or {}).items() if value is not None}
    return json.dumps(present, sort_keys=True, separators=(",", ":"), default=str)


def _context(listing: str, filters: Mapping[str, Any] | None) -> tuple[str, str, str]:
    return (listing, canonical_filters(filters), _caller.get())


def seal(listing: str, filters: Mapping[str, Any] | None, values: Sequence[str]) -> str:
    """A token for these position values, bound to listing, filters and the calling key."""
    position = json.dumps(list(values), separators=(",", ":")).encode()
    return page_tokens.seal(page_tokens.keys().sealing_key(), _context(listing, filters), position)


def open_token(listing: str, filters: Mapping[str, Any] | None, token: str) -> list[str]:
    """The position values of a token sealed by `seal` with exactly this context, else 422."""
    if len(token) > MAX_TOKEN_LENGTH:
        raise _refuse(MALFORMED)
    parts = page_tokens.decode(token)
    if parts is None:
        raise _refuse(MALFORMED)
    context = _context(listing, filters)
    for secret in page_tokens.keys().opening_keys():
        position = page_tokens.open_with(secret, context, *parts)
        if position is not None:
            try:
                values = json.loads(position)
            except ValueError:
                raise _refuse(MALFORMED) from None
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise _refuse(MALFORMED)
            return values
    raise _refuse(MALFORMED)


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
        return seal(self.name, filters, [self._value(last_evaluated_key[name], name) for name in self._order])

    @property
    def _order(self) -> list[str]:
        return sorted(self.key_types)

    def _value(self, typed: Any, name: str) -> str:
        kind = self.key_types[name]
        if not isinstance(typed, Mapping) or list(typed) != [kind]:
            raise ValueError(f"{self.name}: {name} is not of type {kind}")
        return str(typed[kind])

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

    def ranges_page(
        self,
        client: Any,
        ranges: Sequence[Mapping[str, Any]],
        limit: int,
        start: tuple[int, Mapping[str, Any]] | None,
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """One page over several Query ranges read one after the other (a limited key's
        allowed ranges, each a `begins_with` or a whole partition), and the key to continue
        after it (None: nothing follows in any range) for `token`.

        `start` is (index of the range holding the position, ExclusiveStartKey): the ranges
        before it are not read again. Every request asks one item more than the page still
        needs, so a full page carries a token only when an item follows, and no range is read
        further than that one item. The caller's `start_key` check must place a token's
        position inside one of the ranges: then no page position names anything else.
        """
        items: list[dict[str, Any]] = []
        first = start[0] if start else 0
        for index in range(first, len(ranges)):
            exclusive = start[1] if start and index == first else None
            while len(items) <= limit:
                request = {**ranges[index], "Limit": limit + 1 - len(items)}
                if exclusive:
                    request["ExclusiveStartKey"] = exclusive
                response = client.query(**request)
                items.extend(response["Items"])
                exclusive = response.get("LastEvaluatedKey")
                if not exclusive:
                    break
            if len(items) > limit:
                page = items[:limit]
                return page, {name: page[-1][name] for name in self.key_types}
        return items, None

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
        values = self._typed_values(open_token(self.name, filters, token))
        if not all(_matches(values[name], rule) for name, rule in expected.items()):
            raise _refuse(OTHER_POSITION)
        if check is not None and not check(values):
            raise _refuse(OTHER_POSITION)
        return {name: {self.key_types[name]: value} for name, value in values.items()}

    def _typed_values(self, sealed: list[str]) -> dict[str, str]:
        """The opened values, one per key attribute in declared order, each of its type's form."""
        if len(sealed) != len(self.key_types):
            raise _refuse(OTHER_POSITION)
        values: dict[str, str] = {}
        for name, value in zip(self._order, sealed, strict=True):
            kind = self.key_types[name]
            if not value or len(value.encode("utf-8", "replace")) > _MAX_KEY_BYTES:
                raise _refuse(OTHER_POSITION)
            if kind == "N" and not _NUMBER.fullmatch(value):
                raise _refuse(OTHER_POSITION)
            if kind == "S" and not value.isprintable():
                raise _refuse(OTHER_POSITION)
            values[name] = value
        return values


def _matches(value: str, rule: Expected) -> bool:
    return value == rule if isinstance(rule, str) else rule.fullmatch(value) is not None


def disjoint_prefixes(prefixes: Sequence[str]) -> list[str]:
    """Sorted, without the prefixes a shorter one already covers (`ab` covers `abc`): one
    `begins_with` range per prefix then reads every match once, in index order."""
    kept: list[str] = []
    for prefix in sorted(set(prefixes)):
        if not kept or not prefix.startswith(kept[-1]):
            kept.append(prefix)
    return kept


def named_page(
    listing: str,
    allowed: Sequence[str],
    existing: Sequence[str],
    limit: int,
    token: str | None,
    sort_key: Callable[[str], Any] = str,
) -> tuple[list[str], str | None]:
    """A page of an explicit set of names — a key's allowed resources, fetched by name — in
    `sort_key` order. The token seals the last name given and is bound to the allowed set
    itself, so neither a page nor a token can ever name anything outside it."""
    filters = {"allowed": sorted(allowed, key=sort_key)}
    after: str | None = None
    if token:
        opened = open_token(listing, filters, token)
        if len(opened) != 1 or opened[0] not in allowed:
            raise _refuse(OTHER_POSITION)
        after = opened[0]
    names = sorted(set(existing) & set(allowed), key=sort_key)
    if after is not None:
        names = [name for name in names if sort_key(name) > sort_key(after)]
    page = names[:limit]
    return page, seal(listing, filters, [page[-1]]) if len(names) > limit else None
