"""BatchWriteItem in requests of 25 puts sent by a few threads; UnprocessedItems are re-sent
under the layer's one retry policy (`sitepulse.common.dynamo.batch_write`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sitepulse.common import dynamo
from sitepulse.common.retry import UNPROCESSED, RetryPolicy

MAX_ITEMS_PER_REQUEST = 25
MAX_BYTES_PER_REQUEST = 15 * 1024 * 1024  # DynamoDB allows 16 MB; keep headroom for encoding


def _item_size(item: dict[str, Any]) -> int:
    """Approximate encoded size (names + values) of a low-level item, for the per-request cap."""
    size = 0
    for name, value in item.items():
        size += len(name)
        for kind, raw in value.items():
            if kind in ("S", "B", "N"):
                size += len(raw)
            elif kind in ("SS", "NS", "BS"):
                size += sum(len(member) for member in raw)
            else:
                size += 64
    return size


def chunk_requests(items: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    size = 0
    for item in items:
        item_size = _item_size(item)
        if chunk and (len(chunk) == MAX_ITEMS_PER_REQUEST or size + item_size > MAX_BYTES_PER_REQUEST):
            yield chunk
            chunk, size = [], 0
        chunk.append(item)
        size += item_size
    if chunk:
        yield chunk


class BatchWriter:
    """Puts items into one table. Puts are blind overwrites, so callers only send items
    whose content is fully determined by their key (what makes re-runs idempotent)."""

    def __init__(
        self,
        client: Any,
        table: str,
        *,
        workers: int = 4,
        policy: RetryPolicy = UNPROCESSED,
    ) -> None:
        self._client = client
        self._table = table
        self._workers = workers
        self._policy = policy

    def put_all(self, items: Iterable[dict[str, Any]]) -> int:
        """Write every item; returns the number of BatchWriteItem requests sent."""
        chunks = list(chunk_requests(items))
        if len(chunks) <= 1 or self._workers <= 1:
            return sum(self._write(chunk) for chunk in chunks)
        with ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="batch-write") as pool:
            return sum(pool.map(self._write, chunks))

    def _write(self, items: list[dict[str, Any]]) -> int:
        requests = [{"PutRequest": {"Item": item}} for item in items]
        return dynamo.batch_write(self._client, {self._table: requests}, self._policy)
