"""The `rejected/<key>.errors.csv` file of an ingested object."""

from sitepulse.ingest.csv_lines import RowError
from sitepulse.ingest.rejected_csv import iter_rejected_csv, rejected_csv_bytes, rejected_key


def test_rejected_rows_csv_bytes_quote_raw_lines() -> None:
    errors = [RowError(4, "unknown status 'x'", 's1,x,"2023"'), RowError(9, "invalid UTF-8", "caf\\xff")]
    assert rejected_csv_bytes(errors) == (
        b'line,reason,raw\n4,unknown status \'x\',"s1,x,""2023"""\n9,invalid UTF-8,caf\\xff\n'
    )
    assert rejected_csv_bytes([]) == b"line,reason,raw\n"


def test_rejected_rows_stream_in_chunks() -> None:
    errors = [RowError(n, "bad", f"raw{n}") for n in range(2, 7)]
    chunks = list(iter_rejected_csv(errors, rows_per_chunk=2))
    assert len(chunks) == 3
    assert b"".join(chunks) == rejected_csv_bytes(errors)
    assert b"".join(chunks).decode().splitlines()[1:] == [f"{n},bad,raw{n}" for n in range(2, 7)]


def test_rejected_key() -> None:
    assert rejected_key("incoming/store_status/2023-01-25.csv") == (
        "rejected/incoming/store_status/2023-01-25.csv.errors.csv"
    )
