"""Store uptime domain: pure functions, no AWS.

Modules:

* `timestamps`: instants as integer epoch microseconds; the poller's and ISO 8601 formats.
* `csv_rows`: streaming, header-driven parsing of status / business-hours / timezone CSVs,
  bad rows as `RowError`s.
* `rejected_rows`: the `rejected/<key>.errors.csv` bytes for those `RowError`s.
* `business_hours`: weekly local hours → merged UTC business intervals (DST-aware).
* `uptime`: nearest-poll status timeline and active/business time per window.
* `report_csv`: rounded report rows, per store (`compute_store_row`) or whole report, and CSV.

The names below are the public API; import them from here.
"""

from sitepulse.stores.business_hours import (
    DEFAULT_TIMEZONE,
    WeeklyInterval,
    business_intervals_utc,
    parse_local_time,
)
from sitepulse.stores.csv_rows import (
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
from sitepulse.stores.rejected_rows import iter_rejected_csv, rejected_csv_bytes, rejected_key
from sitepulse.stores.report_csv import (
    REPORT_HEADER,
    ReportRow,
    build_report,
    compute_store_row,
    compute_store_row_packed,
    iter_report_csv_lines,
    latest_poll_us,
    report_csv_bytes,
    write_report_csv,
)
from sitepulse.stores.timestamps import format_timestamp_us, parse_timestamp_us
from sitepulse.stores.uptime import StoreUptime, WindowTime, pack_poll, poll_read_range, unpack_poll

__all__ = [
    "DEFAULT_TIMEZONE",
    "REPORT_HEADER",
    "BusinessHoursRow",
    "MissingColumnsError",
    "ReportRow",
    "RowError",
    "StatusPoll",
    "StoreTimezone",
    "StoreUptime",
    "WeeklyInterval",
    "WindowTime",
    "build_report",
    "business_intervals_utc",
    "compute_store_row",
    "compute_store_row_packed",
    "format_timestamp_us",
    "iter_business_hours",
    "iter_rejected_csv",
    "iter_report_csv_lines",
    "iter_status_polls",
    "iter_timezones",
    "latest_poll_us",
    "pack_poll",
    "parse_local_time",
    "parse_timestamp_us",
    "poll_read_range",
    "read_hours_by_store",
    "read_polls_by_store",
    "read_timezones_by_store",
    "rejected_csv_bytes",
    "rejected_key",
    "report_csv_bytes",
    "unpack_poll",
    "write_report_csv",
]
