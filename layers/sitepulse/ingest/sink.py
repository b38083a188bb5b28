"""What a domain plugs into ingestion: a `Sink` per kind of file (`incoming/<kind>/`).

The runner owns listing, the exactly-once ledger, segments, checkpoints and the errors file;
a sink only parses one segment and stores its rows, idempotently (a segment is re-ingested
after a crash), returning what it accepted and the rows it rejected.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from sitepulse.ingest.csv_lines import RowError

if TYPE_CHECKING:
    from sitepulse.ingest.objects import IncomingObject
    from sitepulse.ingest.segments import Segment

WHOLE_OBJECT = 1 << 62
"""Segment size of kinds that must see a whole file before writing (replace/upsert per store)."""


@dataclass
class SegmentResult:
    accepted: int
    rejected: list[RowError]
    replayed: int = 0
    writes: dict[str, int] = field(default_factory=dict)  # write requests by kind, for the logs


class Sink(Protocol):
    ordered: bool
    """Later files of this kind overwrite what earlier ones wrote: they are applied one at a
    time, in upload order (a file held by another run makes the later ones wait)."""

    def segment_bytes(self, default: int) -> int: ...

    def check_header(self, header: bytes) -> None:
        """Raise `MissingColumnsError` when no row of a file with this header can be read."""

    def ingest(self, obj: IncomingObject, segment: Segment) -> SegmentResult: ...


def collector(segment: Segment, errors: list[RowError]) -> Callable[[RowError], None]:
    """Collect a parser's `RowError`s with line numbers of the original object, not the segment."""

    def collect(error: RowError) -> None:
        errors.append(error._replace(line_number=segment.file_line(error.line_number)))

    return collect
