"""The objects waiting under `incoming/`, and which kind of file each one is."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sitepulse.store_uptime.storage.keys import object_id

INCOMING_PREFIX = "incoming/"

# Processing order inside one run: the small reference files first, so that a report
# started while a large status file is ingested already sees the stores' hours.
KIND_PREFIXES = {
    "timezones": "incoming/timezones/",
    "business_hours": "incoming/business_hours/",
    "store_status": "incoming/store_status/",
    "booking_events": "incoming/booking_events/",
}
KIND_ORDER = {kind: position for position, kind in enumerate(KIND_PREFIXES)}

# Later files of these kinds overwrite what earlier ones wrote, so they are applied in
# upload order, one at a time.
ORDERED_KINDS = frozenset({"timezones", "business_hours"})


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

    def sort_key(self) -> tuple[int, datetime, str]:
        return KIND_ORDER[self.kind], self.last_modified, self.key


def kind_of(key: str) -> str | None:
    for kind, prefix in KIND_PREFIXES.items():
        if key.startswith(prefix) and not key.endswith("/"):
            return kind
    return None


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
