"""POST /api/webhook — a door sensor reports people counted since its previous report."""

from sitepulse.common import init_phase  # first: the collector stays off while the modules below load

# isort: split
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.metrics import MetricUnit

from sitepulse.common.http import create_app, lambda_entry, stored_response
from sitepulse.common.observability import metrics
from sitepulse.common.openapi_responses import api_responses, linked
from sitepulse.occupancy.models import SensorEventIn, SensorEventOut
from sitepulse.occupancy.wiring import occupancy_service

service = occupancy_service()
app = create_app()


@app.post(
    "/api/webhook",
    summary="Record a sensor report (idempotent on sensor + ts)",
    responses=api_responses(
        {
            201: linked("Stored", {"Occupancy": ("getOccupancy", {"sensor": "$response.body#/sensor"})}),
            200: "Replay of an already stored report; nothing changed",
        },
        conflict="Another report is stored for this sensor and ts",
        body=True,
    ),
    tags=["occupancy"],
)
def post_webhook(report: Annotated[SensorEventIn, Body()]) -> Response[SensorEventOut]:
    stored, created = service.record(report)
    metrics.add_metric(
        name="SensorEventsStored" if created else "SensorEventsReplayed", unit=MetricUnit.Count, value=1
    )
    return stored_response(stored.as_json(), created)


handler = lambda_entry(app)
init_phase.end()
