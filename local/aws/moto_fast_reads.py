"""Performance fixes for moto's DynamoDB emulation (behaviour unchanged).

1. Queries read one partition.

moto 5's `Table.query` builds its candidates from `Table.all_items()`, which sorts *every
item of the table* on each call: a query costs O(table size · log), so a table of ~50k
items answers in ~0.5 s instead of ~1 ms, and anything that queries per partition (the
report shards do ~13 queries per store bucket) stalls for minutes. Real DynamoDB reads one
partition.

While a query runs, `all_items()` here returns only the queried partition for table
queries, and the unsorted items for index queries (`query` sorts its candidates itself in
both cases). Scans and everything else keep the original sorted `all_items()`.

2. Item reads are encoded as plain JSON.

moto 5 encodes every response through its generic, model-driven serializer, which costs
about 1 ms per DynamoDB item (each attribute value is walked as a structure of ten
possible members): a query returning 200 small items takes 0.2 s. The results of Query,
Scan, GetItem and BatchGetItem are already DynamoDB JSON (binary values as bytes), so they
are written with `json.dumps` (bytes base64-encoded, as the JSON protocol wants) when they
hold nothing else; anything unusual falls back to the serializer.
"""

from __future__ import annotations

import base64
import json
import threading
from typing import Any

from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoResult

from local.aws.moto_pin import require_pinned_moto

_scope = threading.local()
_installed = False


def _partition_items(self: Table) -> list[Any]:
    active = getattr(_scope, "query", None)
    if active is None or active[0] is not self:
        return _original_all_items(self)
    hash_key = active[1]
    if hash_key is not None:
        partition = self.items.get(hash_key)
        if partition is None:
            return []
        return list(partition.values()) if self.range_key_attr else [partition]
    if not self.range_key_attr:
        return list(self.items.values())
    return [item for partition in self.items.values() for item in partition.values()]


def _scoped_query(self: Table, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
    index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
    previous = getattr(_scope, "query", None)
    _scope.query = (self, None if index_name else hash_key)
    try:
        return _original_query(self, hash_key, *args, **kwargs)
    finally:
        _scope.query = previous


_PLAIN_JSON_OPERATIONS = frozenset({"Query", "Scan", "GetItem", "BatchGetItem"})
_PLAIN_TYPES = (str, int, float, bool, bytes)


def _is_plain(value: Any) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_is_plain(v) for v in value)
    return isinstance(value, _PLAIN_TYPES)


def _base64(value: Any) -> str:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _plain_json_result(self: DynamoResult, context: Any) -> Any:
    if context.operation_model.name in _PLAIN_JSON_OPERATIONS and _is_plain(self.result):
        body = json.dumps(self.result, default=_base64, separators=(",", ":"))
        return 200, {"Content-Type": "application/x-amz-json-1.0"}, body
    return _original_execute_result(self, context)


_original_all_items = Table.all_items
_original_query = Table.query
_original_execute_result = DynamoResult.execute_result


def install() -> None:
    """Explicit, by the local stack and the test fixtures; refuses any moto but the pinned one."""
    global _installed
    require_pinned_moto("local.aws.moto_fast_reads")
    if _installed:
        return
    Table.all_items = _partition_items  # type: ignore[method-assign]
    Table.query = _scoped_query  # type: ignore[method-assign]
    DynamoResult.execute_result = _plain_json_result  # type: ignore[method-assign]
    _installed = True


def uninstall() -> None:
    global _installed
    Table.all_items = _original_all_items  # type: ignore[method-assign]
    Table.query = _original_query  # type: ignore[method-assign]
    DynamoResult.execute_result = _original_execute_result  # type: ignore[method-assign]
    _installed = False
