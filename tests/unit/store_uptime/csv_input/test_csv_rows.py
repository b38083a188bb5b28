"""CSV parsing: header-driven, BOM, aliases, line numbers of rejected rows, fast path == general path."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitepulse.ingest import csv_lines
from sitepulse.store_uptime.csv_input.csv_rows import (
    BusinessHoursRow,
    MissingColumnsError,
    RowError,
    StatusPoll,
    StoreTimezone,
    iter_business_hours,
    iter_status_polls,
    iter_timezones,
    read_hours_by_store,
    read_polls_by_store,
    read_timezones_by_store,
)
from sitepulse.store_uptime.csv_input.poll_array_reader import read_poll_arrays
from sitepulse.store_uptime.engine.business_hours import WeeklyInterval
from sitepulse.store_uptime.engine.poll_arrays import PollArrays
from sitepulse.store_uptime.engine.timestamps import parse_timestamp_us
from sitepulse.store_uptime.engine.uptime import pack_poll

T1 = "2023-01-22 12:09:39.388884 UTC"
T1_US = parse_timestamp_us(T1)


def binary(text: str | bytes) -> io.BytesIO:
    return io.BytesIO(text.encode("utf-8") if isinstance(text, str) else text)


def as_lists(polls_by_store: Mapping[str, Iterable[int]]) -> dict[str, list[int]]:
    """Packed polls per store, sorted: the loader promises no order within a store."""
    return {store: sorted(polls) for store, polls in polls_by_store.items()}


def errors_of(records: Iterable[object]) -> list[RowError]:
    return [record for record in records if isinstance(record, RowError)]


# --- status polls -------------------------------------------------------------------------


def test_polls_with_bom_crlf_and_any_column_order() -> None:
    data = (
        "\ufefftimestamp_utc,store_id,status\r\n" + f"{T1},s1,active\r\n" + "2023-01-22T12:00:00Z,s2,inactive"
    )
    assert list(iter_status_polls(binary(data))) == [
        StatusPoll("s1", True, T1_US),
        StatusPoll("s2", False, parse_timestamp_us("2023-01-22T12:00:00Z")),
    ]


def test_header_names_are_trimmed_and_case_insensitive_and_values_trimmed() -> None:
    data = f" Store_ID , STATUS ,Timestamp_UTC\n s1 , Active , {T1} \n"
    assert list(iter_status_polls(binary(data))) == [StatusPoll("s1", True, T1_US)]


def test_quoted_fields_inside_a_line() -> None:
    data = f'store_id,status,timestamp_utc\n"s,1",active,"{T1}"\n'
    assert list(iter_status_polls(binary(data))) == [StatusPoll("s,1", True, T1_US)]


def test_every_bad_poll_row_is_reported_with_its_physical_line_number() -> None:
    data = (
        "store_id,status,timestamp_utc\n"  # 1
        f"s1,active,{T1}\n"  # 2 ok
        "\n"  # 3 blank: skipped silently
        f"s1,paused,{T1}\n"  # 4
        "s1,active,2023-01-22 25:00:00 UTC\n"  # 5
        f",active,{T1}\n"  # 6
        "s1,,2023-01-22T00:00:00Z\n"  # 7
        "s1,active,\n"  # 8
        "s1,active\n"  # 9
        f"s1,active,{T1},extra\n"  # 10
        f's1,"active,{T1}\n'  # 11
        f"{'x' * 257},active,{T1}\n"  # 12
        f"s2,inactive,{T1}"  # 13 ok, no final newline
    )
    records = list(iter_status_polls(binary(data)))
    assert [r for r in records if isinstance(r, StatusPoll)] == [
        StatusPoll("s1", True, T1_US),
        StatusPoll("s2", False, T1_US),
    ]
    errors = errors_of(records)
    assert [(e.line_number, e.reason) for e in errors] == [
        (4, "unknown status 'paused' (expected active or inactive)"),
        (5, "bad timestamp_utc '2023-01-22 25:00:00 UTC'"),
        (6, "missing store_id"),
        (7, "missing status"),
        (8, "missing timestamp_utc"),
        (9, "expected 3 fields, found 2"),
        (10, "expected 3 fields, found 4"),
        (11, "malformed CSV (unexpected end of data)"),
        (12, "store_id longer than 256 characters"),
    ]
    raw_by_line = {e.line_number: e.raw_line for e in errors}
    assert raw_by_line[4] == f"s1,paused,{T1}"
    assert raw_by_line[9] == "s1,active"


def test_invalid_utf8_rejects_only_that_line() -> None:
    text = f"store_id,status,timestamp_utc\ns1,active,{T1}\ns\xff,active,{T1}\ns3,active,{T1}\n"
    data = text.encode().replace(b"\xc3\xbf", b"\xff")  # a lone 0xff byte is never UTF-8
    records = list(iter_status_polls(binary(data)))
    assert [r.store_id for r in records if isinstance(r, StatusPoll)] == ["s1", "s3"]
    [error] = errors_of(records)
    assert (error.line_number, error.reason, error.raw_line) == (3, "invalid UTF-8", f"s\\xff,active,{T1}")


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        ("store_id,status", ["timestamp_utc"]),
        ("id,status,timestamp_utc", ["store_id"]),
        ("foo", ["store_id", "status", "timestamp_utc"]),
        ("", ["store_id", "status", "timestamp_utc"]),
    ],
)
def test_missing_header_column_fails_the_whole_file(header: str, missing: list[str]) -> None:
    with pytest.raises(MissingColumnsError) as caught:
        list(iter_status_polls(binary(header + "\ns1,active,x\n")))
    assert caught.value.missing == missing
    with pytest.raises(MissingColumnsError):
        read_polls_by_store(binary(header + "\ns1,active,x\n"))


def test_empty_file_has_no_header() -> None:
    for data in ("", "\ufeff"):
        with pytest.raises(MissingColumnsError):
            list(iter_status_polls(binary(data)))
        with pytest.raises(MissingColumnsError):
            read_polls_by_store(binary(data))


def test_header_only_file_has_no_rows() -> None:
    assert list(iter_status_polls(binary("store_id,status,timestamp_utc\n"))) == []
    assert read_polls_by_store(binary("store_id,status,timestamp_utc\n")) == {}


@pytest.mark.parametrize("chunk_bytes", [1, 2, 3, 5, 17, 1 << 20])
def test_chunk_boundaries_do_not_change_lines_bom_or_multibyte_text(
    monkeypatch: pytest.MonkeyPatch, chunk_bytes: int
) -> None:
    monkeypatch.setattr(csv_lines, "CHUNK_BYTES", chunk_bytes)
    data = (
        "\ufeffstore_id,status,timestamp_utc\r\n"
        f"caf\u00e9-\u6771\u4eac,active,{T1}\r\n"
        f"s2,bogus,{T1}\r\n"
        f"s3,inactive,{T1}"
    )
    records = list(iter_status_polls(binary(data)))
    assert records == [
        StatusPoll("caf\u00e9-\u6771\u4eac", True, T1_US),
        RowError(3, "unknown status 'bogus' (expected active or inactive)", f"s2,bogus,{T1}"),
        StatusPoll("s3", False, T1_US),
    ]
    errors: list[RowError] = []
    assert as_lists(read_polls_by_store(binary(data), errors.append)) == {
        "caf\u00e9-\u6771\u4eac": [pack_poll(T1_US, True)],
        "s3": [pack_poll(T1_US, False)],
    }
    assert errors == [records[1]]


def test_overlong_line_is_rejected_without_being_buffered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_lines, "CHUNK_BYTES", 16)
    monkeypatch.setattr(csv_lines, "MAX_LINE_BYTES", 64)
    monkeypatch.setattr(csv_lines, "RAW_LINE_LIMIT", 10)
    data = f"store_id,status,timestamp_utc\ns1,active,{T1}\n{'x' * 300}\ns2,active,{T1}\n{'y' * 300}"
    expected = [
        StatusPoll("s1", True, T1_US),
        RowError(3, "line longer than 64 bytes", "xxxxxxxxxx…"),
        StatusPoll("s2", True, T1_US),
        RowError(5, "line longer than 64 bytes", "yyyyyyyyyy…"),
    ]
    assert list(iter_status_polls(binary(data))) == expected
    errors: list[RowError] = []
    assert as_lists(read_polls_by_store(binary(data), errors.append)) == {
        "s1": [pack_poll(T1_US, True)],
        "s2": [pack_poll(T1_US, True)],
    }
    assert errors == [expected[1], expected[3]]
    array_errors: list[RowError] = []
    assert read_poll_arrays(binary(data), array_errors.append).by_store() == {
        "s1": [pack_poll(T1_US, True)],
        "s2": [pack_poll(T1_US, True)],
    }
    assert array_errors == [expected[1], expected[3]]


def test_raw_line_of_a_rejected_row_is_truncated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_lines, "RAW_LINE_LIMIT", 12)
    [error] = iter_status_polls(binary(f"store_id,status,timestamp_utc\ns1,dozing,{T1}\n"))
    assert error == RowError(2, "unknown status 'dozing' (expected active or inactive)", "s1,dozing,20…")


def test_read_polls_by_store_groups_packed_polls() -> None:
    data = f"store_id,status,timestamp_utc\nb,active,{T1}\na,inactive,2023-01-22T00:00:00Z\nb,inactive,{T1}\n"
    assert as_lists(read_polls_by_store(binary(data))) == {
        "b": [pack_poll(T1_US, False), pack_poll(T1_US, True)],
        "a": [pack_poll(parse_timestamp_us("2023-01-22T00:00:00Z"), False)],
    }


def test_read_polls_by_store_with_another_column_order_uses_the_general_parser() -> None:
    data = f"status,timestamp_utc,store_id\nactive,{T1},s1\nwho,{T1},s1\n"
    errors: list[RowError] = []
    assert as_lists(read_polls_by_store(binary(data), errors.append)) == {"s1": [pack_poll(T1_US, True)]}
    assert [(e.line_number, e.reason) for e in errors] == [
        (3, "unknown status 'who' (expected active or inactive)")
    ]


# The fast path of read_polls_by_store must accept and reject exactly like the general parser.
STORE_ID_VARIANTS = ["s1", "s2", " s1", "s1 ", '"s1"', '"s,1"', "", 'a"b', "x" * 256, "x" * 257, "é"]
STATUS_VARIANTS = ["active", "inactive", "ACTIVE", " active", "inactive ", "on", "", '"active"']
STAMP_VARIANTS = [
    T1,
    "2023-01-22 12:09:39 UTC",
    "2023-01-22 12:09:39.5 UTC",
    "2023-01-22 12:09:39.46544 UTC",
    "2023-01-22 12:09:59.999999 UTC",
    "2023-01-22 12:09:60.000000 UTC",
    "2023-01-22 12:09:3x.000000 UTC",
    "2023-01-22 12:09:39.12345x UTC",
    "2023-01-22 12:09:39.1234567 UTC",
    "2023-01-22 12:09:٣٩.123456 UTC",  # non-ASCII digits
    "2023-01-22 12:09:39.12345٦ UTC",
    "2023-01-22 12:09:+9.123456 UTC",
    "2023-01-22 12:09:39.1_3456 UTC",
    "2023-02-29 12:09:39.123456 UTC",
    "2023-01-22T12:09:39Z",
    " 2023-01-22 12:09:39.123456 UTC",
    "2023-01-22 12:09:39.123456 UTC ",
    "2023-01-22 12:09/39.123456 UTC",
    "2023-01-22 12:09:39,123456 UTC",
    "2023-01-22 12:09:39 123456 UTC",
    "2023-01-22 12:09:39.123456 utc",
    "2023-01-22 12:09:39.123456_UTC",
    "2023-01-22 12:09:39.1234567UTC",
    "2023-01-22 12:09:39.UTC",
    "2023-01-22 12:09:39_UTC",
    "",
]
ODD_LINES = ["", "   ", "s1,active", f"s1,active,{T1},x", f's1,"active,{T1}', "\r"]


def assert_fast_loader_matches_general_parser(lines: list[str]) -> None:
    data = "store_id,status,timestamp_utc\n" + "\n".join(lines) + "\n"
    expected_polls: dict[str, list[int]] = {}
    expected_errors: list[RowError] = []
    for record in iter_status_polls(binary(data)):
        if isinstance(record, RowError):
            expected_errors.append(record)
        else:
            packed = pack_poll(record.epoch_us, record.is_active)
            expected_polls.setdefault(record.store_id, []).append(packed)
    errors: list[RowError] = []
    assert as_lists(read_polls_by_store(binary(data), errors.append)) == as_lists(expected_polls)
    assert errors == expected_errors
    array_errors: list[RowError] = []
    assert read_poll_arrays(binary(data), array_errors.append).by_store() == as_lists(expected_polls)
    assert array_errors == expected_errors


def test_fast_poll_loader_matches_the_general_parser_on_every_variant() -> None:
    # A valid row first, so that later rows of the same store and minute take the cached path.
    lines = [f"s1,active,{T1}"]
    lines += [f"s1,inactive,{stamp}" for stamp in STAMP_VARIANTS]
    lines += [f"{store},{status},{T1}" for store in STORE_ID_VARIANTS for status in STATUS_VARIANTS]
    lines += ODD_LINES
    assert_fast_loader_matches_general_parser(lines)


_LINES = st.one_of(
    st.tuples(
        st.sampled_from(STORE_ID_VARIANTS), st.sampled_from(STATUS_VARIANTS), st.sampled_from(STAMP_VARIANTS)
    ).map(",".join),
    st.sampled_from(ODD_LINES),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_LINES, max_size=25))
def test_fast_poll_loader_matches_the_general_parser(lines: list[str]) -> None:
    assert_fast_loader_matches_general_parser(lines)


# The numpy reader of the offline report (`read_poll_arrays`) takes rows in the poller's exact
# layout with numeric store ids columnar; everything else goes to the general parser.
_NUMERIC_IDS = [
    "1",
    "0",
    "9",
    "10",
    "00",
    "01",
    "0123",
    "123",
    "9" * 19,
    "1" + "0" * 18,
    "1" * 20,
    "18446744073709551615",
]
_PLAIN_STAMPS = [
    T1,
    "2023-01-22 12:09:39 UTC",
    "2023-01-22 12:09:39.5 UTC",
    "2023-01-22 12:09:39.46544 UTC",
    "2023-01-22 12:09:59.999999 UTC",
    "2023-01-22 23:59:00.000001 UTC",
    "2024-02-29 00:00:00.000000 UTC",
    "2000-02-29 00:00:00.000000 UTC",
    "1900-02-28 23:59:59.000000 UTC",
    "0001-01-01 00:00:00.000000 UTC",
    "9999-12-31 23:59:59.999999 UTC",
    "1969-12-31 23:59:59.999999 UTC",
    "0999-12-31 23:59:59.999999 UTC",
    "2023-12-31 00:00:00.000000 UTC",
    "2023-04-30 00:00:00.000000 UTC",
]
# Near misses of the canonical stamp: each is rejected, or taken, by the general parser alone.
_NEAR_STAMPS = [
    "2023-02-29 00:00:00.000000 UTC",
    "1900-02-29 00:00:00.000000 UTC",
    "0000-01-01 00:00:00.000000 UTC",
    "2023-13-01 00:00:00.000000 UTC",
    "2023-00-10 00:00:00.000000 UTC",
    "2023-04-31 00:00:00.000000 UTC",
    "2023-01-00 00:00:00.000000 UTC",
    "2023-01-32 00:00:00.000000 UTC",
    "2023-01-22 24:00:00.000000 UTC",
    "2023-01-22 23:60:00.000000 UTC",
    "2023-01-22 12:09:60.000000 UTC",
    "2023-01-22 12:09:39.000000 UTC\r",
    "2023-01-22 12:09:39.000000 UTc",
    "2023-01-22 12:09:39.000000 UT",
    "2023-01-22 12:09:39.000000 UTCC",
    "2023-01-22 12:09:39.00000: UTC",
    "2023-01-22 12:09:39.00000/ UTC",
    "2023-01-22 12:09:39.0000\x00 UTC",
    "2023-01-22\t12:09:39.000000 UTC",
    "2023-01-22 12:09:39.000000 UTC ",
    "2023-1-22 12:09:39.0000000 UTC",
    "2023-01-22 12:09:39.000000+UTC",
]
_PLAIN_ROWS = st.tuples(
    st.sampled_from(["s1", "s2", "10", "9", "a b", "x" * 256, *_NUMERIC_IDS]),
    st.sampled_from(["active", "inactive"]),
    st.sampled_from(_PLAIN_STAMPS),
).map(",".join)
_NEAR_ROWS = st.tuples(
    st.sampled_from([*_NUMERIC_IDS, " 10", "10 ", '"10"', "+10", "1e3", "١٠"]),  # some read as "10" by both
    st.sampled_from(
        ["active", "inactive", "Active", "inactive ", "inactivE", "activ", "nactive", "iinactive"]
    ),
    st.sampled_from(_PLAIN_STAMPS + _NEAR_STAMPS),
).map(",".join)
_ANY_ROW = st.one_of(
    _PLAIN_ROWS,
    _NEAR_ROWS,
    _LINES,
    st.sampled_from(["s1,active,2023-02-29 00:00:00.000000 UTC", "s1\x00,active,", "1,,active," + T1, ","]),
)


def expected_polls_and_errors(data: str | bytes) -> tuple[dict[str, list[int]], list[RowError]]:
    """What the general parser (`iter_status_polls`) accepts, per store, and rejects."""
    expected: dict[str, list[int]] = {}
    errors: list[RowError] = []
    for record in iter_status_polls(binary(data)):
        if isinstance(record, RowError):
            errors.append(record)
        else:
            expected.setdefault(record.store_id, []).append(pack_poll(record.epoch_us, record.is_active))
    return as_lists(expected), errors


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(_PLAIN_ROWS, min_size=1, max_size=30),
    st.lists(_ANY_ROW, max_size=6),
    st.booleans(),
    st.randoms(),
)
def test_array_reader_matches_the_general_parser(
    plain: list[str], odd: list[str], crlf: bool, random: object
) -> None:
    lines = plain + odd
    random.shuffle(lines)  # type: ignore[attr-defined]
    data = "store_id,status,timestamp_utc\n" + ("\r\n" if crlf else "\n").join(lines)
    expected, expected_errors = expected_polls_and_errors(data)
    errors: list[RowError] = []
    polls = read_poll_arrays(binary(data), errors.append)
    assert polls.by_store() == expected
    assert errors == expected_errors
    assert polls.store_ids == sorted(expected)
    assert polls.poll_count() == sum(map(len, expected.values()))


def test_array_reader_takes_the_poller_layout_columnar_and_the_rest_row_by_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    taken: list[int] = []
    from sitepulse.store_uptime.csv_input import poll_array_reader

    original = poll_array_reader._Columns.take_block

    def counting(self: object, block: bytes) -> tuple[int, list[tuple[int, bytes]]]:
        rows, others = original(self, block)  # type: ignore[arg-type]
        taken.append(rows - len(others))
        return rows, others

    monkeypatch.setattr(poll_array_reader._Columns, "take_block", counting)
    rows = [f"{10 + i % 3},{'inactive' if i % 4 else 'active'},{T1}" for i in range(10)]
    rows += [
        f"s1,active,{T1}",
        f"0123,active,{T1}",
        "11,active,2023-01-22 12:09:39.5 UTC",
        f"12, active,{T1}",
    ]
    data = "store_id,status,timestamp_utc\n" + "\n".join(rows)
    expected, expected_errors = expected_polls_and_errors(data)
    assert read_poll_arrays(binary(data)).by_store() == expected
    assert expected_errors == []
    assert sum(taken) == 10  # the id-less, zero-led, short-fraction and padded rows went row by row


def test_array_reader_across_chunks_keeps_line_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_lines, "CHUNK_BYTES", 100)
    rows = [f"{i % 3},{'inactive' if i % 4 else 'active'},{T1}" for i in range(40)]
    rows[13] = "1,dozing,2023-01-22 12:09:39 UTC"
    rows[27] = "2,active,2023-02-30 12:09:39.000000 UTC"
    errors: list[RowError] = []
    data = "\ufeffstore_id,status,timestamp_utc\r\n" + "\r\n".join(rows) + "\r\n"
    polls = read_poll_arrays(binary(data), errors.append)
    assert [e.line_number for e in errors] == [15, 29]
    assert polls.poll_count() == 38
    assert polls.by_store() == expected_polls_and_errors(data)[0]


def test_array_reader_with_another_header_uses_the_general_parser() -> None:
    data = f"status,timestamp_utc,store_id\nactive,{T1},1\nwho,{T1},1\n"
    errors: list[RowError] = []
    assert read_poll_arrays(binary(data), errors.append).by_store() == {"1": [pack_poll(T1_US, True)]}
    assert [(e.line_number, e.reason) for e in errors] == [
        (3, "unknown status 'who' (expected active or inactive)")
    ]


def test_array_reader_of_an_empty_file() -> None:
    with pytest.raises(MissingColumnsError):
        read_poll_arrays(binary(""))
    polls = read_poll_arrays(binary("store_id,status,timestamp_utc\n"))
    assert (polls.store_ids, polls.poll_count(), polls.latest_us()) == ([], 0, None)


def test_array_reader_of_random_bytes_matches_the_general_parser() -> None:
    import random

    generator = random.Random(14)
    alphabet = b'0123456789,,,\n\r -:.UTCactiveinactive\xff"'
    for _ in range(200):
        body = bytes(generator.choice(alphabet) for _ in range(generator.randint(0, 200)))
        data = b"store_id,status,timestamp_utc\n" + body
        expected, expected_errors = expected_polls_and_errors(data)
        errors: list[RowError] = []
        assert read_poll_arrays(binary(data), errors.append).by_store() == expected
        assert errors == expected_errors


def test_poll_arrays_from_packed_skips_stores_without_polls() -> None:
    polls = PollArrays.from_packed({"b": [5, 3], "a": [], "10": [8]})
    assert polls.store_ids == ["10", "b"]
    assert polls.by_store() == {"10": [8], "b": [3, 5]}
    assert polls.latest_us() == 4


# --- business hours -----------------------------------------------------------------------


def test_business_hours_with_day_of_week_alias_and_column_order() -> None:
    data = "end_time_local,dayOfWeek,store_id,start_time_local\n12:00:00,0,s1,09:00:00\n02:00,4,s1,22:00\n"
    assert list(iter_business_hours(binary(data))) == [
        BusinessHoursRow("s1", 0, 9 * 3600, 12 * 3600),
        BusinessHoursRow("s1", 4, 22 * 3600, 2 * 3600),
    ]


def test_business_hours_day_alias() -> None:
    data = "store_id,day,start_time_local,end_time_local\ns1,6,00:00:00,24:00:00\n"
    assert list(iter_business_hours(binary(data))) == [BusinessHoursRow("s1", 6, 0, 86_400)]


def test_bad_business_hours_rows() -> None:
    data = (
        "store_id,day,start_time_local,end_time_local\n"
        "s1,7,09:00:00,12:00:00\n"  # 2
        "s1,-1,09:00:00,12:00:00\n"  # 3
        "s1,mon,09:00:00,12:00:00\n"  # 4
        "s1,,09:00:00,12:00:00\n"  # 5
        "s1,0,9am,12:00:00\n"  # 6
        "s1,0,09:00:00,12:61:00\n"  # 7
        "s1,0,24:00:00,12:00:00\n"  # 8
        "s1,0,09:00:00.5,12:00:00\n"  # 9
        "s1,0,09:00:00,\n"  # 10
        "s1,1,9:30,17:00\n"  # 11 ok
    )
    records = list(iter_business_hours(binary(data)))
    assert records[-1] == BusinessHoursRow("s1", 1, 9 * 3600 + 1800, 17 * 3600)
    assert [(e.line_number, e.reason) for e in errors_of(records)] == [
        (2, "bad day '7' (expected 0-6, 0 = Monday)"),
        (3, "bad day '-1' (expected 0-6, 0 = Monday)"),
        (4, "bad day 'mon' (expected 0-6, 0 = Monday)"),
        (5, "missing day"),
        (6, "bad start_time_local '9am' (expected HH:MM or HH:MM:SS)"),
        (7, "bad end_time_local '12:61:00' (expected HH:MM or HH:MM:SS)"),
        (8, "bad start_time_local '24:00:00' (24:00 is only valid as an end time)"),
        (9, "bad start_time_local '09:00:00.5' (expected HH:MM or HH:MM:SS)"),
        (10, "missing end_time_local"),
    ]


def test_business_hours_missing_columns() -> None:
    with pytest.raises(MissingColumnsError) as caught:
        list(iter_business_hours(binary("store_id,weekday,start_time_local,end_time_local\n")))
    assert caught.value.missing == ["day"]


def test_read_hours_by_store_groups_intervals_and_reports_errors() -> None:
    data = "store_id,day,start_time_local,end_time_local\na,0,09:00,12:00\nb,9,09:00,12:00\na,1,10:00,11:00\n"
    errors: list[RowError] = []
    assert read_hours_by_store(binary(data), errors.append) == {
        "a": [WeeklyInterval(0, 32_400, 43_200), WeeklyInterval(1, 36_000, 39_600)]
    }
    assert [e.line_number for e in errors] == [3]


# --- timezones ----------------------------------------------------------------------------


def test_timezones_and_unknown_timezone() -> None:
    data = (
        "\ufefftimezone_str,store_id\n"
        "America/New_York,s1\n"
        "Mars/Olympus_Mons,s2\n"
        "../../etc/passwd,s3\n"
        ",s4\n"
        "america/new_york,s5\n"
        "Asia/Kolkata,s1\n"
    )
    records = list(iter_timezones(binary(data)))
    assert [r for r in records if isinstance(r, StoreTimezone)] == [
        StoreTimezone("s1", "America/New_York"),
        StoreTimezone("s1", "Asia/Kolkata"),
    ]
    assert [(e.line_number, e.reason) for e in errors_of(records)] == [
        (3, "unknown timezone 'Mars/Olympus_Mons'"),
        (4, "unknown timezone '../../etc/passwd'"),
        (5, "missing timezone_str"),
        (6, "unknown timezone 'america/new_york'"),
    ]
    # upsert semantics within a file: the last valid row of a store wins
    assert read_timezones_by_store(binary(data)) == {"s1": "Asia/Kolkata"}


def test_timezones_missing_column() -> None:
    with pytest.raises(MissingColumnsError) as caught:
        list(iter_timezones(binary("store_id,tz\ns1,UTC\n")))
    assert caught.value.missing == ["timezone_str"]


_HOURS_ROWS = st.tuples(
    st.sampled_from(["s1", "s2", " s1", '"s1"', "", "s3", "s 3", 'a"b', "x" * 256, "x" * 257, "s1 "]),
    st.sampled_from(["0", "6", "7", " 1", ""]),
    st.sampled_from(["09:00:00", "9:30", "24:00:00", "00:00", "12:61:00", " 10:00"]),
    st.sampled_from(["17:00:00", "24:00", "02:00", "25:00", ""]),
).map(",".join)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.one_of(_HOURS_ROWS, st.sampled_from(["", "s1,1,09:00", "s1,1,09:00,10:00,x"])), max_size=30)
)
def test_hours_fast_path_matches_the_general_parser(lines: list[str]) -> None:
    data = "store_id,day,start_time_local,end_time_local\n" + "\n".join(lines) + "\n"
    expected: dict[str, list[WeeklyInterval]] = {}
    expected_errors: list[RowError] = []
    for record in iter_business_hours(binary(data)):
        if isinstance(record, RowError):
            expected_errors.append(record)
        else:
            expected.setdefault(record.store_id, []).append(record.interval)
    errors: list[RowError] = []
    assert read_hours_by_store(binary(data), errors.append) == expected
    assert errors == expected_errors
