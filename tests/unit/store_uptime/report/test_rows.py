"""Report rows: units, rounding, sorting, which stores get a row, and the CSV text."""

from __future__ import annotations

import io
from decimal import Decimal

from sitepulse.store_uptime.engine.business_hours import WeeklyInterval
from sitepulse.store_uptime.engine.timestamps import (
    US_PER_DAY,
    US_PER_HOUR,
    US_PER_MINUTE,
    US_PER_SECOND,
    US_PER_WEEK,
    parse_timestamp_us,
)
from sitepulse.store_uptime.engine.uptime import StoreUptime, WindowTime, pack_poll
from sitepulse.store_uptime.report.rows import (
    REPORT_HEADER,
    ReportRow,
    iter_report_csv_lines,
    latest_poll_us,
    report_csv_bytes,
    report_row,
    write_report_csv,
)
from tests.unit.store_uptime.engine.scalar_oracle import build_report, compute_store_row

H = 3600
NOW = parse_timestamp_us("2023-01-24T06:00:00Z")  # Tuesday 00:00 in Chicago


def test_header_is_exact() -> None:
    assert REPORT_HEADER == (
        "store_id,uptime_last_hour,uptime_last_day,uptime_last_week,"
        "downtime_last_hour,downtime_last_day,downtime_last_week"
    )


def test_statement_example_row_in_minutes_and_hours() -> None:
    polls = [
        (parse_timestamp_us("2023-01-23T16:14:00Z"), True),
        (parse_timestamp_us("2023-01-23T17:15:00Z"), False),
    ]
    row = compute_store_row("s1", polls, [WeeklyInterval(0, 9 * H, 12 * H)], None, NOW)
    assert row == ReportRow("s1", 0.0, 1.74, 1.74, 0.0, 1.26, 1.26)
    assert row is not None and row.to_csv_line() == "s1,0.00,1.74,1.74,0.00,1.26,1.26"


def test_hour_in_minutes_day_and_week_in_hours() -> None:
    row = report_row(
        "s",
        StoreUptime(
            WindowTime(US_PER_HOUR, 30 * US_PER_MINUTE),
            WindowTime(US_PER_DAY, 6 * US_PER_HOUR),
            WindowTime(US_PER_WEEK, 100 * US_PER_HOUR),
        ),
    )
    assert row.to_csv_line() == "s,30.00,6.00,100.00,30.00,18.00,68.00"


def test_rounding_is_half_up_and_downtime_completes_the_rounded_business_time() -> None:
    # 0.3 s of uptime in an hour is 0.005 min: half-up gives 0.01; downtime 59.995 is shown as
    # 59.99 so that the row adds up to the business time (rounding both alone would give 60.01).
    # 450 s in a day is 0.125 h: half-up 0.13 (not 0.12 as round-half-even would say).
    row = report_row(
        "s",
        StoreUptime(
            WindowTime(US_PER_HOUR, 300_000),
            WindowTime(US_PER_HOUR, 450 * US_PER_SECOND),
            WindowTime(2 * US_PER_HOUR + 1, 0),
        ),
    )
    assert row.to_csv_line() == "s,0.01,0.13,0.00,59.99,0.87,2.00"


def test_printed_uptime_plus_downtime_is_the_rounded_business_time() -> None:
    business = 7 * US_PER_HOUR + 1_234_567_891  # 7.34293 h = 440.5758 min
    for active in range(0, business + 1, business // 997):
        window = WindowTime(business, active)
        fields = report_row("s", StoreUptime(window, window, window)).to_csv_line().split(",")
        up_hour, up_day, _, down_hour, down_day, _ = map(Decimal, fields[1:])
        assert up_hour + down_hour == Decimal("440.58")
        assert up_day + down_day == Decimal("7.34")
        assert down_day >= 0


def packed(*polls: tuple[str, bool]) -> list[int]:
    return [pack_poll(parse_timestamp_us(text), active) for text, active in polls]


def test_build_report_sorts_by_store_id_as_strings_and_skips_stores_without_polls_up_to_now() -> None:
    polls_by_store = {
        "9": packed(("2023-01-23T00:00:00Z", True)),
        "10": packed(("2023-01-23T00:00:00Z", False)),
        "b": packed(("2023-01-10T00:00:00Z", True)),  # long before the week: still rules it
        "A": packed(("2023-01-23T00:00:00Z", True), ("2023-01-25T00:00:00Z", False)),
        "late": packed(("2023-01-24T06:00:00.000001Z", True)),
        "empty": [],
    }
    rows = build_report(polls_by_store, {}, {}, NOW)
    assert [row.store_id for row in rows] == ["10", "9", "A", "b"]
    assert rows[0] == ReportRow("10", 0.0, 0.0, 0.0, 60.0, 24.0, 168.0)
    assert rows[3] == ReportRow("b", 60.0, 24.0, 168.0, 0.0, 0.0, 0.0)


def test_build_report_uses_hours_and_timezone_per_store() -> None:
    poll = packed(("2023-01-23T00:00:00Z", True))
    hours = {"ny": [WeeklyInterval(0, 9 * H, 12 * H)], "default": [WeeklyInterval(0, 9 * H, 12 * H)]}
    rows = build_report({"ny": poll, "default": poll}, hours, {"ny": "America/New_York"}, NOW)
    assert [row.uptime_last_week for row in rows] == [3.0, 3.0]
    # Monday 09:00-12:00 Chicago ends at 18:00Z, New York at 17:00Z: a window from 17:30Z sees the difference.
    now = parse_timestamp_us("2023-01-23T18:30:00Z")
    rows = build_report({"ny": poll, "default": poll}, hours, {"ny": "America/New_York"}, now)
    assert [(row.store_id, row.uptime_last_hour) for row in rows] == [("default", 30.0), ("ny", 0.0)]


def test_now_defaults_to_the_latest_poll() -> None:
    polls_by_store = {
        "a": packed(("2023-01-20T00:00:00Z", True), ("2023-01-23T10:00:00Z", True)),
        "b": packed(("2023-01-23T11:00:00Z", False)),
    }
    assert latest_poll_us(polls_by_store) == parse_timestamp_us("2023-01-23T11:00:00Z")
    rows = build_report(polls_by_store, {}, {})
    assert rows == [
        ReportRow("a", 60.0, 24.0, 168.0, 0.0, 0.0, 0.0),
        ReportRow("b", 0.0, 0.0, 0.0, 60.0, 24.0, 168.0),
    ]
    assert latest_poll_us({}) is None
    assert build_report({}, {}, {}) == []


def test_csv_text_quotes_store_ids_that_need_it() -> None:
    rows = [ReportRow("a,b", 1.0, 2.0, 3.0, 4.0, 5.0, 6.0), ReportRow('q"x', 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)]
    expected = REPORT_HEADER + '\n"a,b",1.00,2.00,3.00,4.00,5.00,6.00\n"q""x",0.00,0.00,0.00,0.00,0.00,0.00\n'
    assert "".join(iter_report_csv_lines(rows)) == expected
    assert report_csv_bytes(rows) == expected.encode()
    out = io.StringIO()
    assert write_report_csv(rows, out) == 2
    assert out.getvalue() == expected
    assert report_csv_bytes([]) == (REPORT_HEADER + "\n").encode()
