"""The objects waiting under `incoming/<kind>/`, and which kind of file each one is.

The kind is the folder right under `incoming/`. Which kinds are read, in which order and how,
is given by the sinks the runner is wired with: this package knows no kind of file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

INCOMING_PREFIX = "incoming/"


def object_id(key: str, etag: str) -> str:
    """Short stable id of one version of an S3 object."""
    return hashlib.sha256(f"{key}\0{etag}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class IncomingObject:
    key: str
    etag: str
    size: int
    last_modified: datetime
    kind: str

    @property
    def object_id(self) -> str:
        return object_id(self.key, self.etag)


def kind_of(key: str) -> str | None:
    """`kind` for `incoming/<kind>/<name>`; None for a folder marker or a file outside a kind folder."""
    if not key.startswith(INCOMING_PREFIX) or key.endswith("/"):
        return None
    kind, slash, name = key.removeprefix(INCOMING_PREFIX).partition("/")
    return kind if kind and slash and name else None


def list_incoming(s3: Any, bucket: str) -> Iterator[IncomingObject]:
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=INCOMING_PREFIX):
        for entry in page.get("Contents", []):
            kind = kind_of(entry["Key"])
            if kind is None:
                continue
            yield IncomingObject(
                key=entry["Key"],
                etag=entry["ETag"].strip('"'),
                size=int(entry["Size"]),
                last_modified=entry["LastModified"],
                kind=kind,
            )
