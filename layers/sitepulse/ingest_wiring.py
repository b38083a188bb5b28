"""Wiring of the ingestion function: which domain reads which `incoming/<kind>/` folder.

`sitepulse.ingest` is generic (listing, exactly-once ledger, segments, errors file); the
domains plug in one sink per kind of file here, and nowhere else.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from pydantic import BaseModel, Field

from sitepulse.bookings.csv_sink import BookingEventSink
from sitepulse.bookings.repository import BookingRepository
from sitepulse.bookings.service import BookingService
from sitepulse.common.aws import dynamodb, s3
from sitepulse.common.container import per_container
from sitepulse.common.settings import load_settings
from sitepulse.ingest.ledger import IngestionLedger
from sitepulse.ingest.runner import IngestionRunner, RunLimits
from sitepulse.ingest.sink import Sink
from sitepulse.store_uptime.csv_input.sinks import business_hours_sink, status_poll_sink, timezone_sink
from sitepulse.store_uptime.storage.writer import StoreDataWriter


class IngestSettings(BaseModel):
    """Environment of the ingestion function."""

    data_bucket: str = Field(min_length=1)
    ingestion_table: str = Field(min_length=1)
    stores_table: str = Field(min_length=1)
    bookings_table: str = Field(min_length=1)
    ingest_segment_mib: int = Field(default=32, ge=1, le=1024)


def sinks(settings: IngestSettings) -> dict[str, Sink]:
    """Sink per kind, in processing order: the small reference files first, so that a report
    started while a large status file is ingested already sees the stores' hours."""
    writer = StoreDataWriter(dynamodb(), settings.stores_table)
    return {
        "timezones": timezone_sink(writer),
        "business_hours": business_hours_sink(writer),
        "store_status": status_poll_sink(writer),
        "booking_events": BookingEventSink(
            BookingService(BookingRepository(dynamodb(), settings.bookings_table))
        ),
    }


def build_runner(
    settings: IngestSettings, limits: RunLimits | None = None, clock: Callable[[], float] = time.time
) -> IngestionRunner:
    return IngestionRunner(
        s3(),
        settings.data_bucket,
        IngestionLedger(dynamodb(), settings.ingestion_table),
        sinks=sinks(settings),
        limits=limits or RunLimits(segment_bytes=settings.ingest_segment_mib << 20),
        clock=clock,
    )


@per_container
def ingestion_runner() -> IngestionRunner:
    """The runner of this container, built once from the function's environment."""
    return build_runner(load_settings(IngestSettings))
