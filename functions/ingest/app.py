"""Scheduled (hourly) ingestion of the CSV files under `incoming/` in the data bucket.

Store status polls, business hours and timezones go to the stores table; booking events go
through the bookings module. Every object version is ingested exactly once (ledger in the
ingestion table); see `sitepulse.ingest.runner` for the guarantees and
`sitepulse.ingest_wiring` for which domain reads which folder.
"""

from sitepulse.common import init_phase  # first: the collector stays off while the modules below load

# isort: split
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from sitepulse.common.observability import logger, metrics, tracer
from sitepulse.ingest.runner import RunSummary
from sitepulse.ingest_wiring import ingestion_runner

runner = ingestion_runner()  # at init: a missing or empty variable fails the cold start


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


init_phase.end()
