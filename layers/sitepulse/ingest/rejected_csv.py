"""The `rejected/<original key>.errors.csv` file: one line per rejected input row.

Columns `line,reason,raw` (1-based physical line of the input file, why it was rejected,
the line's text). Produced as UTF-8 bytes in batches, so a caller can stream it into an
S3 multipart upload or collect it with `rejected_csv_bytes`; writing to S3 is the caller's
job.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from sitepulse.ingest.csv_lines import RowError

REJECTED_PREFIX = "rejected/"
REJECTED_HEADER = ("line", "reason", "raw")


def rejected_key(original_key: str) -> str:
    """`rejected/<original key>.errors.csv` for an ingested object key."""
    return f"{REJECTED_PREFIX}{original_key}.errors.csv"


def iter_rejected_csv(errors: Iterable[RowError], rows_per_chunk: int = 1000) -> Iterator[bytes]:
    """The errors CSV as UTF-8 chunks: the header, then up to `rows_per_chunk` rows per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(REJECTED_HEADER)
    pending = 0
    for error in errors:
        writer.writerow((error.line_number, error.reason, error.raw_line))
        pending += 1
        if pending >= rows_per_chunk:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def rejected_csv_bytes(errors: Iterable[RowError]) -> bytes:
    """The whole errors CSV (header included) as UTF-8 bytes."""
    return b"".join(iter_rejected_csv(errors))
