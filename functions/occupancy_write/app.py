"""POST /api/webhook — a door sensor reports people counted since its previous report."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.metrics import MetricUnit

from sitepulse.common.http import create_app, lambda_entry, stored_response
from sitepulse.common.observability import metrics
from sitepulse.occupancy.models import SensorEventIn, SensorEventOut
from sitepulse.occupancy.wiring import occupancy_service

service = occupancy_service()
app = create_app()


@app.post(
    "/api/webhook",
    summary="Record a sensor report (idempotent on sensor + ts)",
    responses={
        201: {"description": "Stored"},
        200: {"description": "Replay of an already stored report; nothing changed"},
        409: {"description": "Another report is stored for this sensor and ts"},
        422: {"description": "Validation error"},
    },
    tags=["occupancy"],
)
def post_webhook(report: Annotated[SensorEventIn, Body()]) -> Response[SensorEventOut]:
    stored, created = service.record(report)
    metrics.add_metric(
        name="SensorEventsStored" if created else "SensorEventsReplayed", unit=MetricUnit.Count, value=1
    )
    return stored_response(stored.as_json(), created)


handler = lambda_entry(app)
