"""Scheduled (hourly) ingestion of the CSV files under `incoming/` in the data bucket.

Store status polls, business hours and timezones go to the stores table; booking events go
through the bookings module. Every object version is ingested exactly once (ledger in the
ingestion table); see `sitepulse.ingest.runner` for the guarantees.
"""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from sitepulse.bookings.bulk import booking_service_from_env, ingest_booking_rows
from sitepulse.common.aws import dynamodb, s3
from sitepulse.common.observability import logger, metrics, tracer
from sitepulse.common.settings import load_settings
from sitepulse.ingest.ledger import IngestionLedger
from sitepulse.ingest.runner import IngestionRunner, RunLimits, RunSummary
from sitepulse.ingest.settings import IngestSettings
from sitepulse.ingest.sinks import BookingEventSink, BusinessHoursSink, StatusPollSink, TimezoneSink
from sitepulse.store_uptime.storage.writer import StoreDataWriter

settings = load_settings(IngestSettings)
writer = StoreDataWriter(dynamodb(), settings.stores_table)
runner = IngestionRunner(
    s3(),
    settings.data_bucket,
    IngestionLedger(dynamodb(), settings.ingestion_table),
    sinks={
        "timezones": TimezoneSink(writer),
        "business_hours": BusinessHoursSink(writer),
        "store_status": StatusPollSink(writer),
        "booking_events": BookingEventSink(booking_service_from_env, ingest_booking_rows),
    },
    limits=RunLimits(segment_bytes=settings.ingest_segment_mib << 20),
)


def _record_metrics(summary: RunSummary) -> None:
    for outcome in summary.objects:
        metrics.add_metric(name=f"IngestObjects{outcome.status}", unit=MetricUnit.Count, value=1)
        metrics.add_metric(name="IngestRowsAccepted", unit=MetricUnit.Count, value=outcome.accepted)
        metrics.add_metric(name="IngestRowsRejected", unit=MetricUnit.Count, value=outcome.rejected)
    metrics.add_metric(name="IngestObjectsWaiting", unit=MetricUnit.Count, value=summary.waiting)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    summary = runner.run(context.get_remaining_time_in_millis)
    _record_metrics(summary)
    return summary.as_dict()
