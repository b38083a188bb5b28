"""`rejected/<original key>.errors.csv`: the bad rows of an object, with line number and reason.

Each segment's bad rows are saved as a part (`ingest-work/<object id>/rejected-<segment>.csv`)
before its checkpoint, so they survive a crash; when the object is finished the parts are
streamed into the one errors file and deleted. Writing a part or the file again after a crash
writes the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sitepulse.ingest.csv_lines import RowError
from sitepulse.ingest.objects import IncomingObject
from sitepulse.ingest.rejected_csv import rejected_csv_bytes, rejected_key

WORK_PREFIX = "ingest-work/"


def _parts_prefix(obj: IncomingObject) -> str:
    return f"{WORK_PREFIX}{obj.object_id}/"


class _Concatenated:
    """A binary reader over the parts in order, each part after the first without its header line."""

    def __init__(self, s3: Any, bucket: str, keys: Sequence[str]) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._keys = list(keys)
        self._body: Any = None
        self._skip_header = False
        self._buffer = b""

    def read(self, size: int = -1) -> bytes:
        """Up to `size` bytes, short only at the end (s3transfer takes a short read for the end)."""
        size = size if size and size > 0 else 8 << 20
        out = bytearray()
        while len(out) < size:
            chunk = self._next(size - len(out))
            if not chunk:
                break
            out += chunk
        return bytes(out)

    def _next(self, size: int) -> bytes:
        while True:
            if self._buffer:
                out, self._buffer = self._buffer[:size], self._buffer[size:]
                return out
            if self._body is None:
                if not self._keys:
                    return b""
                key = self._keys.pop(0)
                self._body = self._s3.get_object(Bucket=self._bucket, Key=key)["Body"]
            data = self._body.read(max(size, 64 * 1024))
            if not data:
                self._body = None
                self._skip_header = True
                continue
            if self._skip_header:
                while b"\n" not in data:
                    more = self._body.read(64 * 1024)
                    if not more:
                        break
                    data += more
                data = data.split(b"\n", 1)[1] if b"\n" in data else b""
                self._skip_header = False
            self._buffer = data


class RejectedRows:
    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def write_part(self, obj: IncomingObject, segment_index: int, errors: Sequence[RowError]) -> None:
        self._s3.put_object(
            Bucket=self._bucket,
            Key=f"{_parts_prefix(obj)}rejected-{segment_index:05d}.csv",
            Body=rejected_csv_bytes(errors),
            ContentType="text/csv",
        )

    def write_whole(self, obj: IncomingObject, errors: Sequence[RowError]) -> str:
        key = rejected_key(obj.key)
        self._s3.put_object(
            Bucket=self._bucket, Key=key, Body=rejected_csv_bytes(errors), ContentType="text/csv"
        )
        return key

    def publish(self, obj: IncomingObject, rejected_rows: int) -> str | None:
        """Assemble the parts into the errors file; its key, or None when no row was rejected."""
        if rejected_rows == 0:
            return None
        parts = self._part_keys(obj)
        key = rejected_key(obj.key)
        if not parts:
            return key  # published by an attempt that crashed after deleting its parts
        self._s3.upload_fileobj(
            _Concatenated(self._s3, self._bucket, parts),
            self._bucket,
            key,
            ExtraArgs={"ContentType": "text/csv"},
        )
        for start in range(0, len(parts), 1000):
            self._s3.delete_objects(
                Bucket=self._bucket,
                Delete={"Objects": [{"Key": k} for k in parts[start : start + 1000]], "Quiet": True},
            )
        return key

    def _part_keys(self, obj: IncomingObject) -> list[str]:
        keys: list[str] = []
        paginator = self._s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self._bucket, Prefix=_parts_prefix(obj)):
            keys.extend(entry["Key"] for entry in page.get("Contents", []))
        return sorted(keys)
