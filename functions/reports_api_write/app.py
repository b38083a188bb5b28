"""POST /api/reports (and the original API's /trigger_report): start a store uptime report."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.metrics import MetricUnit

from sitepulse.common.aws import client, dynamodb
from sitepulse.common.http import create_app, lambda_entry
from sitepulse.common.observability import metrics
from sitepulse.common.settings import load_settings
from sitepulse.store_uptime.report.models import (
    IDEMPOTENCY_HEADER,
    ReportAccepted,
    ReportRequest,
    TriggerReportOut,
)
from sitepulse.store_uptime.report.repository import ReportRepository
from sitepulse.store_uptime.report.service import ReportStarter
from sitepulse.store_uptime.report.settings import ReportsWriteSettings

settings = load_settings(ReportsWriteSettings)
starter = ReportStarter(
    ReportRepository(dynamodb(), settings.reports_table),
    client("stepfunctions"),
    settings.report_state_machine_arn,
)
app = create_app()


def _start(request: ReportRequest | None) -> tuple[ReportAccepted, bool]:
    key = app.current_event.headers.get(IDEMPOTENCY_HEADER)
    accepted, created = starter.start(request or ReportRequest(), key)
    metrics.add_metric(
        name="ReportsStarted" if created else "ReportsReplayed", unit=MetricUnit.Count, value=1
    )
    return accepted, created


@app.post(
    "/api/reports",
    summary="Start a store uptime report (one Step Functions execution)",
    description=f"Optional `{IDEMPOTENCY_HEADER}` header: a retried request with the same key returns the "
    "same report instead of starting another.",
    responses={
        202: {"description": "Report started"},
        200: {"description": f"Replay of a request with the same {IDEMPOTENCY_HEADER}; nothing started"},
        409: {"description": f"{IDEMPOTENCY_HEADER} already used with another `now`"},
        422: {"description": "Validation error"},
    },
    tags=["reports"],
)
def create_report(request: Annotated[ReportRequest | None, Body()] = None) -> Response[ReportAccepted]:
    accepted, created = _start(request)
    return Response(
        status_code=202 if created else 200,
        content_type=content_types.APPLICATION_JSON,
        body=accepted.model_dump(),
        headers={"Location": f"/api/reports/{accepted.report_id}"},
    )


@app.post("/trigger_report", summary="Original API: start a report", tags=["reports (original API)"])
def trigger_report_post(request: Annotated[ReportRequest | None, Body()] = None) -> TriggerReportOut:
    return TriggerReportOut(report_id=_start(request)[0].report_id)


@app.get("/trigger_report", summary="Original API: start a report", tags=["reports (original API)"])
def trigger_report_get() -> TriggerReportOut:
    return TriggerReportOut(report_id=_start(None)[0].report_id)


handler = lambda_entry(app)
