"""POST /api/reports (and the original API's /trigger_report): start a store uptime report."""

from sitepulse.common import init_phase  # first: the collector stays off while the modules below load

# isort: split
from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.metrics import MetricUnit

from sitepulse.common.http import create_app, lambda_entry
from sitepulse.common.observability import metrics
from sitepulse.common.openapi_responses import api_responses, linked
from sitepulse.store_uptime.report.models import (
    IDEMPOTENCY_HEADER,
    ReportAccepted,
    ReportRequest,
    TriggerReportOut,
)
from sitepulse.store_uptime.report.wiring import report_starter

starter = report_starter()
app = create_app()

# The body is optional (absent: default options) but, when sent, an object: JSON `null` is refused
# like every other non-object body (422), so the document does not offer it either.
OptionalRequest = Annotated[ReportRequest, Body(description="Optional; absent means {}")]
IDEMPOTENCY_CONFLICT = f"{IDEMPOTENCY_HEADER} already used with another `now`"
REPORT_LINKS = {
    "Report": ("getReport", {"report_id": "$response.body#/report_id"}),
    "Download": ("downloadReport", {"report_id": "$response.body#/report_id"}),
    "Status": ("getReportStatus", {"report_id": "$response.body#/report_id"}),
}


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
    responses=api_responses(
        {
            202: {
                **linked("Report started", REPORT_LINKS),
                "headers": {"Location": {"description": "The report's URL", "schema": {"type": "string"}}},
            },
            200: linked(
                f"Replay of a request with the same {IDEMPOTENCY_HEADER}; nothing started", REPORT_LINKS
            ),
        },
        conflict=IDEMPOTENCY_CONFLICT,
        body=True,
    ),
    tags=["reports"],
)
def create_report(request: OptionalRequest = None) -> Response[ReportAccepted]:  # type: ignore[assignment]
    accepted, created = _start(request)
    return Response(
        status_code=202 if created else 200,
        content_type=content_types.APPLICATION_JSON,
        body=accepted.model_dump(),
        headers={"Location": f"/api/reports/{accepted.report_id}"},
    )


@app.post(
    "/trigger_report",
    summary="Original API: start a report",
    responses=api_responses(
        {200: linked("Report started", REPORT_LINKS)}, conflict=IDEMPOTENCY_CONFLICT, body=True
    ),
    tags=["reports (original API)"],
)
def trigger_report_post(request: OptionalRequest = None) -> TriggerReportOut:  # type: ignore[assignment]
    return TriggerReportOut(report_id=_start(request)[0].report_id)


@app.get(
    "/trigger_report",
    summary="Original API: start a report",
    responses=api_responses({200: linked("Report started", REPORT_LINKS)}, conflict=IDEMPOTENCY_CONFLICT),
    tags=["reports (original API)"],
)
def trigger_report_get() -> TriggerReportOut:
    return TriggerReportOut(report_id=_start(None)[0].report_id)


handler = lambda_entry(app)
init_phase.end()
