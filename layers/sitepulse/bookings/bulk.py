"""Bulk ingestion of booking events from CSV rows (`incoming/booking_events/`).

The ingestion Lambda owns the S3 listing, CSV reading, the exactly-once ledger and the
`rejected/<key>.errors.csv` file; this module turns header-keyed rows into events:

    outcome = ingest_booking_rows(rows, service)

* `rows`: (1-based physical line number, {lower-cased stripped header: value}), BOM removed.
* Accepted spellings: `id`, `hotel_id`, `event_timestamp`|`timestamp`, `status`|`rpg_status`,
  `room_reservation_id`|`room_id`, `night_of_stay`. Integers arrive as text (`"17"`,
  surrounding blanks ignored); an empty `id` means "derive it" as the API does; a timestamp
  may end in ` UTC` (the poller's style).
* Every row goes through the same validation and write path as `POST /api/events`, so the
  dashboard counters stay exact. A bad row never raises: it is returned in `rejected` with
  its line number and reason, as is a row whose id holds another event (the 409 case).
* Re-running the same rows changes nothing (ids are idempotency keys): stored rows come back
  as `replayed`. AWS errors (throttling beyond retries, outages) do raise, so the caller's
  ledger retries the file; the re-run is then safe for the same reason.
* Rows are written by `workers` threads; rows with the same id always go to the same
  thread in file order, so when a file holds one id twice with different payloads the
  earlier line wins and the later one is rejected, exactly as a sequential run would do.
"""

from collections import deque
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

from pydantic import ValidationError

from sitepulse.bookings.ids import derived_event_id
from sitepulse.bookings.models import BookingEventIn
from sitepulse.bookings.service import BookingService
from sitepulse.common.errors import ConflictError, InvalidInputError, validation_message

__all__ = ["BulkOutcome", "ingest_booking_rows", "parse_row"]

_INTEGER_COLUMNS = ("id", "hotel_id", "status", "rpg_status")
_TEXT_COLUMNS = ("event_timestamp", "timestamp", "room_reservation_id", "room_id", "night_of_stay")
_IN_FLIGHT_PER_WORKER = 8

RowResult = tuple[Literal["accepted", "replayed", "rejected"], int, str]


@dataclass
class BulkOutcome:
    accepted: int = 0
    replayed: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason), by line

    def add(self, result: RowResult) -> None:
        kind, line_number, reason = result
        if kind == "accepted":
            self.accepted += 1
        elif kind == "replayed":
            self.replayed += 1
        else:
            self.rejected.append((line_number, reason))


class _BadRow(Exception):
    pass


def _csv_integer(column: str, text: str) -> int:
    digits = text.strip()
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 19:
        raise _BadRow(f"{column}: expected an integer (digits only), got {text!r}")
    return int(digits)


def _payload(row: Mapping[str, str]) -> dict[str, object]:
    """The row in the API's JSON shape: integers as ints, an empty id left out."""
    payload: dict[str, object] = {}
    for column in _INTEGER_COLUMNS:
        value = row.get(column)
        if isinstance(value, str) and (value.strip() or column != "id"):
            payload[column] = _csv_integer(column, value)
    for column in _TEXT_COLUMNS:
        value = row.get(column)
        if isinstance(value, str):
            value = value.strip()
            payload[column] = value.removesuffix(" UTC") if column.endswith("timestamp") else value
    return payload


def _describe(error: ValidationError) -> str:
    parts = []
    for detail in error.errors():
        where = ".".join(str(part) for part in detail.get("loc", ())) or "row"
        parts.append(f"{where}: {validation_message(detail)}")
    return "; ".join(parts)


def parse_row(row: Mapping[str, str]) -> BookingEventIn | str:
    """The validated event of a CSV row, or the reason it is rejected."""
    try:
        return BookingEventIn.model_validate(_payload(row))
    except _BadRow as exc:
        return str(exc)
    except ValidationError as exc:
        return _describe(exc)


def _record(line_number: int, event: BookingEventIn, service: BookingService) -> RowResult:
    try:
        _, created = service.record(event)
    except (ConflictError, InvalidInputError) as exc:
        return "rejected", line_number, exc.message
    return ("accepted" if created else "replayed"), line_number, ""


def _lane(event: BookingEventIn, lanes: int) -> int:
    key = event.id
    if key is None:
        key = derived_event_id(
            event.hotel_id, event.timestamp, event.rpg_status, event.room_id, event.night_of_stay
        )
    return key % lanes


def ingest_booking_rows(
    rows: Iterable[tuple[int, dict[str, str]]], service: BookingService, *, workers: int = 8
) -> BulkOutcome:
    """Validate and record every row; see the module docstring for the contract."""
    outcome = BulkOutcome()
    lanes = [
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="bookings-bulk") for _ in range(max(workers, 1))
    ]
    in_flight: deque[Future[RowResult]] = deque()
    try:
        for line_number, row in rows:
            parsed = parse_row(row)
            if isinstance(parsed, str):
                outcome.add(("rejected", line_number, parsed))
                continue
            lane = lanes[_lane(parsed, len(lanes))]
            in_flight.append(lane.submit(_record, line_number, parsed, service))
            while len(in_flight) >= len(lanes) * _IN_FLIGHT_PER_WORKER:
                outcome.add(in_flight.popleft().result())
        while in_flight:
            outcome.add(in_flight.popleft().result())
    finally:
        for lane in lanes:
            lane.shutdown(wait=True, cancel_futures=True)
    outcome.rejected.sort()
    return outcome
