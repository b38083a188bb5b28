"""moto's DynamoDB backend, made fit for in-process use at scale: `install()`.

1. Cost. To be able to roll back, moto's TransactWriteItems deep-copies every table it
   touches, so one transaction costs O(table size) and loading n events through a
   transactional write path costs O(n²) (1,500 booking writes into one table: 330 s; with
   this fix 3,000 take 40 s).
   Here only the items the transaction names are saved and restored on cancellation.
2. Streams. A cancelled transaction streams nothing in DynamoDB; moto has already streamed the
   items it applied before the failing one. Those records are taken back with the items.
3. Isolation in-process. `local.aws.moto_server` serialises DynamoDB requests for the
   server-mode stack; in-process (`mock_aws`: unit tests, benchmarks) nothing does, and
   threads calling moto can see a conditional write pass twice or an `ADD` lost. Here
   every item write, GetItem and transaction holds one re-entrant lock. Only DynamoDB
   backend calls take it and none of them calls out, so it cannot deadlock.

Idempotent; `uninstall()` restores moto's own methods.
"""

from __future__ import annotations

import copy
import functools
import threading
from collections.abc import Callable
from typing import Any

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table

from local.aws.moto_pin import require_pinned_moto

_LOCK = threading.RLock()
_LOCKED_METHODS = ("put_item", "update_item", "delete_item", "get_item", "create_backup")
_originals: dict[str, Callable[..., Any]] = {}

SavedItem = tuple[Table, DynamoType, DynamoType | None, Item | None]


def _locked(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return method(*args, **kwargs)

    return call


def _save_items(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> list[SavedItem]:
    saved: list[SavedItem] = []
    for entry in transact_items:
        for op_type, op in entry.items():
            table = backend.tables.get(op.get("TableName", "")) if isinstance(op, dict) else None
            if table is None:
                continue
            source = op.get("Item", {}) if op_type == "Put" else op.get("Key", {})
            if table.hash_key_attr not in source:
                continue
            hash_key = DynamoType(source[table.hash_key_attr])
            range_key = None
            if table.range_key_attr is not None:
                if table.range_key_attr not in source:
                    continue
                range_key = DynamoType(source[table.range_key_attr])
            current = table.get_item(hash_key, range_key)
            saved.append((table, hash_key, range_key, copy.deepcopy(current)))
    return saved


def _stream_lengths(
    backend: DynamoDBBackend, transact_items: list[dict[str, Any]]
) -> dict[int, tuple[Any, int]]:
    """How many records each touched table's stream holds before the transaction."""
    lengths: dict[int, tuple[Any, int]] = {}
    for entry in transact_items:
        for op in entry.values():
            table = backend.tables.get(op.get("TableName", "")) if isinstance(op, dict) else None
            shard = getattr(table, "stream_shard", None)
            if shard is not None:
                lengths[id(shard)] = (shard, len(shard.items))
    return lengths


def _drop_stream_records(lengths: dict[int, tuple[Any, int]]) -> None:
    """A cancelled transaction wrote nothing, so DynamoDB streams nothing: moto applies the items
    one by one and has already streamed those before the failing one; take them back."""
    for shard, length in lengths.values():
        del shard.items[length:]


def _restore_items(saved: list[SavedItem]) -> None:
    for table, hash_key, range_key, item in reversed(saved):
        if item is None:
            table.delete_item(hash_key, range_key)
        elif range_key is not None:
            table.items[hash_key][range_key] = item
        else:
            table.items[hash_key] = item  # type: ignore[assignment]


def _same_table(table: Table, memo: dict[int, Any]) -> Table:
    return table


def _transact_write_items(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        with _LOCK:
            saved = _save_items(self, transact_items)
            streamed = _stream_lengths(self, transact_items)
            # moto "backs up" each table with deepcopy and, on failure, puts that copy back:
            # make the copy the table itself (a no-op restore) and roll back the saved items instead.
            Table.__deepcopy__ = _same_table  # type: ignore[attr-defined]
            try:
                return original(self, transact_items)
            except Exception:
                _restore_items(saved)
                _drop_stream_records(streamed)
                raise
            finally:
                del Table.__deepcopy__  # type: ignore[attr-defined]

    return transact_write_items


def install() -> None:
    """Explicit, by the local stack and the test fixtures; refuses any moto but the pinned one."""
    require_pinned_moto("local.aws.moto_safe_writes")
    with _LOCK:
        if _originals:
            return
        for name in (*_LOCKED_METHODS, "transact_write_items"):
            _originals[name] = getattr(DynamoDBBackend, name)
        for name in _LOCKED_METHODS:
            setattr(DynamoDBBackend, name, _locked(_originals[name]))
        DynamoDBBackend.transact_write_items = _transact_write_items(_originals["transact_write_items"])  # type: ignore[method-assign]


def uninstall() -> None:
    with _LOCK:
        for name, method in _originals.items():
            setattr(DynamoDBBackend, name, method)
        _originals.clear()
