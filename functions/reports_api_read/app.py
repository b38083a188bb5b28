"""GET /api/reports (newest first), GET /api/reports/{report_id}, its CSV download, and the original
API's /get_report (read-only)."""

from sitepulse.common import init_phase  # first: the collector stays off while the modules below load

# isort: split
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from sitepulse.common.http import create_app, lambda_entry
from sitepulse.common.openapi_responses import api_responses, linked
from sitepulse.common.pagination import DEFAULT_PAGE_SIZE, TOKEN_QUERY, PageLimit
from sitepulse.store_uptime.report.models import LegacyReportStatus, Report, ReportList
from sitepulse.store_uptime.report.wiring import report_queries

queries = report_queries()
app = create_app()

ReportId = Annotated[
    str, Path(min_length=1, max_length=128, description="Id returned when the report was started")
]


@app.get(
    "/api/reports",
    summary="Reports, newest first, with status and progress (paginated)",
    operation_id="listReports",
    responses=api_responses(
        {
            200: linked(
                "One page of reports; `next_token` is null on the last page",
                {"NextPage": ("listReports", {"next_token": "$response.body#/next_token"})},
            )
        }
    ),
    tags=["reports"],
)
def list_reports(
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    next_token: Annotated[str | None, TOKEN_QUERY] = None,
) -> ReportList:
    return queries.newest(limit, next_token)


@app.get(
    "/api/reports/<report_id>",
    summary="State of a report; a presigned download URL once Complete",
    operation_id="getReport",
    responses=api_responses({200: "The report's state"}, not_found="Unknown report"),
    tags=["reports"],
)
def get_report(report_id: ReportId) -> Report:
    return queries.report(report_id)


@app.get(
    "/api/reports/<report_id>/csv",
    summary="Redirect (302) to the report CSV's presigned URL",
    operation_id="downloadReport",
    responses=api_responses(
        {
            302: {
                "description": "Redirect to the CSV (no body)",
                "headers": {
                    "Location": {
                        "description": "The presigned S3 URL of the CSV (expires within 1 hour)",
                        "required": True,
                        "schema": {"type": "string", "format": "uri"},
                    }
                },
                "content": {},
            }
        },
        not_found="Unknown report",
        conflict="The report is still Running, or Failed: there is no CSV",
    ),
    tags=["reports"],
)
def download_report(report_id: ReportId) -> Response[None]:
    url = queries.download_url(report_id)
    return Response(status_code=302, headers={"Location": url}, body="")  # no-store: the edge's rule


@app.get(
    "/get_report",
    summary="Original API: report status and download URL",
    operation_id="getReportStatus",
    responses=api_responses(
        {200: "The report's status (and download URL once Complete)"}, not_found="Unknown report"
    ),
    tags=["reports (original API)"],
)
def get_report_legacy(report_id: Annotated[str, Query(min_length=1, max_length=128)]) -> LegacyReportStatus:
    return queries.legacy_status(report_id)


handler = lambda_entry(app)
init_phase.end()
